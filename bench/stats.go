package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Who took a sample: our daemon, Supervisor 4.2.5, or the machine's limit.
type who int

const (
	ours who = iota
	ref
	limit
)

// metric is one row of the report: samples from interleaved runs of both
// daemons and of the limit they are held to.
type metric struct {
	id      string
	label   string
	unit    string
	samples [3][]float64
	target  *target
	notes   []string // why samples are missing, shown under the table
}

// target is a goal from the issue: ours compared with the limit, with
// 4.2.5, or with a fixed number.
type target struct {
	text string // as printed in the table
	cmp  func(m *metric) (ok bool, got string, known bool)
}

// results collects metrics in the order the scenarios define them.
type results struct {
	list []*metric
	byID map[string]*metric
}

func newResults() *results { return &results{byID: map[string]*metric{}} }

// metric returns the row id, creating it with label and unit.
func (r *results) metric(id, label, unit string) *metric {
	if m, ok := r.byID[id]; ok {
		return m
	}
	m := &metric{id: id, label: label, unit: unit}
	r.list = append(r.list, m)
	r.byID[id] = m
	return m
}

func (m *metric) add(w who, v float64) { m.samples[w] = append(m.samples[w], v) }

// addNote records why samples are missing, once per distinct text.
func (m *metric) addNote(text string) {
	if !slices.Contains(m.notes, text) {
		m.notes = append(m.notes, text)
	}
}

func (m *metric) median(w who) (float64, bool) { return median(m.samples[w]) }

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// percentile is the nearest-rank percentile of xs (p in 0..100).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// ratio is median(a)/median(b).
func (m *metric) ratio(a, b who) (float64, bool) {
	x, ok1 := m.median(a)
	y, ok2 := m.median(b)
	if !ok1 || !ok2 || y == 0 {
		return 0, false
	}
	return x / y, true
}

// Target constructors. "at most" targets are for costs (time, memory,
// CPU), "at least" ones for rates.

func atMostLimit(x float64) *target { return ratioTarget("≤", x, limit, "limit") }

func atLeastLimit(x float64) *target { return ratioTarget("≥", x, limit, "limit") }

func atMostRef(x float64) *target { return ratioTarget("≤", x, ref, "4.2.5") }

func ratioTarget(op string, x float64, base who, name string) *target {
	return &target{fmt.Sprintf("%s %s× %s", op, strconv.FormatFloat(x, 'g', -1, 64), name), func(m *metric) (bool, string, bool) {
		r, ok := m.ratio(ours, base)
		met := r <= x
		if op == "≥" {
			met = r >= x
		}
		return met, fmt.Sprintf("%s× %s", fmtNum(r), name), ok
	}}
}

func atMost(x float64, unit string) *target {
	return &target{fmt.Sprintf("≤ %s %s", strconv.FormatFloat(x, 'g', -1, 64), unit), func(m *metric) (bool, string, bool) {
		v, ok := m.median(ours)
		return v <= x, fmt.Sprintf("%s %s", fmtNum(v), unit), ok
	}}
}

// allZero holds every sample of ours to zero (bytes lost).
func allZero() *target {
	return &target{"0 in every run", func(m *metric) (bool, string, bool) {
		s := m.samples[ours]
		if len(s) == 0 {
			return false, "", false
		}
		return slices.Max(s) == 0, "up to " + fmtNum(slices.Max(s)), true
	}}
}

// fmtNum prints about three significant digits, no exponent.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// cell is "median (min–max)", or the median alone for one sample.
func cell(xs []float64) string {
	m, ok := median(xs)
	if !ok {
		return "—"
	}
	if len(xs) == 1 || slices.Min(xs) == slices.Max(xs) {
		return fmtNum(m)
	}
	return fmt.Sprintf("%s (%s–%s)", fmtNum(m), fmtNum(slices.Min(xs)), fmtNum(slices.Max(xs)))
}

func ratioCell(m *metric, a, b who) string {
	r, ok := m.ratio(a, b)
	if !ok {
		return "—"
	}
	return fmtNum(r) + "×"
}

// verdict is the target column: the goal and whether it was met, and
// what was measured against it.
func (m *metric) verdict() (text string, state int, got string) {
	if m.target == nil {
		return "", 0, ""
	}
	ok, got, known := m.target.cmp(m)
	switch {
	case !known && len(m.samples[ours]) == 0 && len(m.notes) > 0:
		return m.target.text + " ✗", -1, "not measured (see notes)"
	case !known:
		return m.target.text + " ?", 0, ""
	case ok:
		return m.target.text + " ✓", 1, got
	}
	return m.target.text + " ✗", -1, got
}

// writeTable prints the markdown table and a list of missed targets.
func (r *results) writeTable(w io.Writer) {
	fmt.Fprintln(w, "| scenario | unit | n | ours | 4.2.5 | limit | ours/4.2.5 | ours/limit | 4.2.5/limit | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	var missed, unknown, notes []string
	met := 0
	for _, m := range r.list {
		v, state, got := m.verdict()
		switch state {
		case 1:
			met++
		case -1:
			missed = append(missed, fmt.Sprintf("%s: %s, target %s", m.label, got, m.target.text))
		default:
			if m.target != nil {
				unknown = append(unknown, m.label)
			}
		}
		for _, n := range m.notes {
			notes = append(notes, m.label+": "+n)
		}
		n := fmt.Sprintf("%d/%d/%d", len(m.samples[ours]), len(m.samples[ref]), len(m.samples[limit]))
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			m.label, m.unit, n, cell(m.samples[ours]), cell(m.samples[ref]), cell(m.samples[limit]),
			ratioCell(m, ours, ref), ratioCell(m, ours, limit), ratioCell(m, ref, limit), v)
	}
	fmt.Fprintf(w, "\nTargets: %d met, %d missed, %d not measured.\n", met, len(missed), len(unknown))
	writeList(w, "Missed", missed)
	writeList(w, "Not measured", unknown)
	writeList(w, "Notes", notes)
}

func writeList(w io.Writer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, s := range items {
		fmt.Fprintf(w, "- %s\n", strings.TrimSpace(s))
	}
}
