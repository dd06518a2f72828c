package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// restart is scenario 5: how soon a program that ran for a second is
// respawned, and how fast a program that exits at once is respawned.
func (b *bench) restart() error {
	gap := b.res.metric("restart.gap", "restart: exit → next spawn, program ran 1 s (limit: exec → running)", "ms")
	gap.target = atMost(20, "ms")
	rate := b.res.metric("restart.instant.rate", "restart: instantly exiting program, spawns per second", "1/s")
	rate.target = atMostRef(1.2)
	cpu := b.res.metric("restart.instant.cpu", "restart: instantly exiting program, daemon CPU", "% of a core")
	for r := range b.runs(2) {
		for _, fl := range b.flavors {
			b.failed(fl, b.respawnGaps(fl, gap), gap)
			b.failed(fl, b.crashLoop(fl, rate, cpu), rate, cpu)
		}
		for range 5 {
			d, err := b.execLimit()
			if err != nil {
				return err
			}
			gap.add(limit, ms(d))
		}
		b.progress("run %d done", r+1)
	}
	return nil
}

func stampProgram(helper, sleep string) string {
	return fmt.Sprintf("[program:r]\ncommand=%s stamp %%[1]s/stamps %s\nstartsecs=0\nautorestart=true\n", helper, sleep)
}

// respawnGaps records the gaps between one spawn's exit and the next
// spawn's start, both stamped by the program itself.
func (b *bench) respawnGaps(fl *flavor, m *metric) error {
	gaps := 5
	if b.quick {
		gaps = 2
	}
	in, err := b.launch(fl, stampProgram(b.bins.helper, "1s"))
	if err != nil {
		return err
	}
	defer b.stop(in)
	path := filepath.Join(in.dir, "stamps")
	deadline := time.Now().Add(time.Duration(gaps+2) * 4 * time.Second)
	for {
		starts, exits, err := readStamps(path)
		if err == nil && len(starts) > gaps {
			for i := range gaps {
				m.add(fl.who, float64(starts[i+1]-exits[i])/1e6)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %d spawns of a 1 s program in %v%s", fl.name, len(starts), time.Duration(gaps+2)*4*time.Second, in.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// crashLoopWindow is how long the instantly exiting program is watched.
func (b *bench) crashLoopWindow() time.Duration {
	if b.quick {
		return 3 * time.Second
	}
	return 10 * time.Second
}

// crashLoop counts spawns of a program that exits at once (startsecs=0,
// autorestart=true) and the daemon's CPU while it does.
func (b *bench) crashLoop(fl *flavor, rate, cpu *metric) error {
	in, err := b.launch(fl, stampProgram(b.bins.helper, "0s"))
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	cpu0, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(b.crashLoopWindow())
	t1 := time.Now()
	cpu1, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	starts, _, err := readStamps(filepath.Join(in.dir, "stamps"))
	if err != nil {
		return err
	}
	n := 0
	for _, s := range starts {
		if s >= t0.UnixNano() && s < t1.UnixNano() {
			n++
		}
	}
	rate.add(fl.who, float64(n)/t1.Sub(t0).Seconds())
	cpu.add(fl.who, 100*float64(cpu1-cpu0)/float64(t1.Sub(t0)))
	return nil
}

// readStamps parses the helper's "start <ns>" and "exit <ns>" lines.
func readStamps(path string) (starts, exits []int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, v, ok := strings.Cut(sc.Text(), " ")
		ns, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			continue
		}
		switch kind {
		case "start":
			starts = append(starts, ns)
		case "exit":
			exits = append(exits, ns)
		}
	}
	return starts, exits, sc.Err()
}

// execLimit is the floor of a respawn: from fork/exec of the helper to
// its first stamp.
func (b *bench) execLimit() (time.Duration, error) {
	path := filepath.Join(b.tmp, "exec-limit-stamps")
	os.Remove(path)
	t0 := time.Now()
	pid, err := syscall.ForkExec(b.bins.helper, []string{"helper", "stamp", path, "0s"}, &syscall.ProcAttr{
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		return 0, err
	}
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, 0, nil)
	starts, _, err := readStamps(path)
	if err != nil || len(starts) != 1 {
		return 0, fmt.Errorf("exec limit: no stamp (%v)", err)
	}
	return time.Duration(starts[0] - t0.UnixNano()), nil
}
