// The supervisor loop: one goroutine owns the process table, every process
// state and every group (SUP-12). Signals, reaped children, pipe readers and
// HTTP handlers reach it only through channels; deadlines are timers.
package main

import (
	"errors"
	"log/syslog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// SupState is the daemon's own state (PROC-02).
type SupState int

const (
	SupShutdown   SupState = -1
	SupRestarting SupState = 0
	SupRunning    SupState = 1
	SupFatal      SupState = 2
)

func (s SupState) String() string {
	switch s {
	case SupShutdown:
		return "SHUTDOWN"
	case SupRestarting:
		return "RESTARTING"
	case SupFatal:
		return "FATAL"
	}
	return "RUNNING"
}

// Group is an active process group.
type Group struct {
	cfg   *GroupConfig
	procs []*Process  // priority, then name order
	pool  *Pool       // event listener pools only
	fcgi  *fcgiSocket // FastCGI programs only
}

// unstopped lists the group's processes that are not in a stopped state.
func (g *Group) unstopped() []*Process {
	var out []*Process
	for _, p := range g.procs {
		if !p.state.isStopped() {
			out = append(out, p)
		}
	}
	return out
}

// allStopped reports whether every process is in a stopped state.
func (g *Group) allStopped() bool {
	return !slices.ContainsFunc(g.procs, func(p *Process) bool { return !p.state.isStopped() })
}

// stopAll stops the group for shutdown: descending priority, running and
// starting processes are stopped, BACKOFF ones given up (PROC-23). Shutdown
// calls it on every pass until the group has stopped, so the usual case,
// nothing left to stop, costs no allocation.
func (g *Group) stopAll() {
	if !slices.ContainsFunc(g.procs, func(p *Process) bool {
		return p.state == StateRunning || p.state == StateStarting || p.state == StateBackoff
	}) {
		return
	}
	procs := slices.Clone(g.procs)
	slices.Reverse(procs)
	slices.SortStableFunc(procs, func(a, b *Process) int { return b.cfg.Priority - a.cfg.Priority })
	for _, p := range procs {
		switch p.state {
		case StateRunning, StateStarting:
			p.stop()
		case StateBackoff:
			p.giveUp()
		}
	}
}

// Supervisor is the daemon between a (re)load and the next.
type Supervisor struct {
	cfg       *Config
	log       *Logger
	environ   []string // supervisord's environment, given to children
	serverURL string   // SUPERVISOR_SERVER_URL for children (CFG-69c)

	groups  []*Group // in the order they were added
	ordered []*Group // by priority, ties in the order added (see sortGroups)
	pids    map[int]*Process
	state   SupState

	stopping           bool
	stopGroups         []*Group
	lastShutdownReport time.Time

	inbox chan func(*Supervisor)
	done  chan struct{} // closed when the loop has ended
	daemonSignals
	replies []func() // RPC answers, sent once the pass that follows their request is done
	waiters []func(now time.Time) bool

	mux    *outputMux   // reads the children's output pipes
	output *outputQueue // what that reader hands to the loop
	events eventBus
	syslog *syslog.Writer // shared by children with *_syslog=true
}

// syslogWriter connects to syslog on first use; nil if that fails.
func (s *Supervisor) syslogWriter() *syslog.Writer {
	if s.syslog == nil {
		w, err := dialSyslog()
		if err != nil {
			s.log.Errorf("cannot connect to syslog: %v", err)
			return nil
		}
		s.syslog = w
	}
	return s.syslog
}

// daemonSignals are the signals supervisord handles (SUP-04). They are
// registered once for the life of the process, so none is missed, or
// takes its default action, between two runs of the loop.
type daemonSignals struct {
	signals chan os.Signal
	sigchld chan os.Signal
}

func notifySignals() daemonSignals {
	ds := daemonSignals{signals: make(chan os.Signal, 8), sigchld: make(chan os.Signal, 1)}
	signal.Notify(ds.signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR2)
	signal.Notify(ds.sigchld, syscall.SIGCHLD)
	return ds
}

func newSupervisor(cfg *Config, log *Logger) *Supervisor {
	return &Supervisor{
		cfg:     cfg,
		log:     log,
		environ: os.Environ(),
		pids:    make(map[int]*Process),
		state:   SupRunning,
		inbox:   make(chan func(*Supervisor), 64),
		done:    make(chan struct{}),
		events:  eventBus{serial: -1},
		output:  newOutputQueue(),
	}
}

// group finds an active group by name.
func (s *Supervisor) group(name string) *Group {
	for _, g := range s.groups {
		if g.cfg.Name == name {
			return g
		}
	}
	return nil
}

var errAlreadyAdded = errors.New("group already active")

// addGroup activates a group: its AUTO log files are created now, before
// any process runs (LOG-15), and a FastCGI socket is tried once (PROC-29).
func (s *Supervisor) addGroup(cfg *GroupConfig) error {
	if s.group(cfg.Name) != nil {
		return errAlreadyAdded
	}
	g := &Group{cfg: cfg}
	if cfg.Kind == KindFCGI && cfg.Socket != nil {
		g.fcgi = &fcgiSocket{cfg: cfg.Socket, log: s.log}
		if err := g.fcgi.check(); err != nil {
			return err
		}
	}
	for _, pc := range cfg.Processes {
		p := newProcess(s, g, pc)
		if err := p.openLogs(s.cfg.Supervisord.Childlogdir, s.cfg.Supervisord.Identifier); err != nil {
			s.log.Errorf("%v", err)
		}
		g.procs = append(g.procs, p)
	}
	if cfg.Kind == KindListener {
		g.pool = newPool(s, g)
	}
	s.groups = append(s.groups, g)
	s.sortGroups()
	s.notify(evProcessGroupAdded, "groupname:"+cfg.Name+"\n")
	return nil
}

// removeGroup deactivates a group whose processes are all stopped.
func (s *Supervisor) removeGroup(name string) bool {
	g := s.group(name)
	if g == nil || !g.allStopped() {
		return false
	}
	s.groups = slices.DeleteFunc(s.groups, func(x *Group) bool { return x == g })
	s.sortGroups()
	if g.pool != nil {
		g.pool.close()
	}
	for _, p := range g.procs {
		p.closeLogs()
	}
	s.notify(evProcessGroupRemoved, "groupname:"+name+"\n")
	return true
}

// sortGroups orders the groups by priority; ties keep the order they were
// added in, as 4.2.5's stable sort does.
func (s *Supervisor) sortGroups() {
	s.ordered = slices.Clone(s.groups)
	slices.SortStableFunc(s.ordered, func(a, b *Group) int { return a.cfg.Priority - b.cfg.Priority })
}

// allProcesses lists every process, groups by priority.
func (s *Supervisor) allProcesses() []*Process {
	var out []*Process
	for _, g := range s.ordered {
		out = append(out, g.procs...)
	}
	return out
}

// call runs f on the loop and returns its result, or the zero value if
// the loop has ended.
func call[T any](s *Supervisor, f func(*Supervisor) T) T {
	reply := make(chan T, 1)
	var zero T
	select {
	case s.inbox <- func(s *Supervisor) { reply <- f(s) }:
	case <-s.done:
		return zero
	}
	select {
	case v := <-reply:
		return v
	case <-s.done:
		return zero
	}
}

// deferUntil runs check now and then after every pass of the loop until
// it reports true; deferred RPC replies use it (RPC-08).
func (s *Supervisor) deferUntil(check func(now time.Time) bool) {
	if !check(time.Now()) {
		s.waiters = append(s.waiters, check)
	}
}

// run is the loop. It returns when every process has stopped after a
// shutdown or restart request, reporting whether to restart.
func (s *Supervisor) run() (restart bool) {
	defer close(s.done)

	s.notify(evSupervisorRunning, "")
	s.events.startTicks(time.Now())
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		s.pass(now)
		if s.state != SupRunning && s.advanceShutdown(now) {
			s.sendReplies()
			return s.state == SupRestarting
		}
		s.sendReplies()
		timer.Reset(s.untilNextDeadline(now))
		select {
		case f := <-s.inbox:
			f(s)
		case sig := <-s.signals:
			s.handleSignal(sig.(syscall.Signal))
		case <-s.sigchld:
			s.log.Debugf("received SIGCHLD indicating a child quit")
			s.reap()
		case <-s.output.ready:
			s.output.run(s)
		case <-timer.C:
		}
	}
}

// pass runs the transitions of every process, the ticks, event dispatch
// and deferred replies. Dispatch comes last so events raised in this pass
// leave at once rather than at the next wake-up.
func (s *Supervisor) pass(now time.Time) {
	running := s.state == SupRunning
	for _, g := range s.ordered {
		for _, p := range g.procs {
			p.transition(now, running)
		}
	}
	s.events.tick(s, now)
	for _, p := range s.events.pools {
		p.dispatch()
	}
	s.runWaiters(now)
}

// answer queues an RPC reply until the current pass is over, so a client
// sees the effects that pass has on what its request changed (4.2.5 also
// writes responses after its transitions).
func (s *Supervisor) answer(send func()) { s.replies = append(s.replies, send) }

func (s *Supervisor) sendReplies() {
	for _, send := range s.replies {
		send()
	}
	s.replies = s.replies[:0]
}

func (s *Supervisor) runWaiters(now time.Time) {
	if len(s.waiters) == 0 {
		return
	}
	pending := s.waiters[:0]
	for _, w := range s.waiters {
		if !w(now) {
			pending = append(pending, w)
		}
	}
	s.waiters = pending
}

// untilNextDeadline is how long the loop may sleep with nothing arriving.
func (s *Supervisor) untilNextDeadline(now time.Time) time.Duration {
	next := now.Add(time.Hour)
	consider := func(t time.Time) {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	running := s.state == SupRunning
	for _, g := range s.groups {
		for _, p := range g.procs {
			consider(p.nextDeadline(running))
		}
	}
	consider(s.events.nextTick())
	if len(s.waiters) > 0 {
		// A waiting stop logs "waiting for x to stop" every 2 s even when
		// nothing else happens.
		consider(now.Add(time.Second))
	}
	if s.stopping {
		consider(s.lastShutdownReport.Add(3 * time.Second))
	}
	d := next.Sub(now)
	if d < 0 {
		return 0
	}
	// Deadlines are compared with >=, so waking at the deadline is enough;
	// a millisecond more absorbs timer rounding without a busy loop.
	return d + time.Millisecond
}

// advanceShutdown stops the groups one priority at a time, highest first,
// and reports true once nothing is left running (PROC-23).
func (s *Supervisor) advanceShutdown(now time.Time) bool {
	if !s.stopping {
		s.stopping = true
		s.stopGroups = slices.Clone(s.ordered)
		s.notify(evSupervisorStopping, "")
	}
	for len(s.stopGroups) > 0 {
		level := s.topPriorityStopGroups()
		for _, g := range slices.Backward(level) {
			g.stopAll()
		}
		if !allStopped(level) {
			break
		}
		s.stopGroups = s.stopGroups[:len(s.stopGroups)-len(level)]
	}
	if allStopped(s.groups) {
		return true
	}
	if now.Sub(s.lastShutdownReport) > 3*time.Second {
		var names []string
		for _, g := range s.groups {
			for _, p := range g.unstopped() {
				names = append(names, p.cfg.Name)
			}
		}
		s.log.Infof("waiting for %s to die", strings.Join(names, ", "))
		s.lastShutdownReport = now
	}
	return false
}

func allStopped(groups []*Group) bool {
	return !slices.ContainsFunc(groups, func(g *Group) bool { return !g.allStopped() })
}

// topPriorityStopGroups is the tail of stopGroups sharing its highest
// priority. Groups of equal priority stop together: 4.2.5 stops them one
// after another, which makes a shutdown of N programs cost N exit round
// trips (N stopwaitsecs when they linger) for an order it never promised.
func (s *Supervisor) topPriorityStopGroups() []*Group {
	top := s.stopGroups[len(s.stopGroups)-1].cfg.Priority
	i := len(s.stopGroups) - 1
	for i > 0 && s.stopGroups[i-1].cfg.Priority == top {
		i--
	}
	return s.stopGroups[i:]
}

// reap collects every child that has exited (PROC-25); pids we did not
// spawn (orphans adopted as PID 1) are only logged.
func (s *Supervisor) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		p := s.pids[pid]
		if p == nil {
			_, msg := decodeWaitStatus(ws)
			s.log.Infof("reaped unknown pid %d (%s)", pid, msg)
			continue
		}
		delete(s.pids, pid)
		p.finish(ws)
	}
}

// handleSignal reacts to a signal sent to supervisord (SUP-04).
func (s *Supervisor) handleSignal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
		s.log.Warnf("received %s indicating exit request", signalName(sig))
		s.state = SupShutdown
	case syscall.SIGHUP:
		if s.state == SupShutdown {
			s.log.Warnf("ignored %s indicating restart request (shutdown in progress)", signalName(sig))
			return
		}
		s.log.Warnf("received %s indicating restart request", signalName(sig))
		s.state = SupRestarting
	case syscall.SIGUSR2:
		s.log.Infof("received %s indicating log reopen request", signalName(sig))
		s.reopenLogs()
	}
}

// reopenLogs reopens the main log and every child log (LOG-07).
func (s *Supervisor) reopenLogs() {
	s.log.Infof("supervisord logreopen")
	s.log.Reopen()
	for _, g := range s.groups {
		for _, p := range g.procs {
			p.reopenLogs()
		}
	}
}
