package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"time"
)

// scale is scenario 2: N sleep programs (startsecs=0) for each N.
func (b *bench) scale() error {
	b.ensureIdleRSS()
	for _, n := range settings.scaleNs {
		s := b.scaleMetrics(n)
		for r := range b.runs(3) {
			for _, fl := range b.flavors {
				b.failed(fl, b.scaleRun(fl, n, s), s.rows()...)
			}
			spawn, err := spawnLimit(n)
			if err != nil {
				return err
			}
			kill, err := killLimit(n)
			if err != nil {
				return err
			}
			s.running.add(limit, ms(spawn))
			s.sigterm.add(limit, ms(kill))
			b.progress("N=%d run %d: spawn limit %.0fms, kill limit %.0fms", n, r+1, ms(spawn), ms(kill))
		}
	}
	return nil
}

// scaleSet are the rows of one N.
type scaleSet struct {
	running, rss, rssPer, idleCPU, getAll, status, sigterm *metric
}

func (s *scaleSet) rows() []*metric {
	return []*metric{s.running, s.rss, s.rssPer, s.idleCPU, s.getAll, s.status, s.sigterm}
}

func (b *bench) scaleMetrics(n int) *scaleSet {
	p := fmt.Sprintf("scale %d: ", n)
	id := fmt.Sprintf("scale.%d.", n)
	s := &scaleSet{
		running: b.res.metric(id+"running", p+"exec → all RUNNING (limit: spawn)", "ms"),
		rss:     b.res.metric(id+"rss", p+"RSS", "MiB"),
		rssPer:  b.res.metric(id+"rssper", p+"RSS per program, above the 1-program RSS", "KiB"),
		idleCPU: b.res.metric(id+"idlecpu", p+"CPU while idle", "% of a core"),
		getAll:  b.res.metric(id+"getall", p+"getAllProcessInfo latency", "ms"),
		status:  b.res.metric(id+"status", p+"supervisorctl status wall time", "ms"),
		sigterm: b.res.metric(id+"sigterm", p+"SIGTERM → daemon gone (limit: kill)", "ms"),
	}
	if n == 1000 {
		s.running.target = atMostLimit(1.3)
		s.rss.target = atMost(25, "MiB")
		s.rssPer.target = atMost(16, "KiB")
		s.getAll.target = atMost(30, "ms")
		s.status.target = atMost(60, "ms")
		s.sigterm.target = atMostLimit(3)
	}
	return s
}

// ensureIdleRSS measures the one-program RSS if the idle scenario did not;
// without it RSS per program is not reported.
func (b *bench) ensureIdleRSS() {
	for _, fl := range b.flavors {
		if len(b.idleRSS[fl.who]) > 0 {
			continue
		}
		if _, mem, err := b.idleRun(fl); err == nil {
			b.idleRSS[fl.who] = append(b.idleRSS[fl.who], mem)
		}
	}
}

// idleWindow is how long CPU is watched with nothing happening.
func (b *bench) idleWindow() time.Duration {
	if b.quick {
		return 2 * time.Second
	}
	return 10 * time.Second
}

func (b *bench) scaleRun(fl *flavor, n int, s *scaleSet) error {
	in, err := b.launch(fl, sleepPrograms(n))
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	at, err := in.waitRunning(n, time.Now().Add(5*time.Minute))
	if err != nil {
		return err
	}
	s.running.add(fl.who, ms(at.Sub(in.started)))
	c := in.client()
	defer c.close()
	if err := checkAllRunning(c, n); err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	if err := b.measureIdle(in, n, s); err != nil {
		return err
	}
	if err := measureGetAll(c, fl, n, s.getAll); err != nil {
		return err
	}
	c.close()
	if err := b.measureStatus(in, n, s.status); err != nil {
		return err
	}
	gone, err := in.terminate(5 * time.Minute)
	if err != nil {
		return err
	}
	s.sigterm.add(fl.who, ms(gone))
	b.progress("N=%d %s: RUNNING after %.0fms, gone %.0fms after SIGTERM", n, fl.name, ms(at.Sub(in.started)), ms(gone))
	return nil
}

func checkAllRunning(c *rpcClient, n int) error {
	infos, err := c.allProcessInfo()
	if err != nil {
		return err
	}
	running := 0
	for _, p := range infos {
		if p.Statename == "RUNNING" {
			running++
		}
	}
	if running != n {
		return fmt.Errorf("%d of %d processes RUNNING", running, n)
	}
	return nil
}

// measureIdle watches CPU over the idle window, then reads the RSS.
func (b *bench) measureIdle(in *instance, n int, s *scaleSet) error {
	cpu0, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(b.idleWindow())
	cpu1, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	s.idleCPU.add(in.fl.who, 100*float64(cpu1-cpu0)/float64(time.Since(t0)))
	mem, err := rssBytes(in.pid())
	if err != nil {
		return err
	}
	s.rss.add(in.fl.who, mem/mib)
	if base, ok := median(b.idleRSS[in.fl.who]); ok {
		s.rssPer.add(in.fl.who, (mem-base)/float64(n-1)/1024)
	}
	return nil
}

// measureGetAll times getAllProcessInfo on a kept-alive connection: the
// request sent to the whole response read; decoding is not timed.
func measureGetAll(c *rpcClient, fl *flavor, n int, m *metric) error {
	calls := 10
	if fl.who == ref && n >= 500 {
		calls = 3
	}
	body, _ := encodeCall("supervisor.getAllProcessInfo")
	for range calls {
		t0 := time.Now()
		if _, err := c.post(body); err != nil {
			return fmt.Errorf("%s getAllProcessInfo: %w", fl.name, err)
		}
		m.add(fl.who, ms(time.Since(t0)))
	}
	return nil
}

// measureStatus times "supervisorctl status" over the unix socket. A
// supervisorctl that does not list the n programs is not counted.
func (b *bench) measureStatus(in *instance, n int, m *metric) error {
	runs := 5
	if in.fl.who == ref && n >= 500 {
		runs = 2
	}
	for range runs {
		cmd := exec.Command(in.fl.ctl, "-c", in.conf, "status")
		t0 := time.Now()
		out, err := cmd.Output()
		took := time.Since(t0)
		if got := bytes.Count(out, []byte(" RUNNING ")); got != n {
			m.addNote(fmt.Sprintf("%s's supervisorctl status listed %d of %d RUNNING programs (exit: %v); not counted", in.fl.name, got, n, err))
			return nil
		}
		m.add(in.fl.who, ms(took))
	}
	return nil
}
