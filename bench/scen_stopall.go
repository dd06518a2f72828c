package main

import (
	"fmt"
	"syscall"
	"time"
)

const stopAllN = 200

// stopAll is scenario 6: 200 programs stopped by stopAllProcesses(wait),
// then, started again, by SIGTERM to the daemon.
func (b *bench) stopAll() error {
	p := fmt.Sprintf("stop-all %d: ", stopAllN)
	rpc := b.res.metric("stopall.rpc", p+"stopAllProcesses(wait) (limit: kill)", "ms")
	rpc.target = atMostLimit(5)
	sig := b.res.metric("stopall.sigterm", p+"SIGTERM → all children gone (limit: kill)", "ms")
	sig.target = atMostLimit(5)
	gone := b.res.metric("stopall.gone", p+"SIGTERM → daemon gone (limit: kill)", "ms")
	for r := range b.runs(3) {
		for _, fl := range b.flavors {
			b.failed(fl, b.stopAllRun(fl, rpc, sig, gone), rpc, sig, gone)
		}
		kill, err := killLimit(stopAllN)
		if err != nil {
			return err
		}
		rpc.add(limit, ms(kill))
		sig.add(limit, ms(kill))
		gone.add(limit, ms(kill))
		b.progress("run %d: kill limit %.1fms", r+1, ms(kill))
	}
	return nil
}

func (b *bench) stopAllRun(fl *flavor, rpc, sig, gone *metric) error {
	in, err := b.launch(fl, sleepPrograms(stopAllN))
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	if _, err := in.waitRunning(stopAllN, time.Now().Add(2*time.Minute)); err != nil {
		return err
	}
	c := in.client()
	defer c.close()
	if err := checkAllRunning(c, stopAllN); err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	t0 := time.Now()
	if _, err := c.call("supervisor.stopAllProcesses", true); err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	rpc.add(fl.who, ms(time.Since(t0)))
	if _, err := c.call("supervisor.startAllProcesses", true); err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	pids, err := childPids(c, stopAllN)
	if err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	c.close()
	t0 = time.Now()
	in.cmd.Process.Signal(syscall.SIGTERM)
	reaped, err := waitGone(pids, time.Now().Add(2*time.Minute))
	if err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	sig.add(fl.who, ms(reaped.Sub(t0)))
	select {
	case <-in.done:
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("%s still running 2 minutes after SIGTERM", fl.name)
	}
	gone.add(fl.who, ms(in.exitAt.Sub(t0)))
	return nil
}

// childPids are the pids of the n programs, all RUNNING.
func childPids(c *rpcClient, n int) ([]int, error) {
	infos, err := c.allProcessInfo()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, p := range infos {
		if p.Statename == "RUNNING" && p.Pid > 0 {
			pids = append(pids, p.Pid)
		}
	}
	if len(pids) != n {
		return nil, fmt.Errorf("%d of %d processes RUNNING after startAllProcesses", len(pids), n)
	}
	return pids, nil
}

// waitGone polls until no pid exists any more (reaped, not only dead).
func waitGone(pids []int, deadline time.Time) (time.Time, error) {
	for len(pids) > 0 {
		alive := pids[:0]
		for _, pid := range pids {
			if syscall.Kill(pid, 0) != syscall.ESRCH {
				alive = append(alive, pid)
			}
		}
		pids = alive
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%d children still there", len(pids))
		}
		time.Sleep(500 * time.Microsecond)
	}
	return time.Now(), nil
}
