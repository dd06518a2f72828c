package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// logVariant is one way the flood reaches the logs.
type logVariant struct {
	name     string
	both     bool // the generator alternates writes to stdout and stderr
	redirect bool // redirect_stderr=true
	split    bool // two log files (and two cats for the limit)
}

var logVariants = []logVariant{
	{name: "stdout"},
	{name: "stdout+stderr redirected", both: true, redirect: true},
	{name: "stdout+stderr split", both: true, split: true},
}

// genWrite is the generator's write size: a full stdio buffer of 64 lines.
const genWrite = 4096

func (v logVariant) genArgs(total int64) []string {
	mode := "stdout"
	if v.both {
		mode = "both"
	}
	return []string{"gen", strconv.FormatInt(total, 10), mode, strconv.Itoa(genWrite)}
}

func (v logVariant) program(helper string, total int64) string {
	cmd := helper
	for _, a := range v.genArgs(total) {
		cmd += " " + a
	}
	return fmt.Sprintf(`[program:gen]
command=%s
autostart=false
autorestart=false
startsecs=0
redirect_stderr=%t
stdout_logfile=%%[1]s/gen.out
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=10
stderr_logfile=%%[1]s/gen.err
stderr_logfile_maxbytes=50MB
stderr_logfile_backups=10
`, cmd, v.redirect)
}

// logFlood is scenario 3: the generator writes the flood through the
// daemon into rotating logs (maxbytes=50MB, backups=10).
func (b *bench) logFlood() error {
	total := int64(settings.logMiB) * mib
	total -= total % (2 * genWrite)
	for _, v := range logVariants {
		for r := range b.runs(3) {
			for _, fl := range b.flavors {
				b.failed(fl, b.logRun(fl, v, total), b.logRows(v)...)
			}
			res, err := b.catLimit(v, total)
			if err != nil {
				return err
			}
			b.recordLog(v, limit, total, res.wall, res.cpu, total-res.size)
			b.progress("%s run %d: cat %.2fs", v.name, r+1, res.wall.Seconds())
		}
	}
	return nil
}

func (b *bench) logRun(fl *flavor, v logVariant, total int64) error {
	in, err := b.launch(fl, v.program(b.bins.helper, total))
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	c := in.client()
	defer c.close()
	cpu0, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := c.call("supervisor.startProcess", "gen", false); err != nil {
		return fmt.Errorf("%s: %w", fl.name, err)
	}
	size, last := watchLogs(in.dir, total)
	cpu1, err := cpuTime(in.pid())
	if err != nil {
		return err
	}
	wall := last.Sub(t0)
	b.recordLog(v, fl.who, total, wall, cpu1-cpu0, total-size)
	b.progress("%s %s: %.2fs, %d bytes lost", v.name, fl.name, wall.Seconds(), total-size)
	return nil
}

// watchLogs polls the sizes of gen.out*, gen.err* until they add up to
// total, or stop growing for 3 s (bytes were lost). It returns the size
// and when it was last seen growing. A sum taken while the daemon renames
// backups can count a file twice, so reaching total is confirmed by a
// second sum once the files are quiet.
func watchLogs(dir string, total int64) (int64, time.Time) {
	var paths []string
	for _, base := range []string{"gen.out", "gen.err"} {
		paths = append(paths, filepath.Join(dir, base))
		for i := 1; i <= 10; i++ {
			paths = append(paths, filepath.Join(dir, fmt.Sprintf("%s.%d", base, i)))
		}
	}
	var size int64
	last := time.Now()
	for time.Since(last) < 3*time.Second {
		time.Sleep(2 * time.Millisecond)
		sum := sumSizes(paths)
		if sum != size {
			size, last = sum, time.Now()
		}
		if size >= total {
			time.Sleep(100 * time.Millisecond)
			if size = sumSizes(paths); size == total {
				return size, last
			}
		}
	}
	return size, last
}

func sumSizes(paths []string) int64 {
	var sum int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			sum += st.Size()
		}
	}
	return sum
}

// logRows are the rows of a variant: wall time, throughput, CPU, loss.
func (b *bench) logRows(v logVariant) []*metric {
	p := "log " + v.name + ": "
	rows := []*metric{
		b.res.metric("log."+v.name+".wall", p+"wall time", "s"),
		b.res.metric("log."+v.name+".mibs", p+"throughput", "MiB/s"),
		b.res.metric("log."+v.name+".cpu", p+"CPU per 100 MiB (daemon; cat for the limit)", "ms"),
		b.res.metric("log."+v.name+".lost", p+"bytes lost", "B"),
	}
	rows[1].target = atLeastLimit(0.9)
	rows[2].target = atMostLimit(1.0)
	rows[3].target = allZero()
	return rows
}

func (b *bench) recordLog(v logVariant, w who, total int64, wall, cpu time.Duration, lost int64) {
	rows := b.logRows(v)
	rows[0].add(w, wall.Seconds())
	rows[1].add(w, float64(total)/mib/wall.Seconds())
	rows[2].add(w, ms(cpu)*100*mib/float64(total))
	rows[3].add(w, float64(lost))
}
