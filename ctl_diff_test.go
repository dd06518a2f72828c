// The cross-check of supervisorctl: our supervisorctl and the real Python
// 4.2.5 one drive the same real Python supervisord, and must print the same
// bytes and exit with the same status (spec section 4).
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	realSupervisord   = "/usr/bin/supervisord"
	realSupervisorctl = "/usr/bin/supervisorctl"
)

// ctlCase is one command run by both clients.
type ctlCase struct {
	name  string
	args  []string // after "-c <config of daemon>", unless raw
	raw   bool     // args are the whole command line
	bare  bool     // against the daemon without [rpcinterface:supervisor]
	stdin string
	// setup runs before each client's run: lines for the real
	// supervisorctl, or "!name" steps of the fixture (see fixture.step).
	setup []string
	// stdoutOnly compares stdout and the exit status but not stderr.
	stdoutOnly bool
	// unordered compares stdout lines as a set: group and "all" results
	// come in the server's completion order (RPC-12), which varies.
	unordered bool
}

// ctlRun is what one client did.
type ctlRun struct {
	code           int
	stdout, stderr string
}

// The normaliser: only what legitimately differs between two runs or
// between the Python and the Go program.
var ctlNormalisers = []struct {
	re   *regexp.Regexp
	repl string
}{
	// 4.2.5 appends the Python file and line of the exception (CTL-05).
	{regexp.MustCompile(`(?m)(error: .*): file: \S+ line: \d+$`), "$1"},
	// Both print the program's path, and the two programs live in
	// different directories.
	{regexp.MustCompile(`/\S*/supervisorctl`), "supervisorctl"},
	// A process restarted by a setup step has a new pid and uptime.
	{regexp.MustCompile(`pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	// A process stopped by a setup step has a new stop time.
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "STOPTIME"},
}

func normaliseCtl(s string) string {
	for _, n := range ctlNormalisers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// ctlFixture is a real supervisord with a config in a temp dir.
type ctlFixture struct {
	dir      string
	conf     string
	sock     string
	inetPort int
	text     string // the config as started
	cmd      *exec.Cmd
	exited   chan struct{}
	children map[int]bool // pids seen, killed if shutdown fails
	mu       sync.Mutex
}

func requireRealSupervisor(t *testing.T) {
	t.Helper()
	for _, p := range []string{realSupervisord, realSupervisorctl} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("the differential test needs Python Supervisor 4.2.5 at %s (apt-get install supervisor): %v", p, err)
		}
	}
}

// startFixture writes config text (with PORT and HERE replaced) and starts
// the real supervisord on it; it is stopped when the test ends.
func startFixture(t *testing.T, text string, files map[string]string) *ctlFixture {
	t.Helper()
	dir := t.TempDir()
	f := &ctlFixture{dir: dir, conf: filepath.Join(dir, "supervisord.conf"), sock: filepath.Join(dir, "sock"), children: map[int]bool{}}
	f.inetPort = freePort(t)
	f.text = strings.NewReplacer("PORT", fmt.Sprint(f.inetPort)).Replace(text)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.writeConfig(t, f.text)
	f.start(t)
	t.Cleanup(func() { f.stop(t) })
	return f
}

func (f *ctlFixture) writeConfig(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(f.conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *ctlFixture) start(t *testing.T) {
	t.Helper()
	log, err := os.Create(filepath.Join(f.dir, "supervisord.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	f.cmd = exec.Command(realSupervisord, "-n", "-c", f.conf)
	f.cmd.Dir = f.dir
	f.cmd.Stdout, f.cmd.Stderr = log, log
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.exited = make(chan struct{})
	go func() {
		f.cmd.Wait()
		close(f.exited)
	}()
}

func (f *ctlFixture) client(t *testing.T) *rpcClient {
	t.Helper()
	c, err := newRPCClient("unix://"+f.sock, func() (string, string, bool) { return "", "", false })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// poll calls cond until it returns "" or the deadline passes.
func pollFor(t *testing.T, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStates waits until the daemon answers and every named process is in
// the given state; others must not be STARTING or BACKOFF.
func (f *ctlFixture) waitStates(t *testing.T, want map[string]string) {
	t.Helper()
	c := f.client(t)
	defer c.close()
	pollFor(t, "supervisord to settle", func() string {
		var state struct {
			Name string `xmlrpc:"statename"`
		}
		if err := c.call("supervisor.getState", &state); err != nil || state.Name != "RUNNING" {
			return fmt.Sprintf("getState: %v %q", err, state.Name)
		}
		var infos []ctlProcessInfo
		if err := c.call("supervisor.getAllProcessInfo", &infos); err != nil {
			return err.Error()
		}
		for _, info := range infos {
			ns := makeNamespec(info.Group, info.Name)
			f.noteChild(info.Pid)
			if w, ok := want[ns]; ok && info.StateName != w {
				return ns + " is " + info.StateName
			}
			if info.StateName == "STARTING" || info.StateName == "BACKOFF" || info.StateName == "STOPPING" {
				return ns + " is " + info.StateName
			}
		}
		return ""
	})
}

// waitAnswering waits until the daemon answers XML-RPC at all.
func (f *ctlFixture) waitAnswering(t *testing.T) {
	t.Helper()
	c := f.client(t)
	defer c.close()
	pollFor(t, "supervisord to answer", func() string {
		var methods []string
		if err := c.call("system.listMethods", &methods); err != nil {
			return err.Error()
		}
		return ""
	})
}

func (f *ctlFixture) noteChild(pid int) {
	if pid > 0 {
		f.mu.Lock()
		f.children[pid] = true
		f.mu.Unlock()
	}
}

// stop shuts the daemon down by SIGTERM, or kills it and the children
// it had.
func (f *ctlFixture) stop(t *testing.T) {
	select {
	case <-f.exited:
		return
	default:
	}
	f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.exited:
		return
	case <-time.After(30 * time.Second):
	}
	t.Errorf("supervisord did not shut down; killing it")
	f.cmd.Process.Kill()
	<-f.exited
	f.mu.Lock()
	defer f.mu.Unlock()
	for pid := range f.children {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// ensureRunning waits until the daemon answers or has exited, and starts
// it again in the latter case (after a case shut it down).
func (f *ctlFixture) ensureRunning(t *testing.T) {
	t.Helper()
	c := f.client(t)
	defer c.close()
	pollFor(t, "supervisord to run or exit", func() string {
		select {
		case <-f.exited:
			return ""
		default:
		}
		var state struct {
			Name string `xmlrpc:"statename"`
		}
		if err := c.call("supervisor.getState", &state); err != nil || state.Name != "RUNNING" {
			return fmt.Sprintf("getState: %v %q", err, state.Name)
		}
		return ""
	})
	select {
	case <-f.exited:
		f.start(t)
	default:
	}
}

// waitExited waits until the daemon has exited.
func (f *ctlFixture) waitExited(t *testing.T) {
	t.Helper()
	select {
	case <-f.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("supervisord did not exit")
	}
}

// runCtl runs one supervisorctl with args and stdin, with the environment
// both clients share.
func runCtl(t *testing.T, prog string, args []string, stdin string) ctlRun {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=")
	cmd.Stdin = strings.NewReader(stdin)
	// No controlling terminal: getpass falls back to stdin in both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return ctlRun{code, out.String(), errOut.String()}
}

const ctlMainConfig = `[unix_http_server]
file=%(here)s/sock

[inet_http_server]
port=127.0.0.1:PORT
username=user
password=pass

[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/sock

[program:sleeper]
command=sleep 1000
startsecs=0

[program:exiter]
command=/bin/sh -c "echo bye; exit 0"
startsecs=0
autorestart=false

[program:failer]
command=/bin/sh -c "echo failing; exit 1"
startsecs=1
startretries=0

[program:missingcmd]
command=/nonexistent/thing
startretries=0

[program:notexec]
command=%(here)s/notexec.sh
startretries=0

[program:manual]
command=sleep 1000
autostart=false
startsecs=0

[group:grp]
programs=g1,g2

[program:g1]
command=sleep 1000
startsecs=0

[program:g2]
command=sleep 1000
startsecs=0

[program:multi]
command=sleep 1000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
startsecs=0

[program:catter]
command=cat
startsecs=0

[program:talker]
command=/bin/sh -c "echo tailme; echo oops >&2; exec sleep 1000"
startsecs=0

[program:this_is_a_very_long_program_name_exceeding_thirty]
command=sleep 1000
startsecs=0
`

// ctlMainStates is the steady state of ctlMainConfig.
var ctlMainStates = map[string]string{
	"sleeper": "RUNNING", "exiter": "EXITED", "failer": "FATAL", "missingcmd": "FATAL",
	"notexec": "FATAL", "manual": "STOPPED", "grp:g1": "RUNNING", "catter": "RUNNING", "talker": "RUNNING",
}

// ctlChangedConfig is ctlMainConfig with exiter removed, sleeper changed
// and newprog added, for reread/update/add (CTL-25..27).
func ctlChangedConfig(main string) string {
	text := strings.Replace(main, "[program:exiter]\ncommand=/bin/sh -c \"echo bye; exit 0\"\n", "[program:newprog]\ncommand=sleep 999\n", 1)
	return strings.Replace(text, "[program:sleeper]\ncommand=sleep 1000", "[program:sleeper]\ncommand=sleep 1001", 1)
}

const ctlBareConfig = `[unix_http_server]
file=%(here)s/sock

[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
nodaemon=true

[supervisorctl]
serverurl=unix://%(here)s/sock
`

// step runs one "!name" setup step.
func (f *ctlFixture) step(t *testing.T, name string) {
	t.Helper()
	switch name {
	case "!config-main":
		f.writeConfig(t, f.text)
	case "!config-changed":
		f.writeConfig(t, ctlChangedConfig(f.text))
	case "!config-broken":
		f.writeConfig(t, f.text+"\n[program:broken]\nautostart=false\n")
	case "!settle":
		f.waitStates(t, nil)
	case "!running":
		f.ensureRunning(t)
		f.waitStates(t, nil)
	case "!down":
		f.waitExited(t)
	default:
		t.Fatalf("unknown setup step %s", name)
	}
}

func (f *ctlFixture) setup(t *testing.T, steps []string) {
	t.Helper()
	for _, s := range steps {
		if strings.HasPrefix(s, "!") {
			f.step(t, s)
			continue
		}
		runCtl(t, realSupervisorctl, append([]string{"-c", f.conf}, strings.Fields(s)...), "")
	}
}

// compareCtl runs a case with both clients and reports differences.
func compareCtl(t *testing.T, f *ctlFixture, c ctlCase) {
	t.Helper()
	args := c.args
	if !c.raw {
		args = append([]string{"-c", f.conf}, c.args...)
	}
	f.setup(t, c.setup)
	py := runCtl(t, realSupervisorctl, args, c.stdin)
	f.setup(t, c.setup)
	ours := runCtl(t, "supervisorctl", args, c.stdin)
	if c.unordered {
		py.stdout, ours.stdout = sortedLines(py.stdout), sortedLines(ours.stdout)
	}
	checkSameRun(t, py, ours, c.stdoutOnly)
}

func sortedLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func checkSameRun(t *testing.T, py, ours ctlRun, stdoutOnly bool) {
	t.Helper()
	if py.code != ours.code {
		t.Errorf("exit status: 4.2.5 %d, ours %d\n--- 4.2.5 stdout:\n%s\n--- ours:\n%s", py.code, ours.code, py.stdout, ours.stdout)
	}
	if a, b := normaliseCtl(py.stdout), normaliseCtl(ours.stdout); a != b {
		t.Errorf("stdout differs\n--- 4.2.5:\n%s\n--- ours:\n%s", a, b)
	}
	if a, b := normaliseCtl(py.stderr), normaliseCtl(ours.stderr); !stdoutOnly && a != b {
		t.Errorf("stderr differs\n--- 4.2.5:\n%s\n--- ours:\n%s", a, b)
	}
}

// TestCtlDifferential runs every supervisorctl action, the CTL-40 exit
// status matrix and the CTL-11 messages against the real supervisord with
// both clients.
func TestCtlDifferential(t *testing.T) {
	requireRealSupervisor(t)
	main := startFixture(t, ctlMainConfig, map[string]string{"notexec.sh": "echo hi\n"})
	bare := startFixture(t, ctlBareConfig, nil)
	main.waitStates(t, ctlMainStates)
	bare.waitAnswering(t)

	inet := fmt.Sprintf("http://127.0.0.1:%d", main.inetPort)
	refused := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	nosock := "unix://" + filepath.Join(main.dir, "nosock")
	noSection := filepath.Join(t.TempDir(), "nosection.conf")
	os.WriteFile(noSection, []byte("[supervisord]\n"), 0o644)

	for _, c := range ctlDiffCases(main, inet, refused, nosock, noSection) {
		t.Run(c.name, func(t *testing.T) {
			f := main
			if c.bare {
				f = bare
			}
			compareCtl(t, f, c)
		})
	}
	t.Run("tail_f", func(t *testing.T) {
		compareStreaming(t, main, []string{"tail", "-f", "talker"}, "tailme\n")
	})
	t.Run("tail_f_stderr", func(t *testing.T) {
		compareStreaming(t, main, []string{"tail", "-f", "talker", "stderr"}, "oops\n")
	})
	t.Run("maintail_f", func(t *testing.T) {
		last := runCtl(t, realSupervisorctl, []string{"-c", main.conf, "maintail", "-1024"}, "")
		compareStreaming(t, main, []string{"maintail", "-f"}, strings.TrimSuffix(last.stdout, "\n"))
	})
	t.Run("fg", func(t *testing.T) { compareFg(t, main) })
	for _, c := range ctlFinalCases(main) {
		t.Run(c.name, func(t *testing.T) { compareCtl(t, main, c) })
	}
}

// ctlDiffCases are the one-shot and piped-shell cases, in an order where
// each case's setup establishes what it depends on.
func ctlDiffCases(f *ctlFixture, inet, refused, nosock, noSection string) []ctlCase {
	long := "this_is_a_very_long_program_name_exceeding_thirty"
	return []ctlCase{
		// CTL-01: options and config errors.
		{name: "help_flag", args: []string{"-h"}},
		{name: "help_flag_q", args: []string{"-?"}},
		{name: "help_long_prefix", args: []string{"--he"}},
		{name: "opt_unknown_short", args: []string{"-v"}},
		{name: "opt_unknown_long", args: []string{"--bogus"}},
		{name: "opt_not_unique", args: []string{"--h"}},
		{name: "opt_missing_arg", raw: true, args: []string{"-c"}},
		{name: "opt_attached_arg_conflict", args: []string{"-cnonexist", "status"}},
		{name: "opt_flag_with_value", args: []string{"--interactive=3", "x"}},
		{name: "opt_conflict_i", args: []string{"-i", "-i", "x"}},
		{name: "opt_conflict_s", args: []string{"-s", "http://a", "-s", "http://b", "x"}},
		{name: "opt_bad_url", args: []string{"-s", "notaurl", "status"}},
		{name: "opt_bad_url_long", args: []string{"--serv=x"}},
		{name: "opt_help_after_error", args: []string{"-s", "bad", "-h"}},
		{name: "opt_dashdash", args: []string{"--", "-x"}},
		{name: "opt_args_after_action", args: []string{"status", "-c", "foo"}},
		{name: "opt_i_with_action", args: []string{"-i", "version"}},
		{name: "opt_unknown_protocol", args: []string{"-s", "ftp://foo", "status"}},
		{name: "config_missing", raw: true, args: []string{"-c", "/nonexistent.conf", "status"}},
		{name: "config_no_section", raw: true, args: []string{"-c", noSection, "status"}},

		// CTL-04: up-check failures.
		{name: "refused_status", args: []string{"-s", refused, "status"}},
		{name: "refused_version", args: []string{"-s", refused, "version"}},
		{name: "refused_reread", args: []string{"-s", refused, "reread"}},
		{name: "refused_shutdown", args: []string{"-s", refused, "shutdown"}},
		{name: "nosock_status", args: []string{"-s", nosock, "status"}},
		{name: "nosock_version", args: []string{"-s", nosock, "version"}},
		{name: "nosock_pid", args: []string{"-s", nosock, "pid"}},
		{name: "nosock_avail", args: []string{"-s", nosock, "avail"}},
		{name: "nosock_shutdown", args: []string{"-s", nosock, "shutdown"}},
		{name: "no_rpcinterface_version", bare: true, args: []string{"version"}},
		{name: "no_rpcinterface_status", bare: true, args: []string{"status"}},
		{name: "no_rpcinterface_avail", bare: true, args: []string{"avail"}},

		// CTL-06: authentication over the inet server.
		{name: "auth_missing", args: []string{"-s", inet, "version"}},
		{name: "auth_wrong", args: []string{"-s", inet, "-u", "user", "-p", "nope", "status"}},
		{name: "auth_ok_version", args: []string{"-s", inet, "-u", "user", "-p", "pass", "version"}},
		{name: "auth_ok_status", args: []string{"-s", inet, "-u", "user", "-p", "pass", "status"}},
		{name: "auth_shell_prompts", args: []string{"-s", inet}, stdin: "user\npass\nversion\n", stdoutOnly: true},

		// CTL-37: help and unknown syntax.
		{name: "help", args: []string{"help"}},
		{name: "help_qmark", args: []string{"?"}},
		{name: "help_help", args: []string{"help", "help"}},
		{name: "help_each", args: []string{"help", "start"}, stdin: ""},
		{name: "help_unknown", args: []string{"help", "foo"}},
		{name: "help_two_words", args: []string{"help", "status", "extra"}},
		{name: "help_quit", args: []string{"help", "quit"}},
		{name: "help_eof", args: []string{"help", "EOF"}},
		{name: "eof_action", args: []string{"EOF"}},
		{name: "unknown_syntax", args: []string{"foo"}},
		{name: "unknown_bang", args: []string{"!ls"}},
		{name: "quit", args: []string{"quit"}}, // CTL-38

		// CTL-20, CTL-10: status.
		{name: "status_all", args: []string{"status"}},
		{name: "status_all_word", args: []string{"status", "all"}},
		{name: "status_running_only", args: []string{"status", "sleeper", "grp:*", "multi:", long}},
		{name: "status_stopped", args: []string{"status", "manual"}},
		{name: "status_unknown_names", args: []string{"status", "nosuch", "grp:nosuch", "nogroup:*", "sleeper"}},
		{name: "status_grouped_bare_name", args: []string{"status", "g1", "multi_00"}},
		{name: "status_duplicate", args: []string{"status", "sleeper", "sleeper"}},

		// CTL-21, CTL-22, CTL-40 matrix.
		{name: "stop_running", setup: []string{"start sleeper"}, args: []string{"stop", "sleeper"}},
		{name: "stop_stopped", setup: []string{"stop sleeper"}, args: []string{"stop", "sleeper"}},
		{name: "start_stopped", setup: []string{"stop sleeper"}, args: []string{"start", "sleeper"}},
		{name: "start_running", setup: []string{"start sleeper"}, args: []string{"start", "sleeper"}},
		{name: "start_no_file", args: []string{"start", "missingcmd"}},
		{name: "start_not_executable", args: []string{"start", "notexec"}},
		{name: "start_no_such_process", args: []string{"start", "nosuch"}},
		{name: "start_spawn_error", args: []string{"start", "failer"}, setup: []string{"!settle"}},
		{name: "start_mixed", args: []string{"start", "nosuch", "missingcmd", "notexec", "sleeper"}},
		{name: "start_no_such_group", args: []string{"start", "nosuch:*"}},
		{name: "start_group", setup: []string{"stop grp:*"}, args: []string{"start", "grp:*"}, unordered: true},
		{name: "start_group_member", setup: []string{"stop grp:g1"}, args: []string{"start", "grp:g1"}},
		{name: "start_numprocs", setup: []string{"stop multi:*"}, args: []string{"start", "multi:"}, unordered: true},
		{name: "start_manual", setup: []string{"stop manual"}, args: []string{"start", "manual"}},
		{name: "start_no_args", args: []string{"start"}},
		{name: "stop_no_args", args: []string{"stop"}},
		{name: "stop_no_such_group", args: []string{"stop", "nosuch:*"}},
		{name: "stop_group", setup: []string{"start grp:*"}, args: []string{"stop", "grp:"}, unordered: true},
		{name: "stop_mixed", setup: []string{"start sleeper", "stop manual"}, args: []string{"stop", "sleeper", "manual", "nosuch", "nosuch:*"}},
		{name: "restart", setup: []string{"start sleeper"}, args: []string{"restart", "sleeper"}},
		{name: "restart_group", setup: []string{"start grp:*"}, args: []string{"restart", "grp:*"}, unordered: true},
		{name: "restart_no_args", args: []string{"restart"}},

		// CTL-22b: signal.
		{name: "signal_ok", setup: []string{"start sleeper"}, args: []string{"signal", "CONT", "sleeper"}},
		{name: "signal_not_running", args: []string{"signal", "HUP", "exiter"}},
		{name: "signal_bad_name", args: []string{"signal", "BAD", "sleeper"}},
		{name: "signal_group", args: []string{"signal", "CONT", "grp:*"}},
		{name: "signal_no_such_group", args: []string{"signal", "CONT", "nosuch:*"}},
		{name: "signal_all", args: []string{"signal", "CONT", "all"}},
		{name: "signal_no_args", args: []string{"signal", "HUP"}},

		// CTL-30: pid.
		{name: "pid_supervisord", args: []string{"pid"}},
		{name: "pid_all", args: []string{"pid", "all"}},
		{name: "pid_running", args: []string{"pid", "sleeper"}},
		{name: "pid_not_running", args: []string{"pid", "exiter"}},
		{name: "pid_no_such", args: []string{"pid", "exiter", "nosuch", "sleeper"}},

		// CTL-31, CTL-32: tail and maintail.
		{name: "tail", args: []string{"tail", "talker"}},
		{name: "tail_bytes", args: []string{"tail", "-3", "talker"}},
		{name: "tail_stderr", args: []string{"tail", "talker", "STDERR"}},
		{name: "tail_never_started", args: []string{"tail", "missingcmd"}},
		{name: "tail_no_such", args: []string{"tail", "nosuch"}},
		{name: "tail_bad_channel", args: []string{"tail", "talker", "foo"}},
		{name: "tail_bad_argument", args: []string{"tail", "-x", "talker"}},
		{name: "tail_no_name", args: []string{"tail", "-5"}},
		{name: "tail_too_few", args: []string{"tail"}},
		{name: "tail_too_many", args: []string{"tail", "a", "b", "c", "d"}},
		{name: "tail_negative_modifier", args: []string{"tail", "--3", "talker"}},
		{name: "tail_overflow", args: []string{"tail", "-99999999999", "talker"}},
		{name: "tail_f_no_such", args: []string{"tail", "-f", "nosuch"}},
		{name: "maintail_bytes", args: []string{"maintail", "-20"}},
		{name: "maintail_bad_argument", args: []string{"maintail", "x"}},
		{name: "maintail_bad_number", args: []string{"maintail", "-"}},
		{name: "maintail_too_many", args: []string{"maintail", "-f", "-f"}},

		// CTL-33: clear.
		{name: "clear", args: []string{"clear", "exiter", "nosuch"}},
		{name: "clear_group_form", args: []string{"clear", "grp:*"}},
		{name: "clear_no_args", args: []string{"clear"}},

		// CTL-29, CTL-35, CTL-36: avail, version, open.
		{name: "avail", args: []string{"avail"}},
		{name: "avail_args", args: []string{"avail", "x"}},
		{name: "version", args: []string{"version"}},
		{name: "version_args", args: []string{"version", "x"}},
		{name: "open", args: []string{"open", "unix://" + f.sock}},
		{name: "open_refused", args: []string{"open", refused}},
		{name: "open_bad_scheme", args: []string{"open", "ftp://x"}},
		{name: "fg_no_args", args: []string{"fg"}},
		{name: "fg_two_names", args: []string{"fg", "a", "b"}},
		{name: "fg_no_such", args: []string{"fg", "nosuch"}},
		{name: "fg_not_running", args: []string{"fg", "exiter"}},
		{name: "shutdown_args", args: []string{"shutdown", "x"}},
		{name: "reload_args", args: []string{"reload", "x"}},

		// CTL-03: the shell on piped stdin.
		{name: "shell_piped", stdin: "status sleeper\nfoo\n\n   version  \nhelp help\n?start\nnosuch\n"},
		{name: "shell_quit", stdin: "version\nquit\nversion\n"},
		{name: "shell_no_final_newline", stdin: "version"},
		{name: "shell_questions_no", stdin: "reload\nn\nshutdown\nno\n"},
		{name: "shell_question_eof", stdin: "shutdown\n"},
		{name: "shell_refused", args: []string{"-s", refused}, stdin: "version\n"},
		{name: "shell_prompt_i_shutdown_no", args: []string{"-i", "shutdown"}, stdin: "x\n"},

		// CTL-25..28: reread, update, add, remove after rewriting the config.
		{name: "reread_nothing", setup: []string{"!config-main"}, args: []string{"reread"}},
		{name: "update_nothing", setup: []string{"!config-main"}, args: []string{"update"}},
		{name: "reread_changes", setup: []string{"!config-main", "update", "!config-changed"}, args: []string{"reread"}},
		{name: "avail_after_reread", setup: []string{"!config-main", "update", "!config-changed", "reread"}, args: []string{"avail"}},
		{name: "update", setup: []string{"!config-main", "update", "!settle", "!config-changed"}, args: []string{"update"}},
		{name: "update_named", setup: []string{"!config-main", "update", "!settle", "!config-changed"}, args: []string{"update", "sleeper", "nosuch"}},
		{name: "update_all", setup: []string{"!config-main", "update", "!settle", "!config-changed"}, args: []string{"update", "all"}},
		{name: "add", setup: []string{"!config-main", "update", "!settle", "!config-changed", "reread"}, args: []string{"add", "newprog", "sleeper", "nosuch"}},
		{name: "remove", setup: []string{"!config-main", "update", "reread", "add sleeper", "stop sleeper"}, args: []string{"remove", "sleeper", "grp", "nosuch"}},
		{name: "reread_broken", setup: []string{"!config-broken"}, args: []string{"reread"}},
		{name: "update_broken", setup: []string{"!config-broken"}, args: []string{"update"}},
		{name: "config_restored", setup: []string{"!config-main", "update", "start sleeper", "!settle"}, args: []string{"status"}},
	}
}

// ctlFinalCases change the whole daemon, so they run last. start_all runs
// without failer, whose deferred spawn error would make the exit status
// depend on the server's completion order, and without exiter, which 4.2.5
// may see exit before its start completes (abnormal termination) or not;
// reload brings both back.
func ctlFinalCases(f *ctlFixture) []ctlCase {
	return []ctlCase{
		{name: "start_all", setup: []string{"stop all", "remove failer", "remove exiter", "!settle"}, args: []string{"start", "all"}, unordered: true},
		{name: "reload", setup: []string{"!running"}, args: []string{"reload"}},
		{name: "shutdown", setup: []string{"!running"}, args: []string{"shutdown"}},
		{name: "shutdown_already_down", setup: []string{"!down"}, args: []string{"shutdown"}},
	}
}

// startStreaming starts a client whose output we read while it runs.
func startStreaming(t *testing.T, prog string, args []string) (*exec.Cmd, *syncBuffer, func() string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=")
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	return cmd, out, errOut.String
}

// compareStreaming runs "tail -f"-like args with both clients, waits until
// the first chunk (want) is shown, sends SIGINT and compares (CTL-31).
func compareStreaming(t *testing.T, f *ctlFixture, action []string, want string) {
	// Children get SIGINT's default action even if the test started with
	// it ignored: a handled signal is reset by exec.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	defer signal.Reset(os.Interrupt)
	args := append([]string{"-c", f.conf}, action...)
	var runs []ctlRun
	for _, prog := range []string{realSupervisorctl, "supervisorctl"} {
		cmd, out, errOut := startStreaming(t, prog, args)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		head := "==> Press Ctrl-C to exit <==\n" + want
		pollFor(t, prog+" to show the log", func() string {
			if !strings.HasPrefix(out.String(), head) {
				return fmt.Sprintf("stdout so far %q", out.String())
			}
			return ""
		})
		cmd.Process.Signal(os.Interrupt)
		code := waitExit(t, cmd)
		runs = append(runs, ctlRun{code, out.String(), errOut()})
	}
	checkSameRun(t, runs[0], runs[1], false)
}

// waitExit waits for cmd with a deadline and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		return 0
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit", cmd.Path)
		return -1
	}
}

// compareFg attaches both clients to catter, types a line, waits for its
// echo through the log stream, ends input and compares (CTL-34). 4.2.5
// prints "Exiting foreground" and then hangs in its stream thread, so its
// process is killed once that line is out; ours must exit 0 by itself.
func compareFg(t *testing.T, f *ctlFixture) {
	var outs []string
	for _, prog := range []string{realSupervisorctl, "supervisorctl"} {
		f.setup(t, []string{"clear catter"})
		cmd, out, errOut := startStreaming(t, prog, []string{"-c", f.conf, "fg", "catter"})
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pollFor(t, prog+" to attach", func() string {
			if out.String() != "==> Press Ctrl-C to exit <==\n" {
				return fmt.Sprintf("stdout %q", out.String())
			}
			return ""
		})
		stdin.Write([]byte("hello fg\n"))
		pollFor(t, prog+" to echo", func() string {
			if !strings.HasSuffix(out.String(), "hello fg\n") {
				return fmt.Sprintf("stdout %q", out.String())
			}
			return ""
		})
		stdin.Close()
		pollFor(t, prog+" to detach", func() string {
			if !strings.HasSuffix(out.String(), "Exiting foreground\n") {
				return fmt.Sprintf("stdout %q", out.String())
			}
			return ""
		})
		if prog == realSupervisorctl {
			cmd.Process.Kill()
			cmd.Wait()
		} else if code := waitExit(t, cmd); code != 0 {
			t.Errorf("ours exited %d after fg, stderr %q", code, errOut())
		}
		outs = append(outs, out.String())
	}
	if outs[0] != outs[1] {
		t.Errorf("fg output differs\n--- 4.2.5:\n%s\n--- ours:\n%s", outs[0], outs[1])
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a poller.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
