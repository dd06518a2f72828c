package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kolo/xmlrpc"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as supervisord and supervisorctl, and
// puts both names on PATH for every test of the package.
func TestMain(m *testing.M) {
	entry := func() { os.Exit(run(os.Args)) }
	testscript.Main(m, map[string]func(){
		"supervisord":   entry,
		"supervisorctl": entry,
		"conf-prog":     confProgMain,
		"conf-listener": confListenerMain,
		"syslog-sink":   syslogSinkMain,
		"deny-kill":     denyKillMain,
	})
}

// TestScripts runs the scenarios in testdata/*.txtar. A scenario's config
// lives in $WORK and puts its socket at %(here)s/sup.sock, which the wait
// commands below use.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Getuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitstate": cmdWaitState,
			"waitfile":  cmdWaitFile,
			"waitgone":  cmdWaitGone,
			"waitdead":  cmdWaitDead,
			"waitsize":  cmdWaitSize,
			"rpc":       cmdRPC,
		},
	})
}

// waitDeadline bounds every wait of a scenario.
const waitDeadline = 20 * time.Second

// poll calls check until it reports true or the deadline passes.
func poll(check func() bool) bool {
	deadline := time.Now().Add(waitDeadline)
	for {
		if check() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testClient talks to the scenario's supervisord over its unix socket,
// using kolo/xmlrpc as an independent client.
type testClient struct {
	http *http.Client
}

func scriptClient(ts *testscript.TestScript) *testClient {
	return unixTestClient(filepath.Join(ts.Getenv("WORK"), "sup.sock"))
}

func unixTestClient(sock string) *testClient {
	transport := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return &testClient{http: &http.Client{Transport: transport, Timeout: waitDeadline}}
}

// call returns the decoded result, or an xmlrpc.FaultError.
func (c *testClient) call(method string, params []any, result any) error {
	req, err := xmlrpc.NewRequest("http://localhost/RPC2", method, params)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	r := xmlrpc.Response(body)
	if err := r.Err(); err != nil {
		return err
	}
	return r.Unmarshal(result)
}

// waitstate name STATE: poll getProcessInfo until the process is in STATE.
func cmdWaitState(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitstate name STATE")
	}
	c := scriptClient(ts)
	last := "no answer"
	ok := poll(func() bool {
		var info struct {
			Statename string `xmlrpc:"statename"`
		}
		if err := c.call("supervisor.getProcessInfo", []any{args[0]}, &info); err != nil {
			last = err.Error()
			return false
		}
		last = info.Statename
		return info.Statename == args[1]
	})
	if !ok {
		ts.Fatalf("%s did not reach %s (last: %s)", args[0], args[1], last)
	}
}

// waitfile path [regexp]: poll until the file exists (and matches).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile path [regexp]")
	}
	path := ts.MkAbs(args[0])
	var re *regexp.Regexp
	if len(args) == 2 {
		re = regexp.MustCompile("(?m)" + args[1])
	}
	ok := poll(func() bool {
		data, err := os.ReadFile(path)
		return err == nil && (re == nil || re.Match(data))
	})
	if !ok {
		data, _ := os.ReadFile(path)
		ts.Fatalf("timed out waiting for %s to match %v; it holds:\n%s", args[0], re, data)
	}
}

// waitgone path: poll until the file no longer exists.
func cmdWaitGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitgone path")
	}
	path := ts.MkAbs(args[0])
	if !poll(func() bool { _, err := os.Stat(path); return os.IsNotExist(err) }) {
		ts.Fatalf("timed out waiting for %s to go away", args[0])
	}
}

// waitsize path bytes: poll until the file holds at least that many bytes.
func cmdWaitSize(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitsize path bytes")
	}
	want, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	path := ts.MkAbs(args[0])
	var size int64
	if !poll(func() bool {
		st, err := os.Stat(path)
		if err == nil {
			size = st.Size()
		}
		return size >= want
	}) {
		ts.Fatalf("%s has %d bytes, not %d", args[0], size, want)
	}
}

// waitdead pidfile: poll until the process whose pid the file holds is
// gone.
func cmdWaitDead(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitdead pidfile")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if !poll(func() bool { return syscall.Kill(pid, 0) != nil }) {
		ts.Fatalf("process %d is still alive", pid)
	}
}

// rpc method [args...]: call a method and print the result, or the fault
// as "FAULT code text". Arguments that look like ints or booleans are sent
// as such.
func cmdRPC(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: rpc method [args...]")
	}
	c := scriptClient(ts)
	params := make([]any, 0, len(args)-1)
	for _, a := range args[1:] {
		params = append(params, rpcArg(a))
	}
	var result any
	err := c.call(args[0], params, &result)
	if fault, ok := err.(xmlrpc.FaultError); ok {
		fmt.Fprintf(ts.Stdout(), "FAULT %d %s\n", fault.Code, fault.String)
		if !neg {
			ts.Fatalf("%s: fault %d %s", args[0], fault.Code, fault.String)
		}
		return
	}
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if neg {
		ts.Fatalf("%s: unexpected success", args[0])
	}
	fmt.Fprintln(ts.Stdout(), formatRPCValue(result))
}

func rpcArg(a string) any {
	switch a {
	case "true":
		return true
	case "false":
		return false
	}
	var n int
	if _, err := fmt.Sscanf(a, "%d", &n); err == nil && fmt.Sprint(n) == a {
		return n
	}
	return a
}

// formatRPCValue prints a decoded value compactly; struct members come
// out sorted so scenarios can match them.
func formatRPCValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatRPCValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + formatRPCValue(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case nil:
		return "''"
	}
	return fmt.Sprint(v)
}

// freePort finds a free TCP port on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syslogSinkMain is a stand-in syslog daemon for scenarios: it receives
// datagrams on a unix socket and appends each, one per line, to a file.
// Usage: syslog-sink SOCKET FILE
func syslogSinkMain() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: syslog-sink SOCKET FILE")
		os.Exit(2)
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: os.Args[1], Net: "unixgram"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := os.OpenFile(os.Args[2], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			os.Exit(0)
		}
		out.Write(append(buf[:n:n], '\n'))
	}
}
