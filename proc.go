// Processes: the state machine of one supervised program and the spawning,
// signalling and reaping of its children (PROC-01..29). Every method here
// runs on the supervisor loop; goroutines that read pipes or feed stdin only
// post work back to it.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ProcessState is a process's state as XML-RPC reports it (PROC-01).
type ProcessState int

const (
	StateStopped  ProcessState = 0
	StateStarting ProcessState = 10
	StateRunning  ProcessState = 20
	StateBackoff  ProcessState = 30
	StateStopping ProcessState = 40
	StateExited   ProcessState = 100
	StateFatal    ProcessState = 200
	StateUnknown  ProcessState = 1000
)

func (s ProcessState) String() string {
	switch s {
	case StateStopped:
		return "STOPPED"
	case StateStarting:
		return "STARTING"
	case StateRunning:
		return "RUNNING"
	case StateBackoff:
		return "BACKOFF"
	case StateStopping:
		return "STOPPING"
	case StateExited:
		return "EXITED"
	case StateFatal:
		return "FATAL"
	}
	return "UNKNOWN"
}

// isStopped: STOPPED, EXITED, FATAL and UNKNOWN.
func (s ProcessState) isStopped() bool {
	return s == StateStopped || s == StateExited || s == StateFatal || s == StateUnknown
}

// isRunning: the states a start request refuses (RUNNING, BACKOFF, STARTING).
func (s ProcessState) isRunning() bool {
	return s == StateRunning || s == StateBackoff || s == StateStarting
}

// isSignallable: the states with a live child.
func (s ProcessState) isSignallable() bool {
	return s == StateRunning || s == StateStarting || s == StateStopping
}

// Process is one supervised process and its state machine.
type Process struct {
	cfg   *ProcessConfig
	group *Group
	sup   *Supervisor

	state          ProcessState
	pid            int
	laststart      time.Time
	laststop       time.Time
	laststopreport time.Time
	delay          time.Time // next deadline: retry (BACKOFF) or SIGKILL (STOPPING)
	killing        bool      // a stop signal was sent
	backoff        int
	exitstatus     int
	spawnerr       string

	stdoutLog *logFile // nil for NONE
	stderrLog *logFile
	stdin     *stdinWriter  // the current spawn's stdin; nil when not running
	outputs   []*outputChan // the current spawn's stdout/stderr pipes
	listener  *listenerState
}

func newProcess(s *Supervisor, g *Group, cfg *ProcessConfig) *Process {
	return &Process{cfg: cfg, group: g, sup: s}
}

// Name is the process name; Namespec the name clients use for it (RPC-06).
func (p *Process) Name() string     { return p.cfg.Name }
func (p *Process) Namespec() string { return makeNamespec(p.group.cfg.Name, p.cfg.Name) }

// changeState moves to a new state and emits its PROCESS_STATE event.
func (p *Process) changeState(to ProcessState, expected bool) {
	from := p.state
	if from == to {
		return
	}
	p.state = to
	if to == StateBackoff {
		p.backoff++
		p.delay = time.Now().Add(time.Duration(p.backoff) * time.Second)
	}
	p.sup.processStateChanged(p, from, expected)
}

// spawn starts the program (PROC-03/04). Failures before a child exists put
// the process in BACKOFF with spawnerr set.
func (p *Process) spawn() {
	log := p.sup.log
	if p.pid != 0 {
		log.Warnf("process '%s' already running", p.cfg.Name)
		return
	}
	p.killing = false
	p.spawnerr = ""
	p.exitstatus = 0
	p.laststart = time.Now()
	p.changeState(StateStarting, true)

	path, argv, err := p.resolveCommand()
	if err != nil {
		p.spawnFailed(err.Error())
		return
	}
	if p.listener != nil {
		p.listener.reset()
	}
	pid, err := p.startChild(path, argv)
	if err != nil {
		p.spawnFailed(err.Error())
		return
	}
	p.pid = pid
	p.sup.pids[pid] = p
	log.Infof("spawned: '%s' with pid %d", p.cfg.Name, pid)
	p.spawnerr = ""
}

func (p *Process) spawnFailed(msg string) {
	p.spawnerr = msg
	p.sup.log.Infof("spawnerr: %s", msg)
	p.changeState(StateBackoff, true)
}

// commandError is a problem with command= found before forking; it maps to
// the NO_FILE or NOT_EXECUTABLE fault when a client asks for the start.
type commandError struct {
	notFound bool
	msg      string
}

func (e *commandError) Error() string { return e.msg }

// resolveCommand splits command= and finds the program as 4.2.5 does:
// a name with a slash is used as-is, otherwise it is searched in the PATH of
// the program's environment=, else supervisord's PATH.
func (p *Process) resolveCommand() (string, []string, error) {
	argv, err := splitCommand(p.cfg.Command)
	if err != nil {
		return "", nil, &commandError{msg: fmt.Sprintf("can't parse command %s: %s", pyRepr(p.cfg.Command), err)}
	}
	if len(argv) == 0 {
		return "", nil, &commandError{msg: "command is empty"}
	}
	prog := argv[0]
	filename := prog
	var st os.FileInfo
	if strings.Contains(prog, "/") {
		st, _ = os.Stat(prog)
	} else {
		for _, dir := range p.searchPath() {
			cand := filepath.Join(dir, prog)
			if fi, err := os.Stat(cand); err == nil {
				filename, st = cand, fi
				break
			}
		}
	}
	switch {
	case st == nil:
		return "", nil, &commandError{notFound: true, msg: fmt.Sprintf("can't find command %s", pyRepr(filename))}
	case st.IsDir():
		return "", nil, &commandError{msg: fmt.Sprintf("command at %s is a directory", pyRepr(filename))}
	case st.Mode().Perm()&0o111 == 0:
		return "", nil, &commandError{msg: fmt.Sprintf("command at %s is not executable", pyRepr(filename))}
	case unix.Access(filename, unix.X_OK) != nil:
		return "", nil, &commandError{msg: fmt.Sprintf("no permission to run command %s", pyRepr(filename))}
	}
	return filename, argv, nil
}

func (p *Process) searchPath() []string {
	if path, ok := p.cfg.Environment["PATH"]; ok {
		return filepath.SplitList(path)
	}
	if path := os.Getenv("PATH"); path != "" {
		return filepath.SplitList(path)
	}
	return []string{"/bin", "/usr/bin", "/usr/local/bin"}
}

// environ builds the child's environment (PROC-28): supervisord's own, the
// SUPERVISOR_* variables, then environment= (which may override them).
func (p *Process) environ() []string {
	env := make(map[string]string)
	for _, kv := range p.sup.environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env["SUPERVISOR_ENABLED"] = "1"
	if url := p.serverURL(); url != "" {
		env["SUPERVISOR_SERVER_URL"] = url
	}
	env["SUPERVISOR_PROCESS_NAME"] = p.cfg.Name
	env["SUPERVISOR_GROUP_NAME"] = p.group.cfg.Name
	for k, v := range p.cfg.Environment {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func (p *Process) serverURL() string {
	if p.cfg.ServerURL != "" {
		return p.cfg.ServerURL
	}
	return p.sup.serverURL
}

// stop asks the process to stop (administrative stop, PROC-12).
func (p *Process) stop() string {
	p.laststopreport = time.Time{}
	return p.kill(p.cfg.StopSignal)
}

// kill sends sig meaning to end the process; it returns an error text, or
// "" when the signal was sent or the process was in BACKOFF (-> STOPPED).
func (p *Process) kill(sig syscall.Signal) string {
	log := p.sup.log
	if p.state == StateBackoff {
		log.Debugf("Attempted to kill %s, which is in BACKOFF state.", p.cfg.Name)
		p.changeState(StateStopped, true)
		return ""
	}
	if p.pid == 0 {
		msg := fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running", p.cfg.Name, signalName(sig))
		log.Debugf("%s", msg)
		return msg
	}
	asGroup := p.cfg.StopAsGroup
	if p.state == StateStopping {
		asGroup = p.cfg.KillAsGroup
	}
	groupText := ""
	target := p.pid
	if asGroup {
		groupText = "process group "
		target = -p.pid
	}
	log.Debugf("killing %s (pid %d) %swith signal %s", p.cfg.Name, p.pid, groupText, signalName(sig))
	p.killing = true
	p.delay = time.Now().Add(time.Duration(p.cfg.StopWaitSecs) * time.Second)
	p.changeState(StateStopping, true)
	if err := syscall.Kill(target, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			log.Debugf("unable to signal %s (pid %d), it probably just exited on its own: %v", p.cfg.Name, p.pid, err)
			return ""
		}
		msg := fmt.Sprintf("unknown problem killing %s (%d):%v", p.cfg.Name, p.pid, err)
		log.Critf("%s", msg)
		p.changeState(StateUnknown, true)
		p.killing = false
		p.delay = time.Time{}
		return msg
	}
	return ""
}

// signal sends sig without meaning to stop the process (PROC-17).
func (p *Process) signal(sig syscall.Signal) string {
	log := p.sup.log
	if p.pid == 0 {
		msg := fmt.Sprintf("attempted to send %s sig %s but it wasn't running", p.cfg.Name, signalName(sig))
		log.Debugf("%s", msg)
		return msg
	}
	log.Debugf("sending %s (pid %d) sig %s", p.cfg.Name, p.pid, signalName(sig))
	if err := syscall.Kill(p.pid, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			log.Debugf("unable to signal %s (pid %d), it probably just now exited on its own: %v", p.cfg.Name, p.pid, err)
			return ""
		}
		msg := fmt.Sprintf("unknown problem sending sig %s (%d):%v", p.cfg.Name, p.pid, err)
		log.Critf("%s", msg)
		p.changeState(StateUnknown, true)
		return msg
	}
	return ""
}

// finish records the exit of the child (PROC-06/08/14).
func (p *Process) finish(ws syscall.WaitStatus) {
	p.drainOutput()
	now := time.Now()
	es, how := decodeWaitStatus(ws)
	p.laststop = now
	tooQuickly := false
	if now.After(p.laststart) {
		tooQuickly = now.Sub(p.laststart) < time.Duration(p.cfg.StartSecs)*time.Second
	} else {
		p.sup.log.Warnf("process '%s' (%d) laststart time is in the future, don't know how long process was running so assuming it did not exit too quickly", p.cfg.Name, p.pid)
	}
	expected := es >= 0 && containsInt(p.cfg.ExitCodes, es)
	log := p.sup.log
	switch {
	case p.killing:
		p.killing = false
		p.delay = time.Time{}
		p.exitstatus = es
		p.changeState(StateStopped, true)
		if expected {
			log.Infof("stopped: %s (%s)", p.cfg.Name, how)
		} else {
			log.Warnf("stopped: %s (%s)", p.cfg.Name, how)
		}
	case tooQuickly:
		p.exitstatus = 0
		p.spawnerr = "Exited too quickly (process log may have details)"
		p.changeState(StateBackoff, false)
		log.Warnf("exited: %s (%s; not expected)", p.cfg.Name, how)
	default:
		p.delay = time.Time{}
		p.backoff = 0
		p.exitstatus = es
		if p.state == StateStarting {
			p.changeState(StateRunning, true)
		}
		if expected {
			p.changeState(StateExited, true)
			log.Infof("exited: %s (%s; expected)", p.cfg.Name, how)
		} else {
			p.spawnerr = fmt.Sprintf("Bad exit code %d", es)
			p.changeState(StateExited, false)
			log.Warnf("exited: %s (%s; not expected)", p.cfg.Name, how)
		}
	}
	p.pid = 0
	p.closeIO()
	if p.listener != nil {
		p.sup.listenerExited(p)
	}
}

// transition advances the state machine by one step if a condition or a
// deadline says so; it runs on every pass of the loop (PROC-05/07/10/13).
func (p *Process) transition(now time.Time, supRunning bool) {
	if supRunning {
		switch {
		case p.state == StateExited:
			if p.wantsRestart() && !now.Before(p.restartAt()) {
				p.spawn()
			}
		case p.state == StateStopped && p.laststart.IsZero():
			if p.cfg.Autostart {
				p.spawn()
			}
		case p.state == StateBackoff:
			if p.backoff <= p.cfg.StartRetries && !now.Before(p.delay) {
				p.spawn()
			}
		}
	}
	// The state after a spawn counts too, so a startsecs=0 process is
	// RUNNING before its exit can be seen, as it always is in 4.2.5.
	switch p.state {
	case StateStarting:
		if now.Sub(p.laststart) >= time.Duration(p.cfg.StartSecs)*time.Second {
			p.delay = time.Time{}
			p.backoff = 0
			p.changeState(StateRunning, true)
			p.sup.log.Infof("success: %s entered RUNNING state, process has stayed up for > than %d seconds (startsecs)", p.cfg.Name, p.cfg.StartSecs)
		}
	case StateBackoff:
		if p.backoff > p.cfg.StartRetries {
			p.giveUp()
			p.sup.log.Infof("gave up: %s entered FATAL state, too many start retries too quickly", p.cfg.Name)
		}
	case StateStopping:
		if !now.Before(p.delay) {
			p.sup.log.Warnf("killing '%s' (%d) with SIGKILL", p.cfg.Name, p.pid)
			p.kill(syscall.SIGKILL)
		}
	}
}

// wantsRestart applies autorestart= to an EXITED process (PROC-10).
func (p *Process) wantsRestart() bool {
	switch p.cfg.Autorestart {
	case RestartAlways:
		return true
	case RestartUnexpected:
		return !containsInt(p.cfg.ExitCodes, p.exitstatus)
	}
	return false
}

// restartAt is when an EXITED process may be restarted: at once if it ran
// for a second or more, else a second after its last start. That keeps
// 4.2.5's pace for a program that exits at once (4.2.5 restarts on its
// next one-second loop pass) so a crash loop never eats a core, while a
// program that ran for a while is back in milliseconds.
func (p *Process) restartAt() time.Time {
	return p.laststart.Add(time.Second)
}

// nextDeadline is when transition next has something to do, or zero.
func (p *Process) nextDeadline(supRunning bool) time.Time {
	switch p.state {
	case StateStarting:
		return p.laststart.Add(time.Duration(p.cfg.StartSecs) * time.Second)
	case StateBackoff:
		if p.backoff > p.cfg.StartRetries {
			return time.Now()
		}
		if supRunning {
			return p.delay
		}
	case StateExited:
		if supRunning && p.wantsRestart() {
			return p.restartAt()
		}
	case StateStopping:
		return p.delay
	}
	return time.Time{}
}

// giveUp: BACKOFF -> FATAL.
func (p *Process) giveUp() {
	p.delay = time.Time{}
	p.backoff = 0
	p.changeState(StateFatal, true)
}

// decodeWaitStatus returns the exit status (-1 for a signal) and 4.2.5's
// description of it (PROC-09).
func decodeWaitStatus(ws syscall.WaitStatus) (int, string) {
	switch {
	case ws.Exited():
		return ws.ExitStatus(), fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		msg := "terminated by " + signalName(ws.Signal())
		if ws.CoreDump() {
			msg += " (core dumped)"
		}
		return -1, msg
	}
	return -1, fmt.Sprintf("unknown termination cause 0x%04x", int(ws))
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// openLogs prepares the process's log files when its group is added:
// AUTO names are made (and the files created) now, explicit files are
// opened at the first spawn (LOG-11, LOG-15). A channel whose AUTO file
// cannot be made is logged and left without a file; the other one still
// gets its own.
func (p *Process) openLogs(childlogdir, identifier string) error {
	var errOut, errErr error
	p.stdoutLog, errOut = newChildLog(p.cfg.Name, "stdout", p.cfg.Stdout, childlogdir, identifier)
	p.stderrLog, errErr = newChildLog(p.cfg.Name, "stderr", p.cfg.Stderr, childlogdir, identifier)
	return errors.Join(errOut, errErr)
}

func newChildLog(name, channel string, lc LogConfig, childlogdir, identifier string) (*logFile, error) {
	path := lc.File
	if lc.Auto {
		var err error
		path, err = makeAutoLogFile(childlogdir, fmt.Sprintf("%s-%s---%s-", name, channel, identifier))
		if err != nil {
			return nil, fmt.Errorf("process %q: %w", name, err)
		}
	}
	if path == "" {
		return nil, nil
	}
	return &logFile{path: path, maxBytes: lc.MaxBytes, backups: lc.Backups}, nil
}

func (p *Process) reopenLogs() {
	for _, l := range []*logFile{p.stdoutLog, p.stderrLog} {
		if l != nil {
			l.Reopen()
		}
	}
}

func (p *Process) closeLogs() {
	for _, l := range []*logFile{p.stdoutLog, p.stderrLog} {
		if l != nil {
			l.Close()
		}
	}
}

// drainOutput takes what the exited child left in its pipes and closes
// them, then lets the loop act on it, so output events come before the
// exit's state event as in 4.2.5. A grandchild holding a pipe open keeps
// nothing alive (PROC-04).
func (p *Process) drainOutput() {
	for _, ch := range p.outputs {
		ch.drainAndClose()
	}
	p.outputs = nil
	p.sup.output.run(p.sup)
}

// closeIO ends the rest of a spawn's I/O: stdin, and its share of a
// FastCGI socket.
func (p *Process) closeIO() {
	if p.stdin != nil {
		p.stdin.close()
		p.stdin = nil
	}
	if p.group.fcgi != nil {
		p.group.fcgi.release()
	}
}

// startIO starts copying a new child's output and feeding its stdin.
func (p *Process) startIO(pid int, pp *pipes) {
	p.stdin = &stdinWriter{f: pp.stdinW, closed: pp.stdinW == nil}
	out := p.copier(pid, "stdout", p.stdoutLog, p.cfg.Stdout)
	if p.listener != nil {
		// A listener's stdout carries the protocol: it is never captured,
		// sent to syslog or turned into PROCESS_LOG events.
		out.capture = nil
		out.sys = nil
		out.onData = nil
		out.onRaw = func(data []byte) {
			if p.pid == pid {
				p.sup.listenerOutput(p, data)
			}
		}
	}
	p.watch(pp.stdoutR, out)
	if pp.stderrR >= 0 {
		p.watch(pp.stderrR, p.copier(pid, "stderr", p.stderrLog, p.cfg.Stderr))
	}
}

// watch hands a pipe to the output reader.
func (p *Process) watch(fd int, c *outputCopier) {
	ch, err := p.sup.mux.add(fd, c)
	if err != nil {
		p.sup.log.Errorf("process %q: cannot read its output: %v", p.cfg.Name, err)
		syscall.Close(fd)
		if c.file != nil {
			c.file.release()
		}
		return
	}
	p.outputs = append(p.outputs, ch)
}

func (p *Process) copier(pid int, channel string, file *logFile, lc LogConfig) *outputCopier {
	s := p.sup
	c := &outputCopier{
		name:    p.cfg.Name,
		channel: channel,
		mainlog: s.log,
		strip:   s.cfg.Supervisord.StripANSI,
		queue:   s.output,
	}
	if file != nil && file.acquire() == nil {
		c.file = file
		file.onError = func(err error) { s.log.Errorf("%v", err) }
	}
	if lc.Syslog {
		c.sys = s.syslogWriter()
	}
	if lc.CaptureMaxBytes > 0 {
		c.capture = &captureBuffer{maxBytes: int(lc.CaptureMaxBytes)}
		typ := evProcessCommStdout
		if channel == "stderr" {
			typ = evProcessCommStderr
		}
		c.onComm = func(data []byte) { s.processOutput(typ, p, pid, channel, data) }
	}
	if lc.EventsEnabled {
		typ := evProcessLogStdout
		if channel == "stderr" {
			typ = evProcessLogStderr
		}
		c.onData = func(data []byte) { s.processOutput(typ, p, pid, channel, data) }
	}
	return c
}
