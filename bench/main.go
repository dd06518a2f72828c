// Command bench runs our supervisord and Supervisor 4.2.5 interleaved on
// generated configs (127.0.0.1 only), measures the machine's limits in the
// same run, and prints a markdown table of medians with min–max and the
// ratios ours/4.2.5 and ours/limit, checked against the targets of issue 7.
//
// Usage, from the repository root:
//
//	go run ./bench [-quick] [-only idle,rpc,...] [-profile DIR] [-out FILE]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// bench is one run of the harness.
type bench struct {
	tmp     string
	keep    bool
	quick   bool
	bins    binaries
	flavors []*flavor // ours, then 4.2.5: the A B order of every run
	res     *results
	log     io.Writer // progress

	mu        sync.Mutex
	instances map[*instance]bool

	idleRSS [2][]float64 // one-program RSS per flavour, for RSS per program
}

// scenario is one numbered scenario of the issue.
type scenario struct {
	name string
	run  func(b *bench) error
}

var scenarios = []scenario{
	{"idle", (*bench).idle},
	{"scale", (*bench).scale},
	{"log", (*bench).logFlood},
	{"rpc", (*bench).rpcLoad},
	{"restart", (*bench).restart},
	{"stopall", (*bench).stopAll},
	{"events", (*bench).events},
}

// opts are the command-line settings.
type opts struct {
	quick   bool
	only    string
	runs    int
	scaleNs string
	logMiB  int
	out     string
	profile string
	keep    bool
	ref     string
	refCtl  string
	ours    string
}

func main() {
	var o opts
	flag.BoolVar(&o.quick, "quick", false, "fewer runs, smaller sizes, shorter windows (development)")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run: "+scenarioNames())
	flag.IntVar(&o.runs, "runs", 0, "interleaved runs per scenario (default: per scenario)")
	flag.StringVar(&o.scaleNs, "scale", "", "program counts of the scale scenario (default 100,500,1000; -quick 100)")
	flag.IntVar(&o.logMiB, "logmib", 0, "MiB written in the log scenario (default 500; -quick 100)")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.StringVar(&o.profile, "profile", "", "after the runs, write CPU profiles of our daemon (log flood, getAllProcessInfo at 1000) to this directory")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	flag.StringVar(&o.ref, "ref", "/usr/bin/supervisord", "Supervisor 4.2.5's supervisord")
	flag.StringVar(&o.refCtl, "refctl", "/usr/bin/supervisorctl", "Supervisor 4.2.5's supervisorctl")
	flag.StringVar(&o.ours, "ours", "", "measure this supervisord binary instead of building the repository's (to try a change)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

func run(o opts) error {
	selected, err := selectScenarios(o.only)
	if err != nil {
		return err
	}
	b, err := newBench(o)
	if err != nil {
		return err
	}
	defer b.cleanup()
	go b.stopOnSignal()
	started := time.Now()
	machine := describeMachine(b.bins, b.flavors)
	fmt.Fprint(b.log, machine)
	for _, s := range selected {
		fmt.Fprintf(b.log, "== %s\n", s.name)
		t0 := time.Now()
		if err := s.run(b); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(b.log, "   %s took %s\n", s.name, time.Since(t0).Round(time.Second))
	}
	report := b.report(machine, time.Since(started))
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	if o.profile != "" {
		return b.profile(o.profile)
	}
	return nil
}

func selectScenarios(only string) ([]scenario, error) {
	if only == "" {
		return scenarios, nil
	}
	want := strings.Split(only, ",")
	var out []scenario
	for _, s := range scenarios {
		if slices.Contains(want, s.name) {
			out = append(out, s)
		}
	}
	if len(out) != len(want) {
		return nil, fmt.Errorf("-only %q: scenarios are %s", only, scenarioNames())
	}
	return out, nil
}

func newBench(o opts) (*bench, error) {
	if o.runs < 0 || o.logMiB < 0 {
		return nil, fmt.Errorf("-runs and -logmib must be positive")
	}
	tmp, err := os.MkdirTemp("", "supervisord-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{tmp: tmp, keep: o.keep, quick: o.quick, res: newResults(), log: os.Stderr,
		instances: map[*instance]bool{}}
	setOptions(o)
	// Orphans of a daemon that had to be killed come to us, so cleanup
	// can end them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(b.log, "warning: cannot become a subreaper:", err)
	}
	fmt.Fprintln(b.log, "building into", tmp)
	if b.bins, err = build(tmp, o.ours); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	b.flavors = []*flavor{
		{who: ours, name: "ours", daemon: b.bins.daemon, ctl: b.bins.ctl},
		{who: ref, name: "4.2.5", daemon: o.ref, ctl: o.refCtl},
	}
	if _, err := os.Stat(o.ref); err != nil {
		return nil, fmt.Errorf("Supervisor 4.2.5 (apt-get install supervisor): %w", err)
	}
	return b, nil
}

// settings derived from the flags, read by the scenarios.
var settings struct {
	runs    int
	scaleNs []int
	logMiB  int
}

func setOptions(o opts) {
	settings.runs = o.runs
	settings.logMiB = o.logMiB
	if settings.logMiB == 0 {
		settings.logMiB = 500
		if o.quick {
			settings.logMiB = 100
		}
	}
	ns := o.scaleNs
	if ns == "" {
		ns = "100,500,1000"
		if o.quick {
			ns = "100"
		}
	}
	for _, f := range strings.Split(ns, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 1 {
			settings.scaleNs = append(settings.scaleNs, n)
		}
	}
}

// runs is how many interleaved runs a scenario makes: -runs, else its
// default, else one in -quick mode.
func (b *bench) runs(def int) int {
	switch {
	case settings.runs > 0:
		return settings.runs
	case b.quick:
		return 1
	}
	return def
}

// failed notes a failed run of one daemon on the rows it would have
// filled, so the other daemon and later runs still get measured. It
// reports whether err was an error.
func (b *bench) failed(fl *flavor, err error, rows ...*metric) bool {
	if err == nil {
		return false
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	b.progress("%s FAILED: %s", fl.name, err)
	for _, m := range rows {
		m.addNote(fl.name + " failed: " + first)
	}
	return true
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "  "+format+"\n", args...)
}

func (b *bench) track(in *instance) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.instances[in] = true
}

func (b *bench) untrack(in *instance) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.instances, in)
}

// cleanup stops every daemon still running, ends orphans that came to us,
// and removes the temporary directory.
func (b *bench) cleanup() {
	b.mu.Lock()
	live := make([]*instance, 0, len(b.instances))
	for in := range b.instances {
		live = append(live, in)
	}
	b.mu.Unlock()
	for _, in := range live {
		b.stop(in)
	}
	killOrphans()
	if b.keep {
		fmt.Fprintln(b.log, "kept", b.tmp)
		return
	}
	os.RemoveAll(b.tmp)
}

func (b *bench) stopOnSignal() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	<-c
	fmt.Fprintln(b.log, "interrupted: stopping daemons")
	b.cleanup()
	os.Exit(130)
}

// killOrphans kills and reaps the processes re-parented to the harness.
func killOrphans() {
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || parentOf(pid) != self {
			continue
		}
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// report is the whole markdown output.
func (b *bench) report(machine string, took time.Duration) string {
	var s strings.Builder
	s.WriteString(machine)
	fmt.Fprintf(&s, "Harness run took %s.\n\n", took.Round(time.Second))
	b.res.writeTable(&s)
	return s.String()
}
