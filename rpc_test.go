package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pythonClient drives a daemon with Python's own xmlrpc.client through
// supervisor.childutils (a unix socket transport), printing each answer
// or fault; the output of 4.2.5 and ours must be the same (issue 3). This
// is the client contract children rely on (RPC-55).
const pythonClient = `import os, sys, time, xmlrpc.client
from supervisor import childutils
rpc = childutils.getRPCInterface({'SUPERVISOR_SERVER_URL': 'unix://' + sys.argv[1]})
def show(label, f):
    try:
        r = f()
    except xmlrpc.client.Fault as e:
        r = 'Fault(%d, %r)' % (e.faultCode, e.faultString)
    print(label, repr(r))
show('api', lambda: rpc.supervisor.getAPIVersion())
show('version', lambda: rpc.supervisor.getSupervisorVersion())
show('ident', lambda: rpc.supervisor.getIdentification())
show('pid', lambda: type(rpc.supervisor.getPID()).__name__)  # RPC-20e
show('state', lambda: rpc.supervisor.getState())
show('start', lambda: rpc.supervisor.startProcess('sleeper'))
show('again', lambda: rpc.supervisor.startProcess('sleeper', True))
show('info', lambda: rpc.supervisor.getProcessInfo('sleeper'))
show('all', lambda: rpc.supervisor.getAllProcessInfo())
show('badname', lambda: rpc.supervisor.getProcessInfo('nosuch'))
show('arity', lambda: rpc.supervisor.getProcessInfo())
show('unknown', lambda: rpc.supervisor.nosuchMethod())
show('private', lambda: rpc.supervisor._update('x'))
show('stdin', lambda: rpc.supervisor.sendProcessStdin('sleeper', 'hé\n'))
for _ in range(200):  # poll until cat has echoed it, for at most 10 s
    if 'h\u00e9' in rpc.supervisor.readProcessStdoutLog('sleeper', 0, 0):
        break
    time.sleep(0.05)
show('stdinint', lambda: rpc.supervisor.sendProcessStdin('sleeper', 5))
show('signal', lambda: rpc.supervisor.signalProcess('sleeper', 'BOGUS'))
show('group', lambda: rpc.supervisor.stopProcessGroup('sleeper', True))
show('stopped', lambda: rpc.supervisor.stopProcess('sleeper'))
show('log', lambda: rpc.supervisor.readProcessStdoutLog('sleeper', 0, 0))
show('tail', lambda: rpc.supervisor.tailProcessStdoutLog('sleeper', 0, 5))
show('badargs', lambda: rpc.supervisor.readLog(-10, 5))
show('sig', lambda: rpc.system.methodSignature('supervisor.startProcess'))
show('nosig', lambda: rpc.system.methodSignature('supervisor.nosuch'))
show('methods', lambda: len(rpc.system.listMethods()))
show('multi', lambda: rpc.system.multicall([
    {'methodName': 'supervisor.getState'},
    {'methodName': 'supervisor.getProcessInfo', 'params': ['nosuch']},
    {'methodName': 'system.multicall', 'params': [[]]},
    {'params': []},
    {'methodName': 'supervisor.getState', 'params': [1, 2]}]))
show('reread', lambda: rpc.supervisor.reloadConfig())
show('remove', lambda: rpc.supervisor.removeProcessGroup('sleeper'))
`

func TestPythonClientMatchesReference(t *testing.T) {
	for _, p := range []string{"/usr/bin/supervisord", "/usr/bin/python3", "/usr/lib/python3/dist-packages/supervisor/childutils.py"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs Debian's supervisor package: %v", err)
		}
	}
	t.Parallel()
	ref := make(chan string, 1)
	go func() { ref <- runPythonClient(t, "/usr/bin/supervisord") }()
	ours := runPythonClient(t, "supervisord")
	if want := <-ref; ours != want {
		t.Errorf("Python's client sees a difference\nours:\n%s\n4.2.5:\n%s", ours, want)
	}
}

func runPythonClient(t *testing.T, daemon string) string {
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(`[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
identifier=pyclient
[unix_http_server]
file=%(here)s/sup.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:sleeper]
command=sh -c 'echo hello; exec cat'
autostart=false
startsecs=0
stdout_logfile=%(here)s/sleeper.log
`), 0o644)
	os.WriteFile(filepath.Join(dir, "client.py"), []byte(pythonClient), 0o644)
	cmd := exec.Command(daemon, "-n", "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	sock := filepath.Join(dir, "sup.sock")
	c := unixTestClient(sock)
	var state any
	if !poll(func() bool { return c.call("supervisor.getState", nil, &state) == nil }) {
		t.Fatalf("%s did not answer", daemon)
	}
	defer func() {
		var ok bool
		c.call("supervisor.shutdown", nil, &ok)
	}()
	out, err := exec.Command("/usr/bin/python3", filepath.Join(dir, "client.py"), sock).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: client: %v\n%s", daemon, err, out)
	}
	text := string(out)
	for _, r := range []struct{ re, repl string }{
		{`'(now|start|stop|pid)': \d+`, "'$1': N"},
		{`pid \d+, uptime \d+:\d\d:\d\d`, "pid N, uptime U"},
		{`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`, "STOPTIME"},
		{regexp.QuoteMeta(dir), "DIR"},
		{`---pyclient-[a-z0-9_]{8}\.log`, "---pyclient-RAND.log"},
	} {
		text = regexp.MustCompile(r.re).ReplaceAllString(text, r.repl)
	}
	return strings.TrimSpace(fmt.Sprint(text))
}
