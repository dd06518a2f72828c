package main

import (
	"fmt"
	"time"
)

// oneProgram is the config of the idle and RPC scenarios.
const oneProgram = "[program:p]\ncommand=/bin/sleep 100000\nstartsecs=0\n"

// warmCalls are made before RSS is read, so every server has parsed,
// answered and freed a few requests.
const warmCalls = 20

// idle is scenario 1: exec → RPC answering, and RSS with one program.
func (b *bench) idle() error {
	startup := b.res.metric("idle.startup", "idle: exec → RPC answering (limit: echo server)", "ms")
	startup.target = atMostLimit(2)
	rss := b.res.metric("idle.rss", "idle: RSS, 1 program (limit: echo server)", "MiB")
	rss.target = atMostLimit(2)
	for r := range b.runs(5) {
		for _, fl := range b.flavors {
			up, mem, err := b.idleRun(fl)
			if b.failed(fl, err, startup, rss) {
				continue
			}
			startup.add(fl.who, ms(up))
			rss.add(fl.who, mem/mib)
			b.idleRSS[fl.who] = append(b.idleRSS[fl.who], mem)
		}
		e, err := b.startEcho()
		if err != nil {
			return err
		}
		mem, err := warmRSS(e.addr, e.cmd.Process.Pid, "echo")
		e.stop()
		if err != nil {
			return err
		}
		startup.add(limit, ms(e.startup))
		rss.add(limit, mem/mib)
		b.progress("run %d done", r+1)
	}
	return nil
}

func (b *bench) idleRun(fl *flavor) (time.Duration, float64, error) {
	in, err := b.launch(fl, oneProgram)
	if err != nil {
		return 0, 0, err
	}
	defer b.stop(in)
	up, err := in.waitRPC()
	if err != nil {
		return 0, 0, err
	}
	if _, err := in.waitRunning(1, time.Now().Add(30*time.Second)); err != nil {
		return 0, 0, err
	}
	mem, err := warmRSS(in.addr(), in.pid(), "p")
	return up, mem, err
}

// warmRSS makes warmCalls getProcessInfo calls and returns the RSS after.
func warmRSS(addr string, pid int, name string) (float64, error) {
	c := newRPCClient(addr, true)
	defer c.close()
	body, _ := encodeCall("supervisor.getProcessInfo", name)
	for range warmCalls {
		if _, err := c.post(body); err != nil {
			return 0, fmt.Errorf("warm-up: %w", err)
		}
	}
	return rssBytes(pid)
}
