package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pprofOverlay is added to the daemon's package only in the profiling
// build (go build -overlay), so the shipped source has no pprof endpoint.
const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("SUPERVISORD_BENCH_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
`

const profileSeconds = 5

// profile writes CPU profiles of our daemon during the log flood, the
// start of 1000 programs and back-to-back getAllProcessInfo calls at 1000,
// and its heap at 1000, with "go tool pprof -top" summaries next to them.
func (b *bench) profile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fl, err := b.pprofFlavor()
	if err != nil {
		return err
	}
	fmt.Printf("\n## Profiles of our daemon (go tool pprof -top)\n")
	if err := b.profileLog(fl, dir); err != nil {
		return err
	}
	return b.profileScale(fl, dir)
}

// pprofFlavor builds our daemon with the overlay and an address to serve
// /debug/pprof on.
func (b *bench) pprofFlavor() (*flavor, error) {
	src := filepath.Join(b.tmp, "zz_bench_pprof.go")
	if err := os.WriteFile(src, []byte(pprofOverlay), 0o644); err != nil {
		return nil, err
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(b.bins.root, "zz_bench_pprof.go"): src},
	})
	if err != nil {
		return nil, err
	}
	ovPath := filepath.Join(b.tmp, "overlay.json")
	if err := os.WriteFile(ovPath, overlay, 0o644); err != nil {
		return nil, err
	}
	bin := filepath.Join(b.tmp, "supervisord-pprof")
	if err := goBuild(b.bins.root, bin, ".", "-overlay", ovPath); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &flavor{who: ours, name: "ours-pprof", daemon: bin, ctl: b.bins.ctl,
		env: []string{fmt.Sprintf("SUPERVISORD_BENCH_PPROF=127.0.0.1:%d", port)}}, nil
}

// pprofURL is the address of one of the profiling build's endpoints.
func pprofURL(fl *flavor, endpoint string) string {
	return "http://" + strings.TrimPrefix(fl.env[0], "SUPERVISORD_BENCH_PPROF=") + "/debug/pprof/" + endpoint
}

// captureCPU starts a CPU profile of seconds and delivers its file when it
// is done. The daemon may still be starting: refused connections are
// retried for a few seconds.
func captureCPU(fl *flavor, path string, seconds int) <-chan error {
	done := make(chan error, 1)
	go func() {
		url := pprofURL(fl, fmt.Sprintf("profile?seconds=%d", seconds))
		deadline := time.Now().Add(5 * time.Second)
		for {
			err := fetch(url, path)
			if err == nil || time.Now().After(deadline) {
				done <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return done
}

// fetch saves the body of a GET.
func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *bench) profileLog(fl *flavor, dir string) error {
	v := logVariants[0]
	in, err := b.launch(fl, v.program(b.bins.helper, 1<<40))
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	c := in.client()
	defer c.close()
	path := filepath.Join(dir, "log.pprof")
	done := captureCPU(fl, path, profileSeconds)
	if _, err := c.call("supervisor.startProcess", "gen", false); err != nil {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("log profile: %w", err)
	}
	c.call("supervisor.stopProcess", "gen", true)
	fmt.Printf("\n### Log flood (%s, 64-byte lines in %d-byte writes, maxbytes=50MB, backups=10)\n\n", v.name, genWrite)
	return summarize(path, "")
}

// profileScale profiles the start of 1000 programs, then their memory,
// then back-to-back getAllProcessInfo calls.
func (b *bench) profileScale(fl *flavor, dir string) error {
	const n = 1000
	in, err := b.launch(fl, sleepPrograms(n))
	if err != nil {
		return err
	}
	defer b.stop(in)
	startPath := filepath.Join(dir, "startup.pprof")
	startDone := captureCPU(fl, startPath, startupSeconds)
	at, err := in.waitRunning(n, time.Now().Add(5*time.Minute))
	if err != nil {
		return err
	}
	if err := <-startDone; err != nil {
		return fmt.Errorf("startup profile: %w", err)
	}
	fmt.Printf("\n### Start of %d programs (exec → all RUNNING took %.0f ms; %d s profile from exec)\n\n",
		n, ms(at.Sub(in.started)), startupSeconds)
	if err := summarize(startPath, ""); err != nil {
		return err
	}
	if err := profileMemory(fl, in, dir, n); err != nil {
		return err
	}
	return profileGetAll(fl, in, dir, n)
}

// startupSeconds covers exec → all RUNNING at 1000 programs.
const startupSeconds = 3

// profileMemory reports RSS, goroutines and the live heap at n programs.
func profileMemory(fl *flavor, in *instance, dir string, n int) error {
	path := filepath.Join(dir, "heap.pprof")
	if err := fetch(pprofURL(fl, "heap?gc=1"), path); err != nil {
		return err
	}
	gpath := filepath.Join(dir, "goroutine.txt")
	if err := fetch(pprofURL(fl, "goroutine?debug=1"), gpath); err != nil {
		return err
	}
	rss, err := rssBytes(in.pid())
	if err != nil {
		return err
	}
	stats, err := memStats(fl)
	if err != nil {
		return err
	}
	fmt.Printf("\n### Memory at %d programs: RSS %.1f MiB, %s\n\nruntime.MemStats: %s\n\n",
		n, rss/mib, firstLine(gpath), stats)
	return summarize(path, "-sample_index=inuse_space")
}

// memStats picks the runtime's own account of its memory (heap, stacks,
// metadata) from the text heap profile.
func memStats(fl *flavor) (string, error) {
	resp, err := http.Get(pprofURL(fl, "heap?debug=1"))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var picked []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, k := range []string{"Sys", "HeapInuse", "Stack", "MSpan", "GCSys", "OtherSys"} {
			if v, ok := strings.CutPrefix(line, "# "+k+" = "); ok {
				n, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
				picked = append(picked, fmt.Sprintf("%s %.1f MiB", k, n/mib))
			}
		}
	}
	return strings.Join(picked, ", "), nil
}

func profileGetAll(fl *flavor, in *instance, dir string, n int) error {
	c := in.client()
	defer c.close()
	body, _ := encodeCall("supervisor.getAllProcessInfo")
	path := filepath.Join(dir, "getall.pprof")
	done := captureCPU(fl, path, profileSeconds)
	calls := 0
	t0 := time.Now()
	for time.Since(t0) < profileSeconds*time.Second {
		if _, err := c.post(body); err != nil {
			return err
		}
		calls++
	}
	if err := <-done; err != nil {
		return fmt.Errorf("getAllProcessInfo profile: %w", err)
	}
	fmt.Printf("\n### getAllProcessInfo at %d programs (%d calls back to back, %.1f ms each)\n\n",
		n, calls, ms(time.Since(t0))/float64(calls))
	return summarize(path, "")
}

// summarize prints the top functions by flat and by cumulative value and
// keeps both next to the profile.
func summarize(path, sampleIndex string) error {
	for _, mode := range []struct{ suffix, flag string }{{".top.txt", "-top"}, {".cum.txt", "-cum"}} {
		args := []string{"tool", "pprof", "-top", "-nodecount=25"}
		if mode.flag == "-cum" {
			args = append(args, "-cum")
		}
		if sampleIndex != "" {
			args = append(args, sampleIndex)
		}
		out, err := exec.Command("go", append(args, path)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go tool pprof: %v\n%s", err, out)
		}
		if err := os.WriteFile(path[:len(path)-len(".pprof")]+mode.suffix, out, 0o644); err != nil {
			return err
		}
		fmt.Printf("```\n%s```\n\n", out)
	}
	return nil
}
