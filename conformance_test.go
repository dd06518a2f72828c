// TestConformance replays the transcripts in conformance/, recorded from the
// real Supervisor 4.2.5, against this implementation (see
// conformance/README.md for the scenario language and the modes).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var (
	confRecord      = flag.Bool("conformance.record", false, "run the scenarios against /usr/bin/supervisord (4.2.5) and write their transcripts")
	confVerify      = flag.Bool("conformance.verify", false, "run the scenarios against /usr/bin/supervisord (4.2.5) and fail if a transcript no longer matches")
	confUpdateKnown = flag.Bool("conformance.update-known", false, "replay, then rewrite conformance/KNOWN_FAILURES with the scenarios that fail")
	confJobs        = flag.Int("conformance.jobs", 4, "scenarios run at the same time")
)

const (
	confDir          = "conformance"
	confKnownFile    = "conformance/KNOWN_FAILURES"
	confRefDaemon    = "/usr/bin/supervisord"
	confRefCtl       = "/usr/bin/supervisorctl"
	confRefInterp    = "/usr/bin/python3"
	confHelperProg   = "conf-prog"
	confKnownComment = `# Conformance scenarios that fail against our implementation today.
# Replay reports them as known failures (skipped) instead of failing.
# Regenerate with: go test -run TestConformance -args -conformance.update-known
# Format: <area>/<name>  # <first failure>
`
)

// confAreas are the scenario directories, one per part of the spec.
var confAreas = []string{"cfg", "proc", "log", "rpc", "ctl", "auth", "evt", "web", "sup"}

// confResult is the outcome of one scenario.
type confResult struct {
	sc            *confScenario
	err           error  // first failure, nil if it passed
	which         string // the target that failed
	pythonSkipped bool   // the Python supervisorctl half was skipped
	done          chan struct{}
}

func TestConformance(t *testing.T) {
	if *confRecord && *confVerify {
		t.Fatal("-conformance.record and -conformance.verify exclude each other")
	}
	reference := *confRecord || *confVerify
	scenarios, err := confLoadScenarios(confDir)
	if err != nil {
		t.Fatal(err)
	}
	ours, pythonCtl, err := confTargets(reference)
	if err != nil {
		t.Fatal(err)
	}
	known, err := confReadKnown(confKnownFile)
	if err != nil {
		t.Fatal(err)
	}
	var selected []*confResult
	for _, sc := range scenarios {
		res := &confResult{sc: sc, done: make(chan struct{})}
		t.Run(sc.name, func(t *testing.T) {
			selected = append(selected, res)
			t.Parallel()
			<-res.done
			confReportScenario(t, res, known, reference)
		})
	}
	// The subtests above are paused until this function returns; the pool
	// runs the scenarios meanwhile, more at a time than -test.parallel
	// would allow, since most of their time is spent waiting.
	go confRunPool(selected, ours, pythonCtl, reference)
	t.Cleanup(func() {
		confPrintSummary(selected, known, reference, pythonCtl)
		if *confUpdateKnown && !reference {
			if err := confWriteKnown(confKnownFile, known, selected); err != nil {
				t.Error(err)
			}
		}
	})
}

// confLoadScenarios reads conformance/<area>/*.txtar, sorted by name.
func confLoadScenarios(dir string) ([]*confScenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.txtar"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var scs []*confScenario
	for _, f := range files {
		sc, err := confLoadScenario(dir, f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(confAreas, sc.area) {
			return nil, fmt.Errorf("%s: area %q is not one of %v", f, sc.area, confAreas)
		}
		scs = append(scs, sc)
	}
	if len(scs) == 0 {
		return nil, fmt.Errorf("no scenarios in %s", dir)
	}
	return scs, nil
}

// confTargets picks the programs: 4.2.5 for record/verify; ours for
// replay, plus ours with Python's supervisorctl when that is installed.
func confTargets(reference bool) (ours confTarget, python *confTarget, err error) {
	helper, err := exec.LookPath(confHelperProg)
	if err != nil {
		return confTarget{}, nil, fmt.Errorf("helper %s not on PATH (is it in testscript.Main's map?): %w", confHelperProg, err)
	}
	helperDir := filepath.Dir(helper)
	if reference {
		for _, p := range []string{confRefDaemon, confRefCtl, confRefInterp} {
			if _, err := os.Stat(p); err != nil {
				return confTarget{}, nil, fmt.Errorf("recording needs Supervisor 4.2.5: %w", err)
			}
		}
		return confTarget{label: "4.2.5", supervisord: confRefDaemon, ctl: confRefCtl, helperDir: helperDir}, nil, nil
	}
	sd, err := exec.LookPath("supervisord")
	if err != nil {
		return confTarget{}, nil, err
	}
	ctl, err := exec.LookPath("supervisorctl")
	if err != nil {
		return confTarget{}, nil, err
	}
	ours = confTarget{label: "ours", supervisord: sd, ctl: ctl, helperDir: helperDir}
	if confHavePythonCtl() {
		python = &confTarget{label: "ours with Python's supervisorctl", supervisord: sd, ctl: confRefCtl, helperDir: helperDir}
	}
	return ours, python, nil
}

func confHavePythonCtl() bool {
	for _, p := range []string{confRefCtl, confRefInterp} {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// confRunPool runs the selected scenarios, -conformance.jobs at a time.
func confRunPool(selected []*confResult, tgt confTarget, python *confTarget, reference bool) {
	sem := make(chan struct{}, max(1, *confJobs))
	var wg sync.WaitGroup
	for _, res := range selected {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer close(res.done)
			confRunScenario(res, tgt, python, reference)
		}()
	}
	wg.Wait()
}

// confRunScenario runs one scenario in every applicable configuration.
func confRunScenario(res *confResult, tgt confTarget, python *confTarget, reference bool) {
	sc := res.sc
	if !reference && !sc.hasWant {
		res.err = errors.New("no transcript yet; record it with -conformance.record")
		return
	}
	targets := []confTarget{tgt}
	if !reference && confUsesCtl(sc) {
		if python != nil {
			targets = append(targets, *python)
		} else {
			res.pythonSkipped = true
		}
	}
	for _, t := range targets {
		r := &confRunner{sc: sc, tgt: t, compare: !*confRecord}
		if err := r.run(); err != nil {
			res.err, res.which = err, t.label
			return
		}
		if *confRecord {
			res.err = confWriteTranscript(sc, r.got)
		}
	}
}

func confUsesCtl(sc *confScenario) bool {
	for _, st := range sc.steps {
		if st.cmd == "ctl" {
			return true
		}
	}
	return false
}

// confWriteTranscript replaces the scenario's transcript section.
func confWriteTranscript(sc *confScenario, blocks []confBlock) error {
	a := &txtar.Archive{Comment: sc.archive.Comment}
	for _, f := range sc.archive.Files {
		if f.Name != confTranscriptFile {
			a.Files = append(a.Files, f)
		}
	}
	a.Files = append(a.Files, txtar.File{Name: confTranscriptFile, Data: []byte(confFormatTranscript(blocks))})
	return os.WriteFile(sc.file, txtar.Format(a), 0o644)
}

func confReportScenario(t *testing.T, res *confResult, known map[string]string, reference bool) {
	if res.pythonSkipped {
		t.Logf("skipped the run with Python's supervisorctl: %s is not installed", confRefCtl)
	}
	_, isKnown := known[res.sc.name]
	switch {
	case res.err == nil && isKnown && !reference:
		t.Logf("passes now: remove %s from %s", res.sc.name, confKnownFile)
	case res.err == nil:
	case (isKnown || *confUpdateKnown) && !reference:
		t.Skipf("known failure (%s):\n%s: %v", confKnownFile, res.sc.file, res.err)
	default:
		t.Errorf("%s (%s): %v", res.sc.file, res.which, res.err)
	}
}

// confPrintSummary prints the totals line and per-area counts.
func confPrintSummary(results []*confResult, known map[string]string, reference bool, python *confTarget) {
	type count struct{ pass, fail int }
	areas := map[string]*count{}
	var pass, fail, knownFail int
	for _, res := range results {
		c := areas[res.sc.area]
		if c == nil {
			c = &count{}
			areas[res.sc.area] = c
		}
		if res.err == nil {
			pass++
			c.pass++
			continue
		}
		fail++
		c.fail++
		if _, ok := known[res.sc.name]; ok && !reference {
			knownFail++
		}
	}
	mode := "replay"
	switch {
	case *confRecord:
		mode = "record"
	case *confVerify:
		mode = "verify"
	case python == nil:
		mode = "replay (without Python's supervisorctl)"
	}
	fmt.Printf("conformance: %d passed, %d failed (%d known) [%s]\n", pass, fail, knownFail, mode)
	var parts []string
	for _, a := range confAreas {
		if c := areas[a]; c != nil {
			parts = append(parts, fmt.Sprintf("%s %d/%d", a, c.pass, c.pass+c.fail))
		}
	}
	fmt.Printf("conformance areas (passed/total): %s\n", strings.Join(parts, ", "))
}

var confKnownLine = regexp.MustCompile(`^(\S+)\s*(?:#\s*(.*))?$`)

// confReadKnown reads KNOWN_FAILURES: scenario name -> reason.
func confReadKnown(path string) (map[string]string, error) {
	known := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return known, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := confKnownLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		known[m[1]] = m[2]
	}
	return known, sc.Err()
}

// confWriteKnown records the scenarios that failed in this run, keeping the
// entries of scenarios that were not run.
func confWriteKnown(path string, known map[string]string, results []*confResult) error {
	next := map[string]string{}
	for k, v := range known {
		next[k] = v
	}
	for _, res := range results {
		delete(next, res.sc.name)
		if res.err != nil {
			next[res.sc.name] = confFirstLine(res.err.Error())
		}
	}
	names := make([]string, 0, len(next))
	for k := range next {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(confKnownComment)
	for _, n := range names {
		fmt.Fprintf(&b, "%s  # %s\n", n, next[n])
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// confFirstLine summarizes a failure for KNOWN_FAILURES: the step and the
// first line of what went wrong.
func confFirstLine(s string) string {
	lines := strings.SplitN(s, "\n", 3)
	if len(lines) >= 2 && strings.HasPrefix(lines[0], "line ") {
		return lines[0] + ": " + lines[1]
	}
	return lines[0]
}
