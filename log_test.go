package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFloodNoLoss floods a child's stdout through many rotations and
// checks that the log files, oldest first, hold every byte in order
// (LOG-04, LOG-11; issue: 500 MiB, 0 bytes lost).
func TestFloodNoLoss(t *testing.T) {
	lines := 60_000_000 // seq 1 60000000 writes about 520 MB
	if testing.Short() {
		lines = 2_000_000
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[supervisord]
logfile=%%(here)s/supervisord.log
pidfile=%%(here)s/supervisord.pid
[unix_http_server]
file=%%(here)s/sup.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:flood]
command=seq 1 %d
stdout_logfile=%%(here)s/out.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=12
startsecs=0
autorestart=false
`, lines)), 0o644)
	daemon := exec.Command("supervisord", "-n", "-c", conf)
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	c := unixTestClient(filepath.Join(dir, "sup.sock"))
	defer func() {
		var ok bool
		c.call("supervisor.shutdown", nil, &ok)
		daemon.Wait()
	}()
	var state struct {
		Statename string `xmlrpc:"statename"`
	}
	if !poll(func() bool {
		return c.call("supervisor.getProcessInfo", []any{"flood"}, &state) == nil && state.Statename == "EXITED"
	}) {
		t.Fatalf("flood did not exit (state %q)", state.Statename)
	}
	got := sha256.New()
	for i := 12; i >= 0; i-- {
		name := filepath.Join(dir, "out.log")
		if i > 0 {
			name += fmt.Sprintf(".%d", i)
		}
		f, err := os.Open(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(got, f)
		f.Close()
	}
	want := sha256.New()
	seq := exec.Command("seq", "1", fmt.Sprint(lines))
	seq.Stdout = want
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%x", got.Sum(nil)) != fmt.Sprintf("%x", want.Sum(nil)) {
		t.Fatalf("the rotated logs do not hold seq's output byte for byte")
	}
}

// TestLogFileRotation checks 4.2.5's rules (LOG-04): rotate after the
// write that reaches maxBytes, shift .1..N keeping at most backups files,
// truncate in place with no backups, never rotate with maxBytes 0.
func TestLogFileRotation(t *testing.T) {
	for _, tc := range []struct {
		name        string
		maxBytes    int64
		backups     int
		writes      []string
		current     string
		backupFiles []string // .1, .2, ...
	}{
		{"rotate after write", 4, 2, []string{"ab", "cdef", "g"}, "g", []string{"abcdef"}},
		{"shift and drop", 2, 2, []string{"aa", "bb", "cc"}, "", []string{"cc", "bb"}},
		{"no backups truncates", 2, 0, []string{"aa", "b"}, "b", nil},
		{"maxbytes 0 never rotates", 0, 3, []string{"aaaa", "bbbb"}, "aaaabbbb", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.log")
			l, err := openLogFile(path, tc.maxBytes, tc.backups)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for _, w := range tc.writes {
				if _, err := l.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := os.ReadFile(path); string(got) != tc.current {
				t.Errorf("out.log holds %q, want %q", got, tc.current)
			}
			for i, want := range tc.backupFiles {
				got, err := os.ReadFile(fmt.Sprintf("%s.%d", path, i+1))
				if err != nil || string(got) != want {
					t.Errorf("out.log.%d holds %q (%v), want %q", i+1, got, err, want)
				}
			}
			if _, err := os.Stat(fmt.Sprintf("%s.%d", path, len(tc.backupFiles)+1)); err == nil {
				t.Errorf("out.log.%d exists", len(tc.backupFiles)+1)
			}
		})
	}
}
