// The config file reader: what Python's RawConfigParser reads, configured
// as 4.2.5 configures it, and the glob of [include] files (CFG-02, CFG-75).
package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// iniFile is what Python's RawConfigParser holds after reading, configured
// as 4.2.5 configures it (inline comments after whitespace, strict=False).
//
// It is hand-written rather than built on gopkg.in/ini.v1 because ini.v1
// strips quotes around values, keeps continuation-line indentation and
// comments, drops blank lines inside values, does not inherit [DEFAULT] and
// stops at the first bad line, while 4.2.5's messages list every bad line
// with Python's wording; fixing all of that up cost more than this reader.
type iniFile struct {
	defaults *iniSection
	sections []*iniSection
	byName   map[string]*iniSection
	fileOf   map[string]string // section -> included file that introduced it
}

type iniSection struct {
	name string
	keys []string
	vals map[string]string
}

func newIniFile() *iniFile {
	return &iniFile{defaults: newIniSection("DEFAULT"), byName: map[string]*iniSection{}, fileOf: map[string]string{}}
}

func newIniSection(name string) *iniSection {
	return &iniSection{name: name, vals: map[string]string{}}
}

func (s *iniSection) set(k, v string) {
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

func (f *iniFile) has(section string) bool { return f.byName[section] != nil }

// get looks an option up in a section, then in [DEFAULT].
func (f *iniFile) get(section, option string) (string, bool) {
	if s := f.byName[section]; s != nil {
		if v, ok := s.vals[option]; ok {
			return v, true
		}
	}
	v, ok := f.defaults.vals[option]
	return v, ok
}

// options lists a section's option names, then inherited [DEFAULT] ones.
func (f *iniFile) options(section string) []string {
	s := f.byName[section]
	names := append([]string(nil), s.keys...)
	for _, k := range f.defaults.keys {
		if _, ok := s.vals[k]; !ok {
			names = append(names, k)
		}
	}
	return names
}

// withPrefix lists section names starting with prefix, in file order.
func (f *iniFile) withPrefix(prefix string) []string {
	var names []string
	for _, s := range f.sections {
		if strings.HasPrefix(s.name, prefix) {
			names = append(names, s.name)
		}
	}
	return names
}

// expandHere replaces the literal text %(here)s in every value of every
// section (inherited [DEFAULT] values included), as 4.2.5 does after each
// file when [include] is present (CFG-05).
func (f *iniFile) expandHere(here string) {
	for _, s := range f.sections {
		keys := append([]string(nil), f.defaults.keys...)
		for _, k := range s.keys {
			if _, ok := f.defaults.vals[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if v, _ := f.get(s.name, k); strings.Contains(v, "%(here)s") {
				s.set(k, strings.ReplaceAll(v, "%(here)s", here))
			}
		}
	}
}

// iniRead is the state of reading one file into an iniFile.
type iniRead struct {
	f       *iniFile
	source  string
	cur     *iniSection
	opt     string // option taking continuation lines; "" = none
	indent  int
	lines   map[*iniSection]map[string][]string
	badLine []string
}

// read parses one file's text into f. Parse errors carry Python's text:
// every bad line is listed, with the source name as given.
func (f *iniFile) read(data []byte, source string) error {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	r := &iniRead{f: f, source: source, lines: map[*iniSection]map[string][]string{}}
	lineno := 0
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		lineno++
		if err := r.line(line, lineno); err != nil {
			return err
		}
	}
	r.join()
	if len(r.badLine) > 0 {
		return errors.New("Source contains parsing errors: " + pyRepr(source) + strings.Join(r.badLine, ""))
	}
	return nil
}

func (r *iniRead) line(line string, lineno int) error {
	rs := []rune(line)
	cut := iniCommentStart(rs)
	value := pyStrip(string(rs[:cut]))
	if value == "" {
		if cut == len(rs) && r.cur != nil && r.opt != "" {
			r.appendLine("")
		}
		return nil
	}
	indent := 0
	for indent < len(rs) && pyIsSpace(rs[indent]) {
		indent++
	}
	if r.cur != nil && r.opt != "" && indent > r.indent {
		r.appendLine(value)
		return nil
	}
	r.indent = indent
	if name, ok := iniHeader(value); ok {
		r.section(name)
		return nil
	}
	if r.cur == nil {
		return fmt.Errorf("File contains no section headers.\nfile: %s, line: %d\n%s", pyRepr(r.source), lineno, pyRepr(line))
	}
	// A line without '=' or ':' leaves the previous option open to
	// continuation lines; "=value" closes it (Python does both).
	i := strings.IndexAny(value, "=:")
	if i < 0 || pyRstrip(value[:i]) == "" {
		if i >= 0 {
			r.opt = ""
		}
		r.badLine = append(r.badLine, fmt.Sprintf("\n\t[line %2d]: %s", lineno, pyRepr(line)))
		return nil
	}
	r.opt = strings.ToLower(pyRstrip(value[:i]))
	r.cur.set(r.opt, "")
	if r.lines[r.cur] == nil {
		r.lines[r.cur] = map[string][]string{}
	}
	r.lines[r.cur][r.opt] = []string{pyStrip(value[i+1:])}
	return nil
}

// iniCommentStart finds where a comment starts in a line, or len(line).
// Like Python it searches ';' and '#' in rounds and takes the first round
// that finds one at the start or after whitespace.
func iniCommentStart(line []rune) int {
	if !slices.ContainsFunc(line, func(r rune) bool { return r == ';' || r == '#' }) {
		return len(line)
	}
	trimmed := pyStrip(string(line))
	if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
		return 0
	}
	from := map[rune]int{';': -1, '#': -1}
	for len(from) > 0 {
		best := -1
		next := map[rune]int{}
		for prefix, after := range from {
			i := after + 1
			for i < len(line) && line[i] != prefix {
				i++
			}
			if i >= len(line) {
				continue
			}
			next[prefix] = i
			if (i == 0 || pyIsSpace(line[i-1])) && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			return best
		}
		from = next
	}
	return len(line)
}

// iniHeader matches "[name]": up to the last ']' of the line.
func iniHeader(v string) (string, bool) {
	end := strings.LastIndexByte(v, ']')
	if !strings.HasPrefix(v, "[") || end < 2 {
		return "", false
	}
	return v[1:end], true
}

func (r *iniRead) section(name string) {
	r.opt = ""
	switch {
	case r.f.byName[name] != nil:
		r.cur = r.f.byName[name]
	case name == "DEFAULT":
		r.cur = r.f.defaults
	default:
		r.cur = newIniSection(name)
		r.f.sections = append(r.f.sections, r.cur)
		r.f.byName[name] = r.cur
	}
}

func (r *iniRead) appendLine(v string) {
	m := r.lines[r.cur]
	m[r.opt] = append(m[r.opt], v)
}

// join turns each option's lines into its value: joined with newlines,
// trailing blank lines dropped.
func (r *iniRead) join() {
	for s, opts := range r.lines {
		for k, lines := range opts {
			s.vals[k] = pyRstrip(strings.Join(lines, "\n"))
		}
	}
}

// pyGlob is Python's glob.glob without recursion: names starting with '.'
// match only a pattern starting with '.', and [!...] negates.
func pyGlob(pattern string) []string {
	dir, base := pyDirname(pattern), pattern[strings.LastIndexByte(pattern, '/')+1:]
	if !globMagic(pattern) {
		if (base != "" && pyLexists(pattern)) || (base == "" && pyIsDir(dir)) {
			return []string{pattern}
		}
		return nil
	}
	dirs := []string{dir}
	if dir != pattern && globMagic(dir) {
		dirs = globDirs(dir)
	}
	var out []string
	for _, d := range dirs {
		for _, name := range globIn(d, base, false) {
			out = append(out, pyJoin(d, name))
		}
	}
	return out
}

// globDirs matches a pattern against directories only.
func globDirs(pattern string) []string {
	dir, base := pyDirname(pattern), pattern[strings.LastIndexByte(pattern, '/')+1:]
	dirs := []string{dir}
	if dir != pattern && globMagic(dir) {
		dirs = globDirs(dir)
	}
	var out []string
	for _, d := range dirs {
		for _, name := range globIn(d, base, true) {
			out = append(out, pyJoin(d, name))
		}
	}
	return out
}

func globMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

func pyLexists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// globIn lists the names in dir matching one path component.
func globIn(dir, pattern string, dirsOnly bool) []string {
	if !globMagic(pattern) {
		if (pattern != "" && pyLexists(pyJoin(dir, pattern))) || (pattern == "" && pyIsDir(dir)) {
			return []string{pattern}
		}
		return nil
	}
	re := fnmatchRegexp(pattern)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil || re == nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
			continue
		}
		if dirsOnly && !pyIsDir(pyJoin(dir, name)) {
			continue
		}
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// fnmatchRegexp translates a shell pattern as Python's fnmatch does; nil
// when the result cannot match anything.
func fnmatchRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(fnmatchClass(rs[i+1 : j]))
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

// fnmatchClass renders a [...] set; reversed ranges match nothing.
func fnmatchClass(c []rune) string {
	neg := len(c) > 0 && c[0] == '!'
	if neg {
		c = c[1:]
	}
	var items strings.Builder
	for k := 0; k < len(c); k++ {
		if k+2 < len(c) && c[k+1] == '-' {
			if c[k] <= c[k+2] {
				fmt.Fprintf(&items, `\x{%x}-\x{%x}`, c[k], c[k+2])
			}
			k += 2
			continue
		}
		fmt.Fprintf(&items, `\x{%x}`, c[k])
	}
	switch {
	case items.Len() == 0 && neg:
		return `.`
	case items.Len() == 0:
		return `[^\x00-\x{10FFFF}]`
	case neg:
		return `[^` + items.String() + `]`
	}
	return `[` + items.String() + `]`
}
