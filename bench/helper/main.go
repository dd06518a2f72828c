// Command helper is the program the benchmark's supervised processes run:
//
//	helper gen BYTES MODE WRITE   write BYTES of 64-byte lines, WRITE bytes per
//	                              write(2); MODE "stdout" or "both" (alternate
//	                              writes to stdout and stderr)
//	helper stamp FILE DURATION    append "start <unix ns>", sleep, append
//	                              "exit <unix ns>", exit 0
//	helper listen ADDR            an event listener that reports each
//	                              PROCESS_STATE_RUNNING to a TCP peer at ADDR
//
// It is a separate small binary so that every daemon, and the limits, run
// the very same bytes.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: helper gen|stamp|listen ...")
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "stamp":
		err = stamp(os.Args[2:])
	case "listen":
		err = listen(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "helper:", msg)
	os.Exit(2)
}

const lineLen = 64

// gen writes the flood. Every write is a whole number of lines, like a
// program whose stdio buffer flushes WRITE bytes at a time.
func gen(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("gen BYTES MODE WRITE")
	}
	total, err1 := strconv.ParseInt(args[0], 10, 64)
	chunk, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || chunk < lineLen || chunk%lineLen != 0 {
		return fmt.Errorf("gen: bad BYTES or WRITE (a multiple of %d)", lineLen)
	}
	fds := []int{1}
	if args[1] == "both" {
		fds = []int{1, 2}
	}
	block := lines(chunk)
	for i := 0; total > 0; i++ {
		n := int(min(total, int64(chunk)))
		if err := writeAll(fds[i%len(fds)], block[:n]); err != nil {
			return err
		}
		total -= int64(n)
	}
	return nil
}

// lines fills n bytes with numbered 64-byte lines.
func lines(n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		line := fmt.Sprintf("line %08d ", i)
		line += strings.Repeat("x", lineLen-1-len(line)) + "\n"
		b = append(b, line...)
	}
	return b[:n]
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write fd %d: %w", fd, err)
		}
		b = b[n:]
	}
	return nil
}

// stamp records when this spawn started and when it exits, so the
// harness sees exit → respawn gaps without asking the daemon.
func stamp(args []string) error {
	started := time.Now()
	if len(args) != 2 {
		return fmt.Errorf("stamp FILE DURATION")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "start %d\n", started.UnixNano())
	time.Sleep(d)
	fmt.Fprintf(f, "exit %d\n", time.Now().UnixNano())
	return f.Close()
}

// listen speaks the event listener protocol on stdin/stdout and tells the
// harness "RUNNING <processname>" the moment such an event arrives.
func listen(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("listen ADDR")
	}
	conn, err := net.Dial("tcp", args[0])
	if err != nil {
		return err
	}
	in := bufio.NewReader(os.Stdin)
	for {
		os.Stdout.WriteString("READY\n")
		header, err := in.ReadString('\n')
		if err != nil {
			return err
		}
		fields := tokens(header)
		size, err := strconv.Atoi(fields["len"])
		if err != nil {
			return fmt.Errorf("bad header %q", header)
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(in, payload); err != nil {
			return err
		}
		if fields["eventname"] == "PROCESS_STATE_RUNNING" {
			name := tokens(string(payload))["processname"]
			if _, err := conn.Write([]byte("RUNNING " + name + "\n")); err != nil {
				return err
			}
		}
		os.Stdout.WriteString("RESULT 2\nOK")
	}
}

// tokens splits "k:v k:v" into a map.
func tokens(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, ":"); ok {
			m[k] = v
		}
	}
	return m
}
