package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// newTestSupervisor is a Supervisor with a listener pool subscribed to
// events, without a loop or children, for exercising events directly.
func newTestSupervisor(t *testing.T, events ...string) (*Supervisor, *Process, *bytes.Buffer) {
	t.Helper()
	var logbuf bytes.Buffer
	log := &Logger{level: LevelDebug, echo: &logbuf, nowFun: time.Now}
	cfg := &Config{Supervisord: SupervisordConfig{Identifier: "ident"}}
	s := newSupervisor(cfg, log)
	pc := &ProcessConfig{Name: "lst", UID: -1, Umask: -1}
	gc := &GroupConfig{Name: "lst", Kind: KindListener, Events: events, BufferSize: 3, Processes: []*ProcessConfig{pc}}
	if err := s.addGroup(gc); err != nil {
		t.Fatal(err)
	}
	return s, s.groups[0].procs[0], &logbuf
}

func TestEventMatches(t *testing.T) {
	for _, tc := range []struct {
		sub, typ string
		want     bool
	}{
		{"EVENT", "TICK_5", true},
		{"PROCESS_STATE", "PROCESS_STATE_RUNNING", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE_EXITED", false},
		{"PROCESS_LOG", "PROCESS_LOG_STDERR", true},
		{"PROCESS_COMMUNICATION", "PROCESS_LOG_STDOUT", false},
		{"TICK", "TICK_3600", true},
		{"SUPERVISOR_STATE_CHANGE", "SUPERVISOR_STATE_CHANGE_STOPPING", true},
		{"PROCESS_GROUP", "PROCESS_GROUP_REMOVED", true},
		{"REMOTE_COMMUNICATION", "REMOTE_COMMUNICATION", true},
	} {
		if got := eventMatches(tc.sub, tc.typ); got != tc.want {
			t.Errorf("eventMatches(%s, %s) = %v", tc.sub, tc.typ, got)
		}
	}
}

// TestStatePayloads checks EVT-04's tokens (token sets, EVT-03), including tries counting from
// 1 at the first BACKOFF.
func TestStatePayloads(t *testing.T) {
	s, _, _ := newTestSupervisor(t, "PROCESS_STATE")
	g := &Group{cfg: &GroupConfig{Name: "grp"}}
	p := newProcess(s, g, &ProcessConfig{Name: "one"})
	p.changeState(StateStarting, true)
	p.changeState(StateBackoff, true)
	p.pid = 42
	p.changeState(StateRunning, true)
	p.changeState(StateExited, false)
	p.changeState(StateFatal, true)
	want := []string{
		"processname:one groupname:grp from_state:STOPPED tries:0",
		"processname:one groupname:grp from_state:STARTING tries:1",
		"processname:one groupname:grp from_state:BACKOFF pid:42",
	}
	buf := s.groups[0].pool.buffer
	if len(buf) != 3 {
		t.Fatalf("buffer holds %d events, want 3 (buffer_size)", len(buf))
	}
	// The buffer keeps the newest three: the first two were dropped.
	want = append(want[2:], "processname:one groupname:grp from_state:RUNNING expected:0 pid:42",
		"processname:one groupname:grp from_state:EXITED")
	for i, ev := range buf {
		if ev.payload != want[i] {
			t.Errorf("event %d payload %q, want %q", i, ev.payload, want[i])
		}
	}
	if buf[0].serial != 2 || buf[0].poolSerials["lst"] != 2 {
		t.Errorf("serials of the third event: %d/%d, want 2/2", buf[0].serial, buf[0].poolSerials["lst"])
	}
}

func TestEnvelope(t *testing.T) {
	s, lst, _ := newTestSupervisor(t, "REMOTE_COMMUNICATION")
	r, w, _ := os.Pipe()
	defer r.Close()
	lst.state = StateRunning
	lst.pid = 7
	lst.stdin = &stdinWriter{f: w}
	lst.listener.state = listenerReady
	defer lst.stdin.close()
	s.notify(evRemoteCommunication, "type:t\nhé")
	s.groups[0].pool.dispatch()
	want := "ver:3.0 server:ident serial:0 pool:lst poolserial:0 eventname:REMOTE_COMMUNICATION len:9\ntype:t\nhé"
	got := make([]byte, len(want))
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadFull(r, got)
	if string(got) != want {
		t.Errorf("envelope %q\nwant     %q", got, want)
	}
	if lst.listener.state != listenerBusy {
		t.Errorf("listener state %s, want BUSY", listenerStateName(lst.listener.state))
	}
}

// TestListenerProtocol feeds listener output in awkward chunks (EVT-10,
// EVT-13).
func TestListenerProtocol(t *testing.T) {
	for _, tc := range []struct {
		name     string
		chunks   []string
		state    int
		rejected bool
		log      string
	}{
		{"ready", []string{"REA", "DY\n"}, listenerReady, false, "lst: ACKNOWLEDGED -> READY"},
		{"not ready", []string{"HELLO!"}, listenerUnknown, false, "has entered the UNKNOWN state"},
		{"ok", []string{"READY\n", "<send>", "RESULT 2\nOK"}, listenerAcknowledged, false, "lst: event was processed"},
		{"ok then ready", []string{"READY\n", "<send>", "RESULT 2\nOKREADY\n"}, listenerReady, false, "BUSY -> ACKNOWLEDGED"},
		{"split result", []string{"READY\n", "<send>", "RESU", "LT 4\nFA", "IL"}, listenerAcknowledged, true, "lst: event was rejected"},
		{"bad line", []string{"READY\n", "<send>", "garbage\n"}, listenerUnknown, true, "lst: bad result line: 'garbage'"},
		{"chatter while ready", []string{"READY\n", "oops"}, listenerUnknown, false, "READY -> UNKNOWN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, lst, logbuf := newTestSupervisor(t, "REMOTE_COMMUNICATION")
			_, w, _ := os.Pipe()
			lst.state = StateRunning
			lst.pid = 7
			lst.stdin = &stdinWriter{f: w}
			defer lst.stdin.close()
			pool := s.groups[0].pool
			for _, c := range tc.chunks {
				if c == "<send>" {
					s.notify(evRemoteCommunication, "type:t\nx")
					pool.dispatch()
					continue
				}
				s.listenerOutput(lst, []byte(c))
			}
			if lst.listener.state != tc.state {
				t.Errorf("state %s, want %s", listenerStateName(lst.listener.state), listenerStateName(tc.state))
			}
			if got := len(pool.buffer) == 1; got != tc.rejected {
				t.Errorf("event back in the buffer: %v, want %v", got, tc.rejected)
			}
			if !strings.Contains(logbuf.String(), tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, logbuf.String())
			}
		})
	}
}

// FuzzListenerOutput: whatever a listener writes, the protocol never
// panics and never loses the event it holds.
func FuzzListenerOutput(f *testing.F) {
	f.Add([]byte("READY\n"), []byte("RESULT 2\nOK"))
	f.Add([]byte("READY\nRESULT"), []byte(" 4\nFAILREADY\n"))
	f.Add([]byte("READY\n"), []byte("RESULT -1\n"))
	f.Add([]byte("garbage"), []byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		s := &Supervisor{log: &Logger{level: LevelCritical + 1, nowFun: time.Now}, pids: map[int]*Process{}}
		s.cfg = &Config{}
		pc := &ProcessConfig{Name: "lst"}
		gc := &GroupConfig{Name: "lst", Kind: KindListener, Events: []string{"EVENT"}, BufferSize: 5, Processes: []*ProcessConfig{pc}}
		if err := s.addGroup(gc); err != nil {
			t.Fatal(err)
		}
		lst := s.groups[0].procs[0]
		_, w, _ := os.Pipe()
		lst.state, lst.pid, lst.stdin = StateRunning, 1, &stdinWriter{f: w}
		defer lst.stdin.close()
		pool := s.groups[0].pool
		s.listenerOutput(lst, a)
		s.notify(evRemoteCommunication, "type:t\nx")
		pool.dispatch()
		s.listenerOutput(lst, b)
		held := 0
		if lst.listener.event != nil {
			held = 1
		}
		// PROCESS_GROUP_ADDED and the remote event: each is buffered,
		// held by the listener, or was acknowledged with OK.
		if len(pool.buffer)+held > 2 {
			t.Fatalf("events duplicated: %d buffered, %d held", len(pool.buffer), held)
		}
	})
}

// TestEventsMatchReference runs the same session under Supervisor 4.2.5 and
// under ours with a listener built on 4.2.5's own supervisor.childutils,
// and compares the event sequences: start, stop, crash, backoff to fatal,
// group added and removed (issue 5). childutils is the reference listener
// (EVT-14).
func TestEventsMatchReference(t *testing.T) {
	if testing.Short() {
		t.Skip("runs both daemons for several seconds")
	}
	for _, p := range []string{"/usr/bin/supervisord", "/usr/bin/python3", "/usr/lib/python3/dist-packages/supervisor/childutils.py"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs Debian's supervisor package: %v", err)
		}
	}
	t.Parallel()
	ref := make(chan []string, 1)
	go func() { ref <- recordEvents(t, "/usr/bin/supervisord") }()
	ours := recordEvents(t, "supervisord")
	want := <-ref
	if strings.Join(ours, "\n") != strings.Join(want, "\n") {
		t.Errorf("event sequences differ\nours:\n%s\n4.2.5:\n%s", strings.Join(ours, "\n"), strings.Join(want, "\n"))
	}
}

const childutilsListener = `import sys
from supervisor import childutils
out = open(sys.argv[1], 'a')
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    out.write(headers['eventname'] + ' ' + payload.replace('\n', '|') + '\n')
    out.flush()
    childutils.listener.ok(sys.stdout)
`

const eventsConfig = `[supervisord]
logfile=%%(here)s/supervisord.log
pidfile=%%(here)s/supervisord.pid
[unix_http_server]
file=%%(here)s/sup.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[eventlistener:listener]
command=/usr/bin/python3 %%(here)s/listener.py %%(here)s/events.txt
events=PROCESS_STATE,PROCESS_GROUP
startsecs=0
[program:sleeper]
command=sleep 1000
autostart=false
startsecs=0
[program:crasher]
command=sh -c 'sleep 0.5; exit 1'
autostart=false
autorestart=false
startsecs=0
[program:failer]
command=sh -c 'exit 2'
autostart=false
startsecs=3
startretries=1
%s`

func recordEvents(t *testing.T, daemon string) []string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "listener.py"), []byte(childutilsListener), 0o644)
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(eventsConfig, "")), 0o644)
	cmd := exec.Command(daemon, "-n", "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	c := unixTestClient(filepath.Join(dir, "sup.sock"))
	var ok bool
	defer c.call("supervisor.shutdown", nil, &ok)
	events := filepath.Join(dir, "events.txt")
	waitEvent := func(re string) {
		t.Helper()
		if !poll(func() bool {
			data, _ := os.ReadFile(events)
			return regexp.MustCompile("(?m)" + re).Match(data)
		}) {
			data, _ := os.ReadFile(events)
			t.Fatalf("%s: no event matching %q; got:\n%s", daemon, re, data)
		}
	}
	waitEvent(`^PROCESS_STATE_RUNNING processname:listener `)
	c.call("supervisor.startProcess", []any{"sleeper"}, &ok)
	waitEvent(`^PROCESS_STATE_RUNNING processname:sleeper `)
	c.call("supervisor.stopProcess", []any{"sleeper"}, &ok)
	waitEvent(`^PROCESS_STATE_STOPPED processname:sleeper `)
	c.call("supervisor.startProcess", []any{"crasher", false}, &ok)
	waitEvent(`^PROCESS_STATE_EXITED processname:crasher `)
	c.call("supervisor.startProcess", []any{"failer", false}, &ok)
	waitEvent(`^PROCESS_STATE_FATAL processname:failer `)
	os.WriteFile(conf, []byte(fmt.Sprintf(eventsConfig, "[program:added]\ncommand=sleep 1000\nautostart=false\n")), 0o644)
	var diff any
	c.call("supervisor.reloadConfig", nil, &diff)
	c.call("supervisor.addProcessGroup", []any{"added"}, &ok)
	waitEvent(`^PROCESS_GROUP_ADDED groupname:added`)
	c.call("supervisor.removeProcessGroup", []any{"added"}, &ok)
	waitEvent(`^PROCESS_GROUP_REMOVED groupname:added`)
	data, _ := os.ReadFile(events)
	pid := regexp.MustCompile(`pid:\d+`)
	return strings.Split(strings.TrimSpace(pid.ReplaceAllString(string(data), "pid:N")), "\n")
}
