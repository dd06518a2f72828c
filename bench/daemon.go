package main

import (
	"bytes"
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

// flavor is one supervisord under test and its supervisorctl.
type flavor struct {
	who    who
	name   string
	daemon string
	ctl    string
	env    []string // extra environment (the profiling build's address)
}

// instance is one running daemon with its own directory, config and port.
type instance struct {
	fl      *flavor
	dir     string
	conf    string
	port    int
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	exitAt  time.Time
}

// configHead is the part of every generated config that is not programs:
// files in the instance's directory, RPC on a 127.0.0.1 port, the unix
// socket for supervisorctl, and enough descriptors for 1000 programs.
const configHead = `[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
loglevel=info
minfds=8192

[unix_http_server]
file=%[1]s/supervisor.sock

[inet_http_server]
port=127.0.0.1:%[2]d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%[1]s/supervisor.sock

`

// sleepPrograms are n programs running /bin/sleep, RUNNING at once.
func sleepPrograms(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[program:s%04d]\ncommand=/bin/sleep 100000\nstartsecs=0\nautorestart=false\n\n", i)
	}
	return b.String()
}

// freePort asks the kernel for a free 127.0.0.1 port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch writes the config (programs may use %[1]s for the instance's
// directory) and starts the daemon in the foreground.
func (b *bench) launch(fl *flavor, programs string) (*instance, error) {
	dir, err := os.MkdirTemp(b.tmp, strings.ReplaceAll(fl.name, ".", "")+"-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	in := &instance{fl: fl, dir: dir, port: port, conf: filepath.Join(dir, "supervisord.conf"), done: make(chan struct{})}
	text := fmt.Sprintf(configHead, dir, port) + strings.ReplaceAll(programs, "%[1]s", dir)
	if err := os.WriteFile(in.conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "daemon.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	in.cmd = exec.Command(fl.daemon, "-n", "-c", in.conf)
	in.cmd.Dir = dir
	in.cmd.Stdout, in.cmd.Stderr = out, out
	in.cmd.Env = append(os.Environ(), fl.env...)
	// Its own process group: a ^C at the terminal reaches the harness,
	// which stops the daemon itself.
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in.started = time.Now()
	if err := in.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", fl.name, err)
	}
	b.track(in)
	go func() {
		in.cmd.Wait()
		in.exitAt = time.Now()
		close(in.done)
	}()
	return in, nil
}

func (in *instance) pid() int     { return in.cmd.Process.Pid }
func (in *instance) addr() string { return fmt.Sprintf("127.0.0.1:%d", in.port) }

func (in *instance) client() *rpcClient { return newRPCClient(in.addr(), true) }

// waitRPC returns how long after exec the daemon first answered.
func (in *instance) waitRPC() (time.Duration, error) {
	body, _ := encodeCall("supervisor.getState")
	at, err := waitAnswering(in.addr(), body, time.Now().Add(60*time.Second))
	if err != nil {
		return 0, fmt.Errorf("%s: %w%s", in.fl.name, err, in.tail())
	}
	return at.Sub(in.started), nil
}

// tail is the end of the daemon's output, for error messages.
func (in *instance) tail() string {
	b, _ := os.ReadFile(filepath.Join(in.dir, "daemon.out"))
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	if len(b) == 0 {
		return ""
	}
	return "\n" + string(b)
}

// waitRunning waits until the main log says n processes entered RUNNING
// and returns when that was seen. Reading the log, not polling
// getAllProcessInfo, keeps the observer from loading the daemon (4.2.5
// takes seconds per call at 1000 programs).
func (in *instance) waitRunning(n int, deadline time.Time) (time.Time, error) {
	path := filepath.Join(in.dir, "supervisord.log")
	marker := []byte("entered RUNNING state")
	var off int64
	seen := 0
	var partial []byte
	for {
		f, err := os.Open(path)
		if err == nil {
			buf := make([]byte, 1<<20)
			for {
				k, _ := f.ReadAt(buf, off)
				if k == 0 {
					break
				}
				off += int64(k)
				data := append(partial, buf[:k]...)
				last := bytes.LastIndexByte(data, '\n')
				seen += bytes.Count(data[:last+1], marker)
				partial = append([]byte(nil), data[last+1:]...)
			}
			f.Close()
		}
		if seen >= n {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%s: %d of %d programs RUNNING%s", in.fl.name, seen, n, in.tail())
		}
		select {
		case <-in.done:
			return time.Time{}, fmt.Errorf("%s exited%s", in.fl.name, in.tail())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// terminate sends SIGTERM and returns how long the daemon took to exit.
func (in *instance) terminate(limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
		return in.exitAt.Sub(t0), nil
	case <-time.After(limit):
		return 0, fmt.Errorf("%s still running %v after SIGTERM", in.fl.name, limit)
	}
}

// stop ends the daemon however it can and removes its directory.
func (b *bench) stop(in *instance) {
	select {
	case <-in.done:
	default:
		in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(60 * time.Second):
			in.cmd.Process.Kill()
			<-in.done
		}
	}
	b.untrack(in)
	if !b.keep {
		os.RemoveAll(in.dir)
	}
}

// rssBytes is VmRSS of pid.
func rssBytes(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// clockTick is USER_HZ, 100 on every Linux the harness targets.
const clockTick = 10 * time.Millisecond

// cpuTime is utime+stime of pid (all its threads, living or gone).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which may contain spaces: state is
	// field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

const mib = 1 << 20
