// Events: the event types of 4.2.5, their payloads, and event listener
// pools speaking the listener protocol (EVT-01..20). All of it runs on the
// supervisor loop.
package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event type names (EVT-01).
const (
	evProcessStateStopped      = "PROCESS_STATE_STOPPED"
	evProcessStateExited       = "PROCESS_STATE_EXITED"
	evProcessStateStarting     = "PROCESS_STATE_STARTING"
	evProcessStateStopping     = "PROCESS_STATE_STOPPING"
	evProcessStateBackoff      = "PROCESS_STATE_BACKOFF"
	evProcessStateFatal        = "PROCESS_STATE_FATAL"
	evProcessStateRunning      = "PROCESS_STATE_RUNNING"
	evProcessStateUnknown      = "PROCESS_STATE_UNKNOWN"
	evProcessCommStdout        = "PROCESS_COMMUNICATION_STDOUT"
	evProcessCommStderr        = "PROCESS_COMMUNICATION_STDERR"
	evProcessLogStdout         = "PROCESS_LOG_STDOUT"
	evProcessLogStderr         = "PROCESS_LOG_STDERR"
	evRemoteCommunication      = "REMOTE_COMMUNICATION"
	evSupervisorRunning        = "SUPERVISOR_STATE_CHANGE_RUNNING"
	evSupervisorStopping       = "SUPERVISOR_STATE_CHANGE_STOPPING"
	evTick5                    = "TICK_5"
	evTick60                   = "TICK_60"
	evTick3600                 = "TICK_3600"
	evProcessGroupAdded        = "PROCESS_GROUP_ADDED"
	evProcessGroupRemoved      = "PROCESS_GROUP_REMOVED"
	evAbstractEvent            = "EVENT"
	evAbstractProcessState     = "PROCESS_STATE"
	evAbstractProcessComm      = "PROCESS_COMMUNICATION"
	evAbstractProcessLog       = "PROCESS_LOG"
	evAbstractSupervisorChange = "SUPERVISOR_STATE_CHANGE"
	evAbstractTick             = "TICK"
	evAbstractProcessGroup     = "PROCESS_GROUP"
)

// isAbstractEvent reports whether name only subscribes to its subtypes.
func isAbstractEvent(name string) bool {
	switch name {
	case evAbstractEvent, evAbstractProcessState, evAbstractProcessComm, evAbstractProcessLog,
		evAbstractSupervisorChange, evAbstractTick, evAbstractProcessGroup:
		return true
	}
	return false
}

// eventMatches reports whether a subscription to sub receives events of typ.
func eventMatches(sub, typ string) bool {
	if sub == typ || sub == evAbstractEvent {
		return true
	}
	return isAbstractEvent(sub) && strings.HasPrefix(typ, sub+"_")
}

// stateEventName is the event emitted on entering a state.
func stateEventName(s ProcessState) string { return "PROCESS_STATE_" + s.String() }

// Event is one notification; its serials are given when a pool first
// buffers it, so events nobody subscribes to consume none (EVT-02).
type Event struct {
	typ         string
	payload     string
	serial      int
	poolSerials map[string]int
}

// eventBus holds the serial counter, which survives reloads, and the
// wall-clock ticks (TICK_5/60/3600).
type eventBus struct {
	serial int
	ticks  [3]int64
	pools  []*Pool
}

var tickPeriods = [3]int64{5, 60, 3600}
var tickNames = [3]string{evTick5, evTick60, evTick3600}

func (b *eventBus) nextSerial() int {
	b.serial++
	if b.serial < 0 {
		b.serial = 0
	}
	return b.serial
}

// wants reports whether some pool subscribes to typ, so callers can skip
// building payloads nobody reads.
func (b *eventBus) wants(typ string) bool {
	for _, p := range b.pools {
		if p.subscribes(typ) {
			return true
		}
	}
	return false
}

func (b *eventBus) startTicks(now time.Time) {
	for i, period := range tickPeriods {
		b.ticks[i] = timeslice(period, now)
	}
}

// tick emits a TICK event for each period boundary crossed since the last
// pass; the first ones come only after a boundary is crossed (EVT-08).
func (b *eventBus) tick(s *Supervisor, now time.Time) {
	for i, period := range tickPeriods {
		this := timeslice(period, now)
		if this != b.ticks[i] {
			b.ticks[i] = this
			s.notify(tickNames[i], "when:"+strconv.FormatInt(this, 10))
		}
	}
}

// nextTick is the next boundary a subscribed pool cares about, or zero.
func (b *eventBus) nextTick() time.Time {
	var next time.Time
	for i, period := range tickPeriods {
		if !b.wants(tickNames[i]) {
			continue
		}
		t := time.Unix(b.ticks[i]+period, 0)
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

func timeslice(period int64, now time.Time) int64 {
	sec := now.Unix()
	return sec - sec%period
}

// notify hands an event to every pool subscribed to its type.
func (s *Supervisor) notify(typ, payload string) {
	var ev *Event
	for _, p := range s.events.pools {
		if !p.subscribes(typ) {
			continue
		}
		if ev == nil {
			ev = &Event{typ: typ, payload: payload, serial: -1}
		}
		p.accept(ev, false)
	}
}

// processStateChanged emits the PROCESS_STATE_* event for a transition,
// with the values of this moment (EVT-04).
func (s *Supervisor) processStateChanged(p *Process, from ProcessState, expected bool) {
	typ := stateEventName(p.state)
	if !s.events.wants(typ) {
		return
	}
	payload := fmt.Sprintf("processname:%s groupname:%s from_state:%s", p.cfg.Name, p.group.cfg.Name, from)
	switch p.state {
	case StateStarting, StateBackoff:
		payload += fmt.Sprintf(" tries:%d", p.backoff)
	case StateExited:
		payload += fmt.Sprintf(" expected:%d pid:%d", boolInt(expected), p.pid)
	case StateRunning, StateStopping, StateStopped:
		payload += fmt.Sprintf(" pid:%d", p.pid)
	}
	s.notify(typ, payload)
}

// processOutput emits PROCESS_LOG_* (EVT-05) or PROCESS_COMMUNICATION_*
// (EVT-06) for output of process p's spawn pid.
func (s *Supervisor) processOutput(typ string, p *Process, pid int, channel string, data []byte) {
	if !s.events.wants(typ) {
		return
	}
	header := fmt.Sprintf("processname:%s groupname:%s pid:%d", p.cfg.Name, p.group.cfg.Name, pid)
	if typ == evProcessLogStdout || typ == evProcessLogStderr {
		header += " channel:" + channel
	}
	s.notify(typ, header+"\n"+decodeOutput(data))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Listener states (EVT-10).
const (
	listenerReady        = 10
	listenerBusy         = 20
	listenerAcknowledged = 30
	listenerUnknown      = 40
)

func listenerStateName(s int) string {
	switch s {
	case listenerReady:
		return "READY"
	case listenerBusy:
		return "BUSY"
	case listenerAcknowledged:
		return "ACKNOWLEDGED"
	}
	return "UNKNOWN"
}

// listenerState is the protocol state of one listener process.
type listenerState struct {
	state     int
	buf       []byte
	resultLen int // -1 until the RESULT line is read
	result    []byte
	event     *Event // the event being processed while BUSY
}

func (l *listenerState) reset() {
	*l = listenerState{state: listenerAcknowledged, resultLen: -1}
}

// Pool is an [eventlistener:x] group's event buffer (EVT-11).
type Pool struct {
	sup    *Supervisor
	group  *Group
	name   string
	serial int
	buffer []*Event
}

func newPool(s *Supervisor, g *Group) *Pool {
	p := &Pool{sup: s, group: g, name: g.cfg.Name, serial: -1}
	for _, proc := range g.procs {
		proc.listener = &listenerState{}
		proc.listener.reset()
	}
	s.events.pools = append(s.events.pools, p)
	return p
}

func (p *Pool) close() {
	pools := p.sup.events.pools
	for i, x := range pools {
		if x == p {
			p.sup.events.pools = append(pools[:i:i], pools[i+1:]...)
			return
		}
	}
}

func (p *Pool) subscribes(typ string) bool {
	for _, sub := range p.group.cfg.Events {
		if eventMatches(sub, typ) {
			return true
		}
	}
	return false
}

// accept buffers ev, at the head for a rejected event; a full buffer drops
// its oldest event.
func (p *Pool) accept(ev *Event, head bool) {
	log := p.sup.log
	if ev.serial < 0 {
		ev.serial = p.sup.events.nextSerial()
	}
	if ev.poolSerials == nil {
		ev.poolSerials = make(map[string]int, 1)
	}
	if _, ok := ev.poolSerials[p.name]; !ok {
		p.serial++
		if p.serial < 0 {
			p.serial = 0
		}
		ev.poolSerials[p.name] = p.serial
	} else {
		log.Debugf("rebuffering event %d for pool %s (buf size=%d, max=%d)", ev.serial, p.name, len(p.buffer), p.group.cfg.BufferSize)
	}
	if len(p.buffer) >= p.group.cfg.BufferSize && len(p.buffer) > 0 {
		log.Errorf("pool %s event buffer overflowed, discarding event %d", p.name, p.buffer[0].serial)
		p.buffer = p.buffer[1:]
	}
	if head {
		p.buffer = append([]*Event{ev}, p.buffer...)
	} else {
		p.buffer = append(p.buffer, ev)
	}
}

// dispatch sends the oldest buffered events, one to each RUNNING and READY
// listener, until none is free.
func (p *Pool) dispatch() {
	for len(p.buffer) > 0 {
		if !p.send(p.buffer[0]) {
			return
		}
		p.buffer[0] = nil
		p.buffer = p.buffer[1:]
	}
}

func (p *Pool) send(ev *Event) bool {
	for _, proc := range p.group.procs {
		if proc.state != StateRunning || proc.listener.state != listenerReady || proc.stdin == nil {
			continue
		}
		envelope := fmt.Sprintf("ver:3.0 server:%s serial:%d pool:%s poolserial:%d eventname:%s len:%d\n%s",
			p.sup.cfg.Supervisord.Identifier, ev.serial, p.name, ev.poolSerials[p.name], ev.typ,
			utf8.RuneCountInString(ev.payload), ev.payload)
		if err := proc.stdin.write([]byte(envelope)); err != nil {
			p.sup.log.Debugf("epipe occurred while sending event %d to listener %s, listener state unchanged", ev.serial, proc.cfg.Name)
			continue
		}
		proc.listener.state = listenerBusy
		proc.listener.event = ev
		p.sup.log.Debugf("event %d sent to listener %s", ev.serial, proc.cfg.Name)
		return true
	}
	return false
}

// rejected puts a listener's event back at the head of its own pool.
// (4.2.5 also rebuffers it into other pools whose listeners share the
// priority; see README's Differences.)
func (s *Supervisor) rejected(proc *Process, ev *Event) {
	if ev != nil && proc.group.pool != nil {
		proc.group.pool.accept(ev, true)
	}
}

// listenerExited rejects the event a listener died holding (EVT-10).
func (s *Supervisor) listenerExited(proc *Process) {
	ev := proc.listener.event
	proc.listener.event = nil
	s.rejected(proc, ev)
}

// listenerOutput runs the listener protocol over what the listener wrote
// on stdout (EVT-10, EVT-13).
func (s *Supervisor) listenerOutput(proc *Process, data []byte) {
	l := proc.listener
	l.buf = append(l.buf, data...)
	for len(l.buf) > 0 && s.listenerStep(proc, l) {
	}
}

// listenerStep consumes what it can of the buffer; it reports whether it
// made progress and more may follow.
func (s *Supervisor) listenerStep(proc *Process, l *listenerState) bool {
	const ready = "READY\n"
	switch l.state {
	case listenerUnknown:
		l.buf = l.buf[:0]
		return false
	case listenerAcknowledged:
		if len(l.buf) < len(ready) {
			return false
		}
		if bytes.HasPrefix(l.buf, []byte(ready)) {
			s.setListenerState(proc, listenerReady)
			l.buf = l.buf[len(ready):]
		} else {
			s.setListenerState(proc, listenerUnknown)
			l.buf = l.buf[:0]
		}
		l.event = nil
		return true
	case listenerReady:
		s.setListenerState(proc, listenerUnknown)
		l.buf = l.buf[:0]
		l.event = nil
		return false
	}
	// BUSY: "RESULT <n>\n" then n bytes of result.
	if l.resultLen < 0 {
		nl := bytes.IndexByte(l.buf, '\n')
		if nl < 0 {
			return false
		}
		line := l.buf[:nl]
		l.buf = l.buf[nl+1:]
		n, err := strconv.Atoi(strings.TrimSpace(string(line[min(len("RESULT "), len(line)):])))
		if err != nil || n < 0 {
			s.log.Warnf("%s: bad result line: '%s'", proc.cfg.Name, decodeOutput(line))
			s.setListenerState(proc, listenerUnknown)
			l.buf = l.buf[:0]
			ev := l.event
			l.event = nil
			s.rejected(proc, ev)
			return false
		}
		l.resultLen = n
		l.result = l.result[:0]
	}
	need := l.resultLen - len(l.result)
	take := min(need, len(l.buf))
	l.result = append(l.result, l.buf[:take]...)
	l.buf = l.buf[take:]
	if len(l.result) < l.resultLen {
		return false
	}
	s.listenerResult(proc, l)
	return true
}

// listenerResult applies 4.2.5's default result handler: "OK" accepts the
// event, anything else rejects it.
func (s *Supervisor) listenerResult(proc *Process, l *listenerState) {
	ev := l.event
	l.event = nil
	l.resultLen = -1
	if string(l.result) == "OK" {
		s.log.Debugf("%s: event was processed", proc.cfg.Name)
		s.setListenerState(proc, listenerAcknowledged)
		return
	}
	s.log.Warnf("%s: event was rejected", proc.cfg.Name)
	s.setListenerState(proc, listenerAcknowledged)
	s.rejected(proc, ev)
}

func (s *Supervisor) setListenerState(proc *Process, to int) {
	l := proc.listener
	s.log.Debugf("%s: %s -> %s", proc.cfg.Name, listenerStateName(l.state), listenerStateName(to))
	l.state = to
	if to == listenerUnknown {
		s.log.Warnf("%s: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol", proc.cfg.Name)
	}
}
