// Spawning: pipes, fork/exec and the child-side setup of 4.2.5 (PROC-04).
//
// The fast path is one fork/exec of the program itself. Two cases re-execute
// this binary inside the child instead, because Go's ForkExec cannot do them:
// umask= (the trampoline sets the umask, then execs the program in the same
// pid) and child-side failures such as a bad directory=, which 4.2.5 reports
// from a child that exits 127 after writing "supervisor: ..." to its stderr.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Arguments that make this binary act as a child-side helper.
const (
	trampolineArg   = "__supervisord_exec__"
	spawnFailureArg = "__supervisord_spawn_failure__"
	limitProbeArg   = "__supervisord_limit_probe__"
)

// runChildHelper runs the child side of a spawn when args ask for it and
// reports whether they did.
func runChildHelper(args []string) (int, bool) {
	if len(args) < 2 {
		return 0, false
	}
	switch args[1] {
	case limitProbeArg:
		return 0, true
	case spawnFailureArg:
		for _, msg := range args[2:] {
			os.Stderr.WriteString("supervisor: " + msg + "\n")
		}
		os.Stderr.WriteString("supervisor: child process was not spawned\n")
		return 127, true
	case trampolineArg:
		// args: [argv0, trampolineArg, umask(octal), path, argv...]
		if len(args) < 5 {
			return 127, true
		}
		mask, _ := strconv.ParseInt(args[2], 8, 32)
		unix.Umask(int(mask))
		err := syscall.Exec(args[3], args[4:], os.Environ())
		os.Stderr.WriteString(fmt.Sprintf("supervisor: couldn't exec %s: %s\n", args[4], errnoName(err)))
		os.Stderr.WriteString("supervisor: child process was not spawned\n")
		return 127, true
	}
	return 0, false
}

// startChild makes the pipes and forks the program; the returned error text
// is 4.2.5's spawnerr for failures that leave no child.
func (p *Process) startChild(path string, argv []string) (int, error) {
	pp, err := makePipes(!p.cfg.RedirectStderr)
	if err != nil {
		if errors.Is(err, syscall.EMFILE) {
			return 0, fmt.Errorf("too many open files to spawn '%s'", p.cfg.Name)
		}
		return 0, fmt.Errorf("unknown error making dispatchers for '%s': %s", p.cfg.Name, errnoName(err))
	}
	attr := &syscall.ProcAttr{
		Env:   p.environ(),
		Files: pp.childFds(),
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	if fcgi := p.group.fcgi; fcgi != nil {
		// A FastCGI child's fd 0 is the group's socket, not a pipe.
		sock, err := fcgi.acquire()
		if err != nil {
			pp.closeChildEnds()
			pp.closeParentEnds()
			return 0, err
		}
		attr.Files[0] = sock.Fd()
		pp.stdinW.Close()
		pp.stdinW = nil
	}
	pid, err := p.forkExec(path, argv, attr)
	pp.closeChildEnds()
	if err != nil {
		pp.closeParentEnds()
		if p.group.fcgi != nil {
			p.group.fcgi.release()
		}
		return 0, err
	}
	p.startIO(pid, pp)
	return pid, nil
}

// forkExec runs the program, or a helper that reproduces the child-side
// failure 4.2.5 would have had, so the outcome is always a pid that exits.
func (p *Process) forkExec(path string, argv []string, attr *syscall.ProcAttr) (int, error) {
	if msg := p.credentials(attr.Sys); msg != "" {
		return forkHelper(attr, spawnFailureArg, fmt.Sprintf("couldn't setuid to %d: %s", p.cfg.UID, msg))
	}
	attr.Dir = p.cfg.Directory
	execPath, execArgv := path, argv
	if p.cfg.Umask >= 0 {
		execPath = "/proc/self/exe"
		execArgv = append([]string{"supervisord", trampolineArg, strconv.FormatInt(int64(p.cfg.Umask), 8), path}, argv...)
	}
	pid, err := syscall.ForkExec(execPath, execArgv, attr)
	if err == nil {
		return pid, nil
	}
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return 0, fmt.Errorf("Too many processes in process table to spawn '%s'", p.cfg.Name)
	case errors.Is(err, syscall.ENOMEM):
		return 0, fmt.Errorf("unknown error during fork for '%s': %s", p.cfg.Name, errnoName(err))
	}
	attr.Dir = ""
	attr.Sys.Credential = nil
	if p.cfg.Directory != "" && !isEnterableDir(p.cfg.Directory) {
		return forkHelper(attr, spawnFailureArg, fmt.Sprintf("couldn't chdir to %s: %s", p.cfg.Directory, errnoName(err)))
	}
	return forkHelper(attr, spawnFailureArg, fmt.Sprintf("couldn't exec %s: %s", argv[0], errnoName(err)))
}

func forkHelper(attr *syscall.ProcAttr, args ...string) (int, error) {
	pid, err := syscall.ForkExec("/proc/self/exe", append([]string{"supervisord"}, args...), attr)
	if err != nil {
		return 0, fmt.Errorf("unknown error during fork: %s", errnoName(err))
	}
	return pid, nil
}

func isEnterableDir(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir() && unix.Access(dir, unix.X_OK) == nil
}

// credentials sets up user= for the child the way 4.2.5 drops privileges
// (all of the user's groups, primary first); it returns 4.2.5's failure text.
func (p *Process) credentials(sys *syscall.SysProcAttr) string {
	if p.cfg.UID < 0 {
		return ""
	}
	uid := p.cfg.UID
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return fmt.Sprintf("Can't find uid %d", uid)
	}
	if os.Getuid() == uid {
		return ""
	}
	if os.Getuid() != 0 {
		return "Can't drop privilege as nonroot user"
	}
	gid, _ := strconv.Atoi(u.Gid)
	var groups []uint32
	for _, g := range userGroups(uid, gid) {
		groups = append(groups, uint32(g))
	}
	sys.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}
	return ""
}

// errnoName is the symbolic errno name 4.2.5 prints (errno.errorcode).
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
		return strconv.Itoa(int(errno))
	}
	return err.Error()
}

// pipes are the three standard streams of one spawn. The output read
// ends are raw non-blocking fds for the output reader; the child's ends
// are files.
type pipes struct {
	stdinR, stdinW *os.File
	stdoutR        int
	stdoutW        *os.File
	stderrR        int      // -1 when stderr is redirected
	stderrW        *os.File // nil when stderr is redirected
}

func makePipes(stderr bool) (*pipes, error) {
	pp := &pipes{stdoutR: -1, stderrR: -1}
	var err error
	if pp.stdinR, pp.stdinW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if pp.stdoutR, pp.stdoutW, err = outputPipe("stdout"); err != nil {
		pp.closeChildEnds()
		pp.closeParentEnds()
		return nil, err
	}
	if stderr {
		if pp.stderrR, pp.stderrW, err = outputPipe("stderr"); err != nil {
			pp.closeChildEnds()
			pp.closeParentEnds()
			return nil, err
		}
	}
	return pp, nil
}

// outputPipe makes a pipe whose read end is non-blocking for the reader
// and whose write end is an ordinary blocking file for the child.
func outputPipe(name string) (int, *os.File, error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return -1, nil, err
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, nil, err
	}
	return p[0], os.NewFile(uintptr(p[1]), name), nil
}

// childFds are the child's fds 0, 1 and 2.
func (pp *pipes) childFds() []uintptr {
	errW := pp.stdoutW
	if pp.stderrW != nil {
		errW = pp.stderrW
	}
	return []uintptr{pp.stdinR.Fd(), pp.stdoutW.Fd(), errW.Fd()}
}

func (pp *pipes) closeChildEnds() {
	for _, f := range []*os.File{pp.stdinR, pp.stdoutW, pp.stderrW} {
		if f != nil {
			f.Close()
		}
	}
}

func (pp *pipes) closeParentEnds() {
	if pp.stdinW != nil {
		pp.stdinW.Close()
	}
	for _, fd := range []int{pp.stdoutR, pp.stderrR} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}

// stdinWriter feeds a child's stdin without ever blocking the loop: writes
// queue up and a goroutine, started only while there is something to write,
// drains them (RPC-27).
type stdinWriter struct {
	mu      sync.Mutex
	f       *os.File
	queue   []byte
	writing bool
	closed  bool
}

var errStdinClosed = errors.New("stdin closed")

// write sends b to the child's stdin. What the pipe takes at once is
// written here, so a closed stdin is reported to this caller (EPIPE), as
// 4.2.5's synchronous flush reports it; the rest is queued for a goroutine,
// so a child that does not read never blocks the loop.
func (w *stdinWriter) write(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errStdinClosed
	}
	if !w.writing {
		n, err := w.writeNow(b)
		if err != nil {
			w.closed = true
			w.f.Close()
			return err
		}
		if b = b[n:]; len(b) == 0 {
			return nil
		}
	}
	w.queue = append(w.queue, b...)
	if !w.writing {
		w.writing = true
		go w.drain()
	}
	return nil
}

func (w *stdinWriter) drain() {
	for {
		w.mu.Lock()
		if len(w.queue) == 0 || w.closed {
			w.writing = false
			w.mu.Unlock()
			return
		}
		chunk := w.queue
		w.queue = nil
		w.mu.Unlock()
		if _, err := w.f.Write(chunk); err != nil {
			w.close()
			return
		}
	}
}

// writeNow makes one non-blocking write; a full pipe writes nothing.
func (w *stdinWriter) writeNow(b []byte) (int, error) {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return true
	}); err != nil {
		return 0, err
	}
	if werr == syscall.EAGAIN {
		return 0, nil
	}
	return max(n, 0), werr
}

// close stops feeding and closes the pipe; queued bytes are dropped.
func (w *stdinWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		w.writing = false
		w.f.Close()
	}
}

// userGroups lists the groups of the user with uid, its primary group gid
// first, the way 4.2.5 sets them when dropping privileges.
func userGroups(uid, gid int) []int {
	groups := []int{gid}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return groups
	}
	ids, err := u.GroupIds()
	if err != nil {
		return groups
	}
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil && g != gid {
			groups = append(groups, g)
		}
	}
	return groups
}

// currentUserName is the name of the effective user, for error texts.
func currentUserName() string {
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}
