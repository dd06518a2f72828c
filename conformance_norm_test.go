// Normalization of conformance observations: the values that differ from
// run to run (paths, ports, pids, clocks, random names) are replaced by
// placeholders, and nothing else. conformance/README.md lists the same
// rules; keep the two in step.
package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// confNormRule is one documented normalization: a single regexp and its
// replacement (with $1-style references).
type confNormRule struct {
	name string
	re   *regexp.Regexp
	repl string
}

const (
	confMonthRE = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)`
	confDayRE   = `(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)`
)

// confNormRules run in this order, after the literal $WORK, $BIN and port
// replacements and before the bare-pid rule.
var confNormRules = []confNormRule{
	{"main-log timestamp", regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`), `<logtime>`},
	{"HTTP date", regexp.MustCompile(confDayRE + `, \d\d ` + confMonthRE + ` \d{4} \d\d:\d\d:\d\d GMT`), `<httpdate>`},
	{"ctime (web messages, maybe URL-quoted)", regexp.MustCompile(confDayRE + `(?: |%20)` + confMonthRE + `(?: |%20){1,2}\d{1,2}(?: |%20)\d\d(?::|%3A)\d\d(?::|%3A)\d\d(?: |%20)\d{4}`), `<ctime>`},
	{"stop time in descriptions", regexp.MustCompile(confMonthRE + ` \d\d \d\d:\d\d [AP]M`), `<stoptime>`},
	{"epoch time members", regexp.MustCompile(`'(start|stop|now)': [1-9]\d*`), `'$1': <time>`},
	{"TICK event time", regexp.MustCompile(`\bwhen:\d+`), `when:<time>`},
	{"uptime", regexp.MustCompile(`uptime (?:\d+ days?, )?\d+:\d\d:\d\d`), `uptime <uptime>`},
	{"AUTO log suffix", regexp.MustCompile(`(---[^\s/'"]*?-)[a-z0-9_]{8}\.log`), `$1<rand>.log`},
	{"pid after 'pid'", regexp.MustCompile(`\b(pid'?:? ?)[1-9]\d*`), `$1<pid>`},
	{"pid before 'with SIG'", regexp.MustCompile(`\([1-9]\d*\)( with SIG)`), `(<pid>)$1`},
}

// confPidCaptures are the rules whose matches name pids; the numbers they match
// join the known pids that the bare-pid rule replaces.
var confPidCaptures = []*regexp.Regexp{
	regexp.MustCompile(`\bpid'?:? ?([1-9]\d*)`),
	regexp.MustCompile(`\(([1-9]\d*)\) with SIG`),
}

// confBarePidLine is the last rule: a line (or a "| " output line) that is
// just a number which is the pid of the daemon or of a process in its
// session, or a number an earlier rule matched as a pid.
var confBarePidLine = regexp.MustCompile(`(?m)^(\| )?([1-9]\d*)$`)

// confNormalizer holds the literal values of one scenario run.
type confNormalizer struct {
	literals [][2]string // exact strings to replace, longest first
	ports    []string
	pids     map[string]bool
}

func confNewNormalizer(work string, bins map[string]string, ports ...int) *confNormalizer {
	n := &confNormalizer{pids: map[string]bool{}}
	if real, err := filepath.EvalSymlinks(work); err == nil && real != work {
		n.literals = append(n.literals, [2]string{real, "$WORK"})
	}
	n.literals = append(n.literals, [2]string{work, "$WORK"})
	for path, name := range bins {
		n.literals = append(n.literals, [2]string{path, "$BIN/" + name})
	}
	for _, p := range ports {
		n.ports = append(n.ports, strconv.Itoa(p))
	}
	return n
}

// addPid makes a number known as a pid for the bare-pid rule.
func (n *confNormalizer) addPid(pid int) {
	if pid > 0 {
		n.pids[strconv.Itoa(pid)] = true
	}
}

// literal replaces the paths of $WORK and of the programs under test.
func (n *confNormalizer) literal(s string) string {
	for _, l := range n.literals {
		s = strings.ReplaceAll(s, l[0], l[1])
	}
	return s
}

// apply normalizes one observation.
func (n *confNormalizer) apply(s string) string {
	s = n.literal(s)
	for _, p := range n.ports {
		s = regexp.MustCompile(`\b`+p+`\b`).ReplaceAllString(s, "<port>")
	}
	for _, re := range confPidCaptures {
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			n.pids[m[1]] = true
		}
	}
	for _, r := range confNormRules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	s = confBarePidLine.ReplaceAllStringFunc(s, func(line string) string {
		if n.pids[strings.TrimPrefix(line, "| ")] {
			return strings.TrimSuffix(line, strings.TrimPrefix(line, "| ")) + "<pid>"
		}
		return line
	})
	return confEventLen.ReplaceAllString(s, "len:<len>$1")
}

// confEventLen is the rule for event headers as conf-listener writes them
// (header line, then the quoted payload): the len: of a payload that held a
// pid varies with the pid's digits, so it becomes <len>. Other lens stay.
var confEventLen = regexp.MustCompile(`\blen:\d+(\n\| "[^\n]*\bpid:<pid>)`)
