package main

// The machine's limits, measured in the same run as the daemons: what the
// kernel and a minimal Go program can do for the same job.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// child is a spawned process with the parent's ends of its output pipes.
type child struct {
	pid   int
	pipes []*os.File
}

// spawnSleeps starts n /bin/sleep with stdout and stderr on pipes, each
// like a supervised program. syscall.ForkExec uses clone(CLONE_VFORK),
// the same kernel path as glibc's posix_spawn.
func spawnSleeps(n int) ([]child, time.Duration, error) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, 0, err
	}
	defer devnull.Close()
	kids := make([]child, 0, n)
	t0 := time.Now()
	for range n {
		outR, outW, err := os.Pipe()
		if err != nil {
			reapAll(kids)
			return nil, 0, err
		}
		errR, errW, err := os.Pipe()
		if err != nil {
			reapAll(kids)
			return nil, 0, err
		}
		pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "100000"}, &syscall.ProcAttr{
			Files: []uintptr{devnull.Fd(), outW.Fd(), errW.Fd()},
			Sys:   &syscall.SysProcAttr{Setpgid: true},
		})
		outW.Close()
		errW.Close()
		if err != nil {
			reapAll(kids)
			return nil, 0, fmt.Errorf("spawn sleep: %w", err)
		}
		kids = append(kids, child{pid, []*os.File{outR, errR}})
	}
	return kids, time.Since(t0), nil
}

// reapAll sends SIGTERM to every child, then waits for each, and returns
// how long that took.
func reapAll(kids []child) time.Duration {
	t0 := time.Now()
	for _, k := range kids {
		syscall.Kill(k.pid, syscall.SIGTERM)
	}
	for _, k := range kids {
		var ws syscall.WaitStatus
		for {
			if _, err := syscall.Wait4(k.pid, &ws, 0, nil); err != syscall.EINTR {
				break
			}
		}
	}
	took := time.Since(t0)
	for _, k := range kids {
		for _, f := range k.pipes {
			f.Close()
		}
	}
	return took
}

// spawnLimit is the time to posix_spawn n sleeps with two pipes each.
func spawnLimit(n int) (time.Duration, error) {
	kids, took, err := spawnSleeps(n)
	if err != nil {
		return 0, err
	}
	reapAll(kids)
	return took, nil
}

// killLimit is the time to SIGTERM and reap n sleeps.
func killLimit(n int) (time.Duration, error) {
	kids, _, err := spawnSleeps(n)
	if err != nil {
		return 0, err
	}
	return reapAll(kids), nil
}

// catResult is one run of the generator piped to cat.
type catResult struct {
	wall time.Duration
	cpu  time.Duration // of the cat processes only
	size int64         // bytes that reached the files
}

// catLimit pipes the helper's flood into "cat > file": one cat for stdout,
// the same cat for stdout+stderr when merged, or one per stream when
// split. The clock runs from exec of the generator to the last cat's exit.
func (b *bench) catLimit(v logVariant, total int64) (catResult, error) {
	dir, err := os.MkdirTemp(b.tmp, "cat-")
	if err != nil {
		return catResult{}, err
	}
	defer os.RemoveAll(dir)
	streams := 1
	if v.split {
		streams = 2
	}
	var cats []*exec.Cmd
	var writeEnds []*os.File
	for i := range streams {
		c, w, err := startCat(filepath.Join(dir, fmt.Sprintf("out%d", i)))
		if err != nil {
			return catResult{}, err
		}
		cats = append(cats, c)
		writeEnds = append(writeEnds, w)
	}
	gen := exec.Command(b.bins.helper, v.genArgs(total)...)
	gen.Stdout = writeEnds[0]
	gen.Stderr = writeEnds[len(writeEnds)-1]
	t0 := time.Now()
	if err := gen.Start(); err != nil {
		return catResult{}, err
	}
	for _, w := range writeEnds {
		w.Close()
	}
	genErr := gen.Wait()
	var res catResult
	for _, c := range cats {
		if err := c.Wait(); err != nil {
			return res, fmt.Errorf("cat: %w", err)
		}
		res.cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	res.wall = time.Since(t0)
	if genErr != nil {
		return res, fmt.Errorf("generator: %w", genErr)
	}
	for i := range streams {
		st, err := os.Stat(filepath.Join(dir, fmt.Sprintf("out%d", i)))
		if err != nil {
			return res, err
		}
		res.size += st.Size()
	}
	return res, nil
}

// startCat runs "cat > path" and returns it with the write end of its stdin.
func startCat(path string) (*exec.Cmd, *os.File, error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	defer out.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	c := exec.Command("cat")
	c.Stdin, c.Stdout = r, out
	if err := c.Start(); err != nil {
		w.Close()
		return nil, nil, err
	}
	return c, w, nil
}

// echoServer is the minimal Go net/http server, running.
type echoServer struct {
	cmd     *exec.Cmd
	addr    string
	startup time.Duration
}

// startEcho execs the echo server and waits until it answers.
func (b *bench) startEcho() (*echoServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(b.bins.echo, "-addr", addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	body, _ := encodeCall("supervisor.getState")
	at, err := waitAnswering(addr, body, time.Now().Add(10*time.Second))
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	return &echoServer{cmd: cmd, addr: addr, startup: at.Sub(t0)}, nil
}

func (e *echoServer) stop() {
	e.cmd.Process.Kill()
	e.cmd.Wait()
}
