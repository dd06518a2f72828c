// Daemons started by conformance scenarios: each runs in its own session so
// that it, its children and their orphans can be found and stopped at the
// end of a scenario whatever happened in between.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// confDaemon is one supervisord started by a scenario.
type confDaemon struct {
	cmd        *exec.Cmd
	pid        int // the daemon's pid (after daemonizing: the forked one)
	sid        int // its session id
	srv        confServer
	foreground bool
	stderrPath string
	exited     chan struct{} // closed when cmd has been waited for
	code       int           // exit code of cmd; -1 when killed by a signal
}

func confStartDaemon(r *confRunner, args []string, srv confServer, foreground bool) (*confDaemon, error) {
	n := len(r.daemons)
	stdout, err := os.Create(filepath.Join(r.root, fmt.Sprintf("daemon%d.stdout", n)))
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	d := &confDaemon{srv: srv, foreground: foreground, exited: make(chan struct{}),
		stderrPath: filepath.Join(r.root, fmt.Sprintf("daemon%d.stderr", n))}
	stderr, err := os.Create(d.stderrPath)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd := exec.Command(r.tgt.supervisord, args...)
	cmd.Args[0] = r.tgt.supervisord
	cmd.Dir = r.work
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", r.tgt.supervisord, err)
	}
	d.cmd, d.pid, d.sid = cmd, cmd.Process.Pid, cmd.Process.Pid
	go func() {
		cmd.Wait()
		d.code = cmd.ProcessState.ExitCode()
		close(d.exited)
	}()
	return d, nil
}

// awaitReady waits until the daemon's HTTP server answers anything at all
// (a 401 counts), and learns the pid of a daemon that forked itself.
func (d *confDaemon) awaitReady(timeout time.Duration) error {
	probe := confHTTPRequest{method: "POST", path: "/RPC2", timeout: 2 * time.Second,
		body: confEncodeCall("system.listMethods", nil)}
	var lastErr error
	err := confPoll(timeout, func() bool {
		if _, lastErr = d.srv.do(probe); lastErr == nil {
			return true
		}
		select {
		case <-d.exited:
			return d.foreground || d.code != 0
		default:
			return false
		}
	})
	if err != nil {
		return fmt.Errorf("the daemon did not answer on %s within %v: %v", d.srv.addr, timeout, lastErr)
	}
	if lastErr != nil {
		msg := fmt.Sprintf("the daemon exited with status %d before answering", d.code)
		if stderr, _ := os.ReadFile(d.stderrPath); len(stderr) > 0 {
			msg += "; stderr:\n" + confIndent(string(stderr))
		}
		return errors.New(msg)
	}
	if d.foreground {
		return nil
	}
	return d.learnPid()
}

// learnPid asks a daemonized supervisord for its pid.
func (d *confDaemon) learnPid() error {
	resp, err := d.srv.do(confHTTPRequest{method: "POST", path: "/RPC2", auth: true, body: confEncodeCall("supervisor.getPID", nil)})
	if err != nil {
		return err
	}
	res, err := confDecodeResponse(resp.body)
	if err != nil || res.fault {
		return fmt.Errorf("supervisor.getPID of the daemonized supervisord: %v %s", err, res.faultString)
	}
	d.pid, _ = strconv.Atoi(res.value.text)
	d.sid = confSessionOf(d.pid)
	return nil
}

// alive reports whether the daemon process still exists.
func (d *confDaemon) alive() bool {
	if d.pid == d.cmd.Process.Pid {
		select {
		case <-d.exited:
			return false
		default:
			return true
		}
	}
	return syscall.Kill(d.pid, 0) == nil
}

// stop terminates the daemon (SIGTERM, then SIGKILL after 30 s) and kills
// whatever is left in its session.
func (d *confDaemon) stop() error {
	var err error
	if d.alive() {
		syscall.Kill(d.pid, syscall.SIGTERM)
		if confPoll(30*time.Second, func() bool { return !d.alive() }) != nil {
			err = fmt.Errorf("the daemon (pid %d) ignored SIGTERM for 30s; killed it", d.pid)
			syscall.Kill(d.pid, syscall.SIGKILL)
		}
	}
	for _, pid := range confSessionPids(d.sid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if d.cmd.Process.Pid == d.pid {
		<-d.exited
	}
	return err
}

// confSessionPids lists the processes whose session id is sid.
func confSessionPids(sid int) []int {
	if sid <= 0 {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if confSessionOf(pid) == sid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// confSessionOf reads the session id from /proc/<pid>/stat (0 if gone).
func confSessionOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	// Fields after the command name, which is in parentheses and may hold
	// anything: state ppid pgrp session ...
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 4 {
		return 0
	}
	sid, _ := strconv.Atoi(f[3])
	return sid
}

// confReadServer finds the server a config makes supervisorctl talk to: the
// [supervisorctl] serverurl, else the first unix then inet server; with
// the [supervisorctl] credentials. It also reports [supervisord] nodaemon.
func confReadServer(conf string) (confServer, bool, error) {
	ini, err := confReadINI(conf)
	if err != nil {
		return confServer{}, false, err
	}
	here := filepath.Dir(conf)
	get := func(section, key string) string {
		return strings.ReplaceAll(ini[section][key], "%(here)s", here)
	}
	foreground := confIsTrue(get("supervisord", "nodaemon"))
	var srv confServer
	switch {
	case get("supervisorctl", "serverurl") != "":
		srv, err = confParseServerURL(get("supervisorctl", "serverurl"))
	case get("unix_http_server", "file") != "":
		srv = confServer{network: "unix", addr: get("unix_http_server", "file")}
	case get("inet_http_server", "port") != "":
		port := get("inet_http_server", "port")
		host, p, ok := strings.Cut(port, ":")
		if !ok {
			host, p = "", port
		}
		if host == "" || host == "*" {
			host = "127.0.0.1"
		}
		srv = confServer{network: "tcp", addr: net.JoinHostPort(host, p)}
	default:
		err = fmt.Errorf("%s: no server to talk to", conf)
	}
	srv.user, srv.pass = get("supervisorctl", "username"), get("supervisorctl", "password")
	return srv, foreground, err
}

func confIsTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}

// confReadINI is just enough of an ini reader for confReadServer: sections, keys
// (lower-cased), values with inline " ;" comments removed.
func confReadINI(path string) (map[string]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ini := map[string]map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == ';' || trimmed[0] == '#' || line[0] == ' ' || line[0] == '\t':
			continue
		case trimmed[0] == '[':
			section = strings.Trim(trimmed, "[]")
			if ini[section] == nil {
				ini[section] = map[string]string{}
			}
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 || ini[section] == nil {
			continue
		}
		value := line[i+1:]
		if j := strings.Index(value, " ;"); j >= 0 {
			value = value[:j]
		}
		ini[section][strings.ToLower(strings.TrimSpace(line[:i]))] = strings.TrimSpace(value)
	}
	return ini, sc.Err()
}

func confListenLocal() (net.Listener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.New("no free port on 127.0.0.1: " + err.Error())
	}
	return l, nil
}
