package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestCtlFormatStatus checks the CTL-10 layout: the name column is the
// longest namespec (at least 30) plus 3, the state column 10, and an empty
// description keeps the padding.
func TestCtlFormatStatus(t *testing.T) {
	long := "this_is_a_very_long_program_name_exceeding_thirty"
	tests := []struct {
		name  string
		infos []ctlProcessInfo
		want  []string
	}{
		{"short names", []ctlProcessInfo{
			{Name: "sleeper", Group: "sleeper", StateName: "RUNNING", Description: "pid 8444, uptime 1 day, 2:03:04"},
			{Name: "g1", Group: "grp", StateName: "STARTING"},
		}, []string{
			"sleeper                          RUNNING   pid 8444, uptime 1 day, 2:03:04",
			"grp:g1                           STARTING  ",
		}},
		{"long name widens the column", []ctlProcessInfo{
			{Name: "missingcmd", Group: "missingcmd", StateName: "FATAL", Description: "can't find command '/nonexistent/thing'"},
			{Name: long, Group: long, StateName: "RUNNING", Description: "pid 18615, uptime 0:00:04"},
		}, []string{
			"missingcmd                                          FATAL     can't find command '/nonexistent/thing'",
			long + "   RUNNING   pid 18615, uptime 0:00:04",
		}},
		{"state name longer than its column", []ctlProcessInfo{
			{Name: "x", Group: "x", StateName: "VERYLONGSTATE", Description: "d"},
		}, []string{"x" + strings.Repeat(" ", 32) + "VERYLONGSTATEd"}},
		{"width counts characters, not bytes", []ctlProcessInfo{
			{Name: "é", Group: "é", StateName: "STOPPED", Description: "Not started"},
		}, []string{"é" + strings.Repeat(" ", 32) + "STOPPED   Not started"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatStatus(tt.infos); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestCtlExitFromFault checks the CTL-40 result rules: success and the
// ignored code keep the status, dead-program faults give 7, others 1, and
// the last failing result decides.
func TestCtlExitFromFault(t *testing.T) {
	tests := []struct {
		codes   []int
		ignored int
		want    int
	}{
		{[]int{ctlFaultSuccess}, ctlFaultAlreadyStarted, 0},
		{[]int{ctlFaultAlreadyStarted}, ctlFaultAlreadyStarted, 0},
		{[]int{ctlFaultNotRunning}, ctlFaultNotRunning, 0},
		{[]int{ctlFaultNotRunning}, ctlFaultSuccess, 7},
		{[]int{ctlFaultSpawnError}, ctlFaultAlreadyStarted, 7},
		{[]int{ctlFaultAbnormalTermination}, ctlFaultAlreadyStarted, 7},
		{[]int{ctlFaultNoFile}, ctlFaultAlreadyStarted, 1},
		{[]int{ctlFaultBadSignal}, ctlFaultSuccess, 1},
		{[]int{ctlFaultSpawnError, ctlFaultBadName}, ctlFaultAlreadyStarted, 1},
		{[]int{ctlFaultBadName, ctlFaultSpawnError}, ctlFaultAlreadyStarted, 7},
		{[]int{ctlFaultBadName, ctlFaultSuccess, ctlFaultAlreadyStarted}, ctlFaultAlreadyStarted, 1},
	}
	for _, tt := range tests {
		c := &controller{}
		for _, code := range tt.codes {
			c.setExitFromFault(code, tt.ignored)
		}
		if c.exitStatus != tt.want {
			t.Errorf("codes %v ignoring %d: status %d, want %d", tt.codes, tt.ignored, c.exitStatus, tt.want)
		}
	}
}

// TestCtlStoppedStates checks which states make status exit 3 (CTL-40).
func TestCtlStoppedStates(t *testing.T) {
	for state, want := range map[int]bool{0: true, 10: false, 20: false, 30: false, 40: false, 100: true, 200: true, 1000: true} {
		if got := isStoppedState(state); got != want {
			t.Errorf("isStoppedState(%d) = %v", state, got)
		}
	}
}

// TestCtlNamespec checks RPC-06's naming rules.
func TestCtlNamespec(t *testing.T) {
	for _, tt := range []struct{ group, process, ns string }{
		{"sleeper", "sleeper", "sleeper"},
		{"grp", "g1", "grp:g1"},
		{"multi", "multi_00", "multi:multi_00"},
	} {
		if got := makeNamespec(tt.group, tt.process); got != tt.ns {
			t.Errorf("makeNamespec(%q, %q) = %q", tt.group, tt.process, got)
		}
	}
	for _, tt := range []struct{ ns, group, process string }{
		{"sleeper", "sleeper", "sleeper"},
		{"grp:g1", "grp", "g1"},
		{"grp:*", "grp", ""},
		{"grp:", "grp", ""},
		{"a:b:c", "a", "b:c"},
	} {
		if g, p := splitNamespec(tt.ns); g != tt.group || p != tt.process {
			t.Errorf("splitNamespec(%q) = %q, %q", tt.ns, g, p)
		}
	}
}

// TestCtlGetopt checks Python getopt's rules (CTL-01).
func TestCtlGetopt(t *testing.T) {
	tests := []struct {
		args     []string
		opts     string
		rest     []string
		errorMsg string
	}{
		{[]string{"-ic", "f", "status"}, "-i= -c=f", []string{"status"}, ""},
		{[]string{"-cFILE", "-sunix:///x"}, "-c=FILE -s=unix:///x", nil, ""},
		{[]string{"--conf=a", "--user", "u", "x", "-p", "p"}, "--configuration=a --username=u", []string{"x", "-p", "p"}, ""},
		{[]string{"--", "-x"}, "", []string{"-x"}, ""},
		{[]string{"-", "x"}, "", []string{"-", "x"}, ""},
		{[]string{"-x"}, "", nil, "option -x not recognized"},
		{[]string{"--h"}, "", nil, "option --h not a unique prefix"},
		{[]string{"--hi"}, "", nil, "option --history_file requires argument"},
		{[]string{"--help=x"}, "", nil, "option --help must not have an argument"},
		{[]string{"-s"}, "", nil, "option -s requires argument"},
		{[]string{"--serverurl"}, "", nil, "option --serverurl requires argument"},
	}
	for _, tt := range tests {
		opts, rest, err := ctlGetopt(tt.args)
		if tt.errorMsg != "" {
			if err == nil || err.Error() != tt.errorMsg {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.errorMsg)
			}
			continue
		}
		var got []string
		for _, o := range opts {
			got = append(got, o.name+"="+o.value)
		}
		if err != nil || strings.Join(got, " ") != tt.opts || strings.Join(rest, " ") != strings.Join(tt.rest, " ") {
			t.Errorf("%q: opts %q rest %q err %v; want %q %q", tt.args, got, rest, err, tt.opts, tt.rest)
		}
	}
}

// TestCtlPyRepr checks Python's str repr, used in option errors and faults.
func TestCtlPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":           `'abc'`,
		"it's":          `"it's"`,
		`it's "x"`:      `'it\'s "x"'`,
		"a\tb\n\\":      `'a\tb\n\\'`,
		"\x01\x7f":      `'\x01\x7f'`,
		"é\u00a0\u2028": `'é\xa0\u2028'`,
	} {
		if got := pyRepr(in); got != want {
			t.Errorf("pyRepr(%q) = %s, want %s", in, got, want)
		}
	}
	if got := pyBytesRepr([]byte("a'\xff")); got != `b"a'\xff"` {
		t.Errorf("pyBytesRepr = %s", got)
	}
}

// TestCtlCheckURL checks what -s accepts (CTL-01).
func TestCtlCheckURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://localhost:9001": true, "unix:///tmp/s": true, "a:b": true, "ftp://x": true,
		"notaurl": false, "http:": false, "1http://x": false, "http://[::1": false,
	} {
		if err := ctlCheckURL(url); (err == nil) != ok {
			t.Errorf("ctlCheckURL(%q) = %v", url, err)
		}
	}
}

// TestCtlHelpColumns checks that the topic list is laid out like 4.2.5's.
func TestCtlHelpColumns(t *testing.T) {
	want := "\n" + `default commands (type help <topic>):
=====================================
add    exit      open  reload  restart   start   tail   
avail  fg        pid   remove  shutdown  status  update 
clear  maintail  quit  reread  signal    stop    version

`
	c, out := testController(t, "http://127.0.0.1:1")
	c.onecmd("help")
	if out.String() != want {
		t.Errorf("help output\n%q\nwant\n%q", out.String(), want)
	}
}

// fakeSupervisord answers XML-RPC calls with canned bodies by method name.
func fakeSupervisord(t *testing.T, answers map[string]string) *httptest.Server {
	methodRE := regexp.MustCompile(`<methodName>([^<]*)</methodName>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := methodRE.FindSubmatch(body)
		if m == nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		value, ok := answers[string(m[1])]
		if !ok {
			value = "FAULT 1 UNKNOWN_METHOD"
		}
		w.Header().Set("Content-Type", "text/xml")
		if code, text, isFault := strings.Cut(strings.TrimPrefix(value, "FAULT "), " "); strings.HasPrefix(value, "FAULT ") && isFault {
			fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>%s</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>%s</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n", code, text)
			return
		}
		fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>%s</value>\n</param>\n</params>\n</methodResponse>\n", value)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testController(t *testing.T, url string) (*controller, *bytes.Buffer) {
	t.Helper()
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close() })
	var out bytes.Buffer
	c := newController(&ctlSettings{serverURL: url, prompt: "supervisor"}, stdin, &out, &out)
	t.Cleanup(c.close)
	return c, &out
}

func processInfoXML(name, group string, state int, statename, description string) string {
	return fmt.Sprintf("<struct><member><name>name</name><value><string>%s</string></value></member>"+
		"<member><name>group</name><value><string>%s</string></value></member>"+
		"<member><name>state</name><value><int>%d</int></value></member>"+
		"<member><name>statename</name><value><string>%s</string></value></member>"+
		"<member><name>description</name><value><string>%s</string></value></member>"+
		"<member><name>pid</name><value><int>0</int></value></member></struct>", name, group, state, statename, description)
}

func resultXML(name, group string, status int, description string) string {
	return fmt.Sprintf("<struct><member><name>name</name><value><string>%s</string></value></member>"+
		"<member><name>group</name><value><string>%s</string></value></member>"+
		"<member><name>status</name><value><int>%d</int></value></member>"+
		"<member><name>description</name><value><string>%s</string></value></member></struct>", name, group, status, description)
}

// TestCtlAgainstFakeServer covers what the real supervisord cannot be made
// to answer: another API version (CTL-04), empty strings that kolo decodes
// as nil, clear all's results and a result code no table knows (CTL-11).
func TestCtlAgainstFakeServer(t *testing.T) {
	v3 := "<string>3.0</string>"
	tests := []struct {
		name    string
		answers map[string]string
		command string
		want    string
		status  int
	}{
		{"api mismatch", map[string]string{"supervisor.getVersion": "<string>2.0</string>"}, "version",
			"Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n", exitNotInstalled},
		{"api mismatch in status", map[string]string{"supervisor.getVersion": "<string>2.0</string>"}, "status",
			"Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n", exitStatusUnknown},
		{"empty version string", map[string]string{"supervisor.getVersion": v3, "supervisor.getSupervisorVersion": "<string></string>"}, "version",
			"\n", 0},
		{"empty description", map[string]string{"supervisor.getVersion": v3,
			"supervisor.getAllProcessInfo": "<array><data><value>" + processInfoXML("a", "a", 10, "STARTING", "") + "</value></data></array>"}, "status",
			"a" + strings.Repeat(" ", 32) + "STARTING  \n", 0},
		{"empty log", map[string]string{"supervisor.getVersion": v3, "supervisor.readLog": "<string></string>"}, "maintail",
			"\n", 0},
		{"clear all", map[string]string{"supervisor.getVersion": v3, "supervisor.clearAllProcessLogs": "<array><data>" +
			"<value>" + resultXML("a", "a", 80, "OK") + "</value>" +
			"<value>" + resultXML("b", "g", 30, "FAILED: b") + "</value>" +
			"<value>" + resultXML("c", "c", 10, "BAD_NAME: c") + "</value></data></array>"}, "clear all",
			"a: cleared\ng:b: ERROR (failed)\nc: ERROR (no such process)\n", exitGeneric},
		{"unknown result code", map[string]string{"supervisor.getVersion": v3, "supervisor.startAllProcesses": "<array><data>" +
			"<value>" + resultXML("a", "a", 80, "OK") + "</value>" +
			"<value>" + resultXML("b", "b", 30, "FAILED: b") + "</value></data></array>"}, "start all",
			"a: started\nerror: <class 'ValueError'>, Unknown result code 30 for b\n", exitGeneric},
		{"stop failed shows fault text", map[string]string{"supervisor.getVersion": v3, "supervisor.stopProcess": "FAULT 30 FAILED: boom"}, "stop x",
			"FAILED: boom\n", exitGeneric},
		{"unhandled fault", map[string]string{"supervisor.getVersion": v3, "supervisor.getSupervisorVersion": "FAULT 6 SHUTDOWN_STATE"}, "version",
			"error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>\n", exitGeneric},
		{"reread lists each name once", map[string]string{"supervisor.reloadConfig": "<array><data><value><array><data>" +
			"<value><array><data><value><string>new</string></value></data></array></value>" +
			"<value><array><data><value><string>chg</string></value></data></array></value>" +
			"<value><array><data><value><string>gone</string></value><value><string>abc</string></value></data></array></value>" +
			"</data></array></value></data></array>"}, "reread",
			"abc: disappeared\nchg: changed\ngone: disappeared\nnew: available\n", 0},
		{"fg other fault", map[string]string{"supervisor.getVersion": v3, "supervisor.getProcessInfo": "FAULT 6 SHUTDOWN_STATE"}, "fg x",
			"ERROR: <Fault 6: 'SHUTDOWN_STATE'>\n", 0},
		{"server error", map[string]string{}, "avail",
			"error: <class 'xmlrpc.client.Fault'>, <Fault 1: 'UNKNOWN_METHOD'>\n", exitGeneric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeSupervisord(t, tt.answers)
			c, out := testController(t, srv.URL)
			c.onecmd(tt.command)
			if out.String() != tt.want || c.exitStatus != tt.status {
				t.Errorf("got %q status %d, want %q status %d", out.String(), c.exitStatus, tt.want, tt.status)
			}
		})
	}
}

// TestCtlHTTPErrorStatus checks that a non-200 answer is a ProtocolError
// naming 127.0.0.1 whatever the URL (CTL-06).
func TestCtlHTTPErrorStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, out := testController(t, srv.URL)
	c.onecmd("avail")
	want := "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 500 Internal Server Error>\n"
	if out.String() != want || c.exitStatus != exitGeneric {
		t.Errorf("got %q status %d", out.String(), c.exitStatus)
	}
}

// TestCtlCompletions checks tab completion (CTL-03).
func TestCtlCompletions(t *testing.T) {
	srv := fakeSupervisord(t, map[string]string{"supervisor.getAllProcessInfo": "<array><data>" +
		"<value>" + processInfoXML("sleeper", "sleeper", 20, "RUNNING", "") + "</value>" +
		"<value>" + processInfoXML("g1", "grp", 20, "RUNNING", "") + "</value>" +
		"<value>" + processInfoXML("g2", "grp", 20, "RUNNING", "") + "</value></data></array>"})
	c, _ := testController(t, srv.URL)
	tests := []struct {
		line string
		want []string
	}{
		{"", nil},
		{"st", []string{"start ", "status ", "stop "}},
		{"stop ", []string{"grp:* ", "grp:g1 ", "grp:g2 ", "sleeper "}},
		{"stop s", []string{"sleeper "}},
		{"stop grp:", []string{"grp:* ", "grp:g1 ", "grp:g2 "}},
		{"stop sleeper:", []string{"sleeper:* ", "sleeper:sleeper "}},
		{"update g", []string{"grp "}},
		{"help re", []string{"reload ", "remove ", "reread ", "restart "}},
		{"el re", []string{"reload ", "remove ", "reread ", "restart "}},
		{"version x", nil},
	}
	for _, tt := range tests {
		head, got, tail := c.complete(tt.line, len([]rune(tt.line)))
		if tt.line == "" {
			if len(got) != len(ctlActions) {
				t.Errorf("empty line: %d completions, want every action", len(got))
			}
			continue
		}
		if !reflect.DeepEqual(got, tt.want) || tail != "" || !strings.HasPrefix(tt.line, head) {
			t.Errorf("complete(%q) = %q %q %q, want %q", tt.line, head, got, tail, tt.want)
		}
	}
	if head, _, tail := c.complete("stop grp:g1 sl", 11); head != "stop " || tail != " sl" {
		t.Errorf("cursor mid-line: head %q tail %q", head, tail)
	}
}

// TestCtlLineReader checks the stdin reader: lines, a last line without a
// newline, then EOF; and that a cancel ends a wait.
func TestCtlLineReader(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lr := newLineReader(r)
	cancel := make(chan struct{}, 1)
	cancel <- struct{}{}
	if _, err := lr.readLine(cancel); err != errInterrupted {
		t.Fatalf("cancelled read: %v", err)
	}
	io.WriteString(w, "one\r\ntwo\nthree")
	w.Close()
	var got []string
	for {
		line, err := lr.readLine(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
	}
	if want := []string{"one\r", "two", "three"}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// System errors in daemon messages read as Python's OSError prints them
// (FastCGI socket errors, PROC-29).
func TestPyOSErrorText(t *testing.T) {
	bind := &os.SyscallError{Syscall: "bind", Err: syscall.EADDRINUSE}
	chown := &os.PathError{Op: "chown", Path: "/run/f.sock", Err: syscall.EPERM}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{bind, "[Errno 98] Address already in use"},
		{chown, "[Errno 1] Operation not permitted: '/run/f.sock'"},
		{fmt.Errorf("no errno"), "no errno"},
	} {
		if got := pyOSErrorText(tc.err); got != tc.want {
			t.Errorf("pyOSErrorText(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
