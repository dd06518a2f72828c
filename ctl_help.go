// supervisorctl's help action (CTL-37): one action's usage, or the list
// of documented actions laid out in columns like Python's cmd module.
package main

import (
	"sort"
	"strings"
)

// doHelp lists the documented actions in columns, or prints one action's
// usage (CTL-37).
func (c *controller) doHelp(arg string) error {
	if pyStrip(arg) == "help" {
		c.output("help\t\tPrint a list of available actions")
		c.output("help <action>\tPrint help for <action>")
		return nil
	}
	if arg != "" {
		if a, ok := ctlActions[arg]; ok && a.help != nil {
			a.help(c)
		} else {
			c.output("*** No help on " + arg)
		}
		return nil
	}
	var names []string
	for name, a := range ctlActions {
		if a.help != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	c.output("")
	c.printTopics("default commands (type help <topic>):", names, 80)
	return nil
}

// printTopics prints a header, a ruler and the names in columns like
// Python's cmd.Cmd.print_topics.
func (c *controller) printTopics(header string, names []string, width int) {
	c.output(header)
	c.output(strings.Repeat("=", len(header)))
	for _, row := range columnize(names, width-1) {
		c.output(row)
	}
	c.output("")
}

// columnize lays names out column by column in as few rows as fit in
// width, two spaces between columns, each column padded to its widest
// entry (trailing padding included), like Python's cmd.Cmd.columnize.
func columnize(names []string, width int) []string {
	if len(names) == 0 {
		return []string{"<empty>"}
	}
	if len(names) == 1 {
		return []string{names[0]}
	}
	nrows, widths := len(names), []int{0}
	for rows := 1; rows < len(names); rows++ {
		if w, ok := columnWidths(names, rows, width); ok {
			nrows, widths = rows, w
			break
		}
	}
	lines := make([]string, nrows)
	for row := range nrows {
		var texts []string
		for col := range widths {
			text := ""
			if i := row + nrows*col; i < len(names) {
				text = names[i]
			}
			texts = append(texts, text)
		}
		for len(texts) > 0 && texts[len(texts)-1] == "" {
			texts = texts[:len(texts)-1]
		}
		for col := range texts {
			texts[col] = pyLjust(texts[col], widths[col])
		}
		lines[row] = strings.Join(texts, "  ")
	}
	return lines
}

// columnWidths returns the column widths for nrows rows, and whether the
// columns fit in width.
func columnWidths(names []string, nrows, width int) ([]int, bool) {
	ncols := (len(names) + nrows - 1) / nrows
	var widths []int
	total := -2
	for col := range ncols {
		w := 0
		for row := range nrows {
			i := row + nrows*col
			if i >= len(names) {
				break
			}
			w = max(w, len([]rune(names[i])))
		}
		widths = append(widths, w)
		total += w + 2
		if total > width {
			return nil, false
		}
	}
	return widths, true
}
