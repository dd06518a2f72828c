package main

import (
	"bufio"
	"fmt"
	"net"
	"time"
)

// eventCase is one program the listener watches: how long it must stay
// up to be RUNNING, and how many times it is started per run.
type eventCase struct {
	program    string
	startsecs  int
	iterations int
	m          *metric
}

// events is scenario 7: startProcess → a PROCESS_STATE listener receives
// PROCESS_STATE_RUNNING. The floor is one spawn plus one RPC round trip,
// plus startsecs. With the default startsecs=1 the daemons' timers are
// measured; with startsecs=0 the event path itself.
func (b *bench) events() error {
	cases := []*eventCase{
		{program: "target0", startsecs: 0, iterations: 10},
		{program: "target1", startsecs: 1, iterations: 5},
	}
	for _, c := range cases {
		c.m = b.res.metric("events.running."+c.program, fmt.Sprintf(
			"events: startProcess → listener gets RUNNING, startsecs=%d (limit: startsecs + spawn + RPC)", c.startsecs), "ms")
		if b.quick {
			c.iterations = 2
		}
	}
	cases[1].m.target = atMostLimit(1.5)
	for r := range b.runs(3) {
		for _, fl := range b.flavors {
			b.eventsRun(fl, cases)
		}
		floor, err := b.spawnRPCFloor()
		if err != nil {
			return err
		}
		for _, c := range cases {
			c.m.add(limit, ms(floor+time.Duration(c.startsecs)*time.Second))
		}
		b.progress("run %d: spawn + RPC floor %.2fms", r+1, ms(floor))
	}
	return nil
}

// eventsRun measures every case on one daemon; a case that fails is noted
// and the next one still runs.
func (b *bench) eventsRun(fl *flavor, cases []*eventCase) {
	var rows []*metric
	for _, c := range cases {
		rows = append(rows, c.m)
	}
	in, lines, err := b.eventsDaemon(fl, cases)
	if b.failed(fl, err, rows...) {
		return
	}
	defer b.stop(in)
	c := in.client()
	defer c.close()
	// A warm-up round with the quick program is not recorded.
	if b.failed(fl, startStop(c, lines, cases[0].program, nil, fl.who), rows...) {
		return
	}
	for _, ec := range cases {
		for range ec.iterations {
			err := startStop(c, lines, ec.program, ec.m, fl.who)
			if b.failed(fl, err, ec.m) {
				break
			}
		}
	}
}

// eventsDaemon starts a daemon with the listener and the cases' programs
// and returns it with the listener's reports.
func (b *bench) eventsDaemon(fl *flavor, cases []*eventCase) (*instance, <-chan stamped, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	programs := fmt.Sprintf("[eventlistener:lst]\ncommand=%s listen %s\nevents=PROCESS_STATE\n\n", b.bins.helper, ln.Addr())
	for _, c := range cases {
		programs += fmt.Sprintf("[program:%s]\ncommand=/bin/sleep 100000\nautostart=false\nstartsecs=%d\n\n", c.program, c.startsecs)
	}
	in, err := b.launch(fl, programs)
	if err != nil {
		return nil, nil, err
	}
	if _, err := in.waitRPC(); err != nil {
		b.stop(in)
		return nil, nil, err
	}
	lines, err := acceptLines(ln, 30*time.Second)
	if err != nil {
		b.stop(in)
		return nil, nil, fmt.Errorf("%s: listener: %w%s", fl.name, err, in.tail())
	}
	return in, lines, nil
}

// startStop times one start of program up to its RUNNING event (recorded
// in m unless nil), then stops it.
func startStop(c *rpcClient, lines <-chan stamped, program string, m *metric, w who) error {
	d, err := startToEvent(c, lines, program)
	if err != nil {
		return err
	}
	if m != nil {
		m.add(w, ms(d))
	}
	_, err = c.call("supervisor.stopProcess", program, true)
	return err
}

// stamped is a line from the listener and when it arrived.
type stamped struct {
	text string
	at   time.Time
}

// acceptLines takes the listener's connection and delivers its lines.
func acceptLines(ln net.Listener, wait time.Duration) (<-chan stamped, error) {
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(wait))
	conn, err := ln.Accept()
	if err != nil {
		return nil, err
	}
	ch := make(chan stamped, 64)
	go func() {
		defer conn.Close()
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			ch <- stamped{sc.Text(), time.Now()}
		}
		close(ch)
	}()
	return ch, nil
}

// eventTimeout is beyond 4.2.5's worst case: startsecs plus two turns of
// its one-second loop.
const eventTimeout = 5 * time.Second

// startToEvent starts program and waits for its RUNNING event.
func startToEvent(c *rpcClient, lines <-chan stamped, program string) (time.Duration, error) {
	for len(lines) > 0 {
		<-lines
	}
	t0 := time.Now()
	if _, err := c.call("supervisor.startProcess", program, false); err != nil {
		return 0, err
	}
	timeout := time.After(eventTimeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return 0, fmt.Errorf("listener went away")
			}
			if l.text == "RUNNING "+program {
				return l.at.Sub(t0), nil
			}
		case <-timeout:
			return 0, fmt.Errorf("no PROCESS_STATE_RUNNING event for %s within %v", program, eventTimeout)
		}
	}
}

// spawnRPCFloor is one spawn of a sleep with two pipes plus one RPC round
// trip to the echo server, each the median of several.
func (b *bench) spawnRPCFloor() (time.Duration, error) {
	var spawns, rpcs []float64
	for range 11 {
		d, err := spawnLimit(1)
		if err != nil {
			return 0, err
		}
		spawns = append(spawns, float64(d))
	}
	e, err := b.startEcho()
	if err != nil {
		return 0, err
	}
	defer e.stop()
	c := newRPCClient(e.addr, true)
	defer c.close()
	body, _ := encodeCall("supervisor.startProcess", "target", false)
	for range 51 {
		t0 := time.Now()
		if _, err := c.post(body); err != nil {
			return 0, err
		}
		rpcs = append(rpcs, float64(time.Since(t0)))
	}
	s, _ := median(spawns)
	r, _ := median(rpcs)
	return time.Duration(s + r), nil
}
