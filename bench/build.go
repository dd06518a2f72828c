package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// binaries are the programs the harness builds before it measures.
type binaries struct {
	root   string // the repository (module supervisord)
	daemon string // our supervisord, CGO_ENABLED=0 as shipped
	ctl    string // a supervisorctl symlink to it
	helper string // bench/helper: flood generator, stamper, event listener
	echo   string // bench/echo: the minimal net/http server

	prebuilt bool // daemon was given with -ours, not built here
}

// build compiles our daemon from the module root, unless prebuilt names
// one to measure instead, and the two helpers.
func build(dir, prebuilt string) (binaries, error) {
	root, err := moduleRoot()
	if err != nil {
		return binaries{}, err
	}
	bins := binaries{
		root:   root,
		daemon: filepath.Join(dir, "supervisord"),
		ctl:    filepath.Join(dir, "supervisorctl"),
		helper: filepath.Join(dir, "helper"),
		echo:   filepath.Join(dir, "echo"),
	}
	targets := []struct{ out, pkg string }{{bins.helper, "./bench/helper"}, {bins.echo, "./bench/echo"}}
	if prebuilt == "" {
		targets = append(targets, struct{ out, pkg string }{bins.daemon, "."})
	} else if bins.daemon, err = filepath.Abs(prebuilt); err != nil {
		return binaries{}, err
	}
	bins.prebuilt = prebuilt != ""
	for _, t := range targets {
		if err := goBuild(root, t.out, t.pkg); err != nil {
			return binaries{}, err
		}
	}
	if err := os.Symlink(bins.daemon, bins.ctl); err != nil {
		return binaries{}, err
	}
	return bins, nil
}

func goBuild(root, out, pkg string, extra ...string) error {
	args := append([]string{"build", "-o", out}, extra...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// moduleRoot is the directory of the supervisord module's go.mod.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(b))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the harness inside the repository (no go.mod found)")
	}
	return filepath.Dir(gomod), nil
}

// describeMachine is the report's header: when, where, and what ran.
func describeMachine(bins binaries, flavors []*flavor) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Date: %s\n\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&s, "Machine: %d CPUs (`nproc`), %s, Linux %s, %s; load average at start %s\n\n",
		runtime.NumCPU(), cpuModel(), firstLine("/proc/sys/kernel/osrelease"), memTotal(), loadAvg())
	ours := gitDescribe(bins.root) + ", built with " + runtime.Version()
	if bins.prebuilt {
		ours = bins.daemon + " (given with -ours)"
	}
	fmt.Fprintf(&s, "Ours: %s. 4.2.5: %s %s.\n\n", ours, flavors[1].daemon, commandOutput("", flavors[1].daemon, "-v"))
	return s.String()
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func firstLine(path string) string {
	b, _ := os.ReadFile(path)
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

func loadAvg() string {
	f := strings.Fields(firstLine("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	var kb int
	fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
	return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
}

func gitDescribe(root string) string {
	rev := commandOutput(root, "git", "rev-parse", "--short", "HEAD")
	if commandOutput(root, "git", "status", "--porcelain", "--untracked-files=no") != "" {
		rev += " (with uncommitted changes)"
	}
	return "commit " + rev
}

// commandOutput is the trimmed stdout of a command run in dir, or "?".
func commandOutput(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
