// Helper programs for conformance scenarios, installed on PATH by
// testscript.Main (see main_test.go) so that scenarios recorded against
// Supervisor 4.2.5 and replayed against ours run the very same children,
// and replay needs no Python.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// confProgMain is "conf-prog ACTION...": it performs the actions in order
// and exits 0 after the last one. Actions:
//
//	out:TEXT    write TEXT to stdout (\n, \t, \e and \\ are escapes)
//	err:TEXT    write TEXT to stderr
//	outn:N      write N bytes to stdout: lines of 63 'x' and a newline
//	errn:N      the same on stderr
//	env:NAME    print NAME=value, or "NAME is unset"
//	cwd         print cwd=<working directory>
//	umask       print umask=<octal umask>
//	uid         print uid=<uid> gid=<gid>
//	argv        print each remaining argument Go-quoted on its own line, then stop
//	echo        copy stdin to stdout until EOF
//	read        wait for one line on stdin (and discard it)
//	touch:FILE  create FILE
//	once:FILE   run the next action only if FILE does not exist; create FILE
//	trap:SIG    from now on print "caught SIG<NAME>" for each SIG received
//	exit-on:SIG:N  from now on exit with status N when SIG arrives
//	ignore:SIG  ignore SIG
//	die:SIG     send SIG to itself and wait to die of it
//	sleep       wait forever (until a signal ends the process)
//	exit:N      exit with status N
func confProgMain() {
	confHandleSignals()
	args := os.Args[1:]
	stdin := bufio.NewReader(os.Stdin)
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, _ := strings.Cut(a, ":")
		switch name {
		case "argv":
			for _, rest := range args[i+1:] {
				fmt.Println(strconv.Quote(rest))
			}
			os.Exit(0)
		case "once":
			if _, err := os.Stat(value); err == nil {
				i++
				continue
			}
			if err := os.WriteFile(value, nil, 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "conf-prog: %s: %v\n", a, err)
				os.Exit(99)
			}
			continue
		case "read":
			if _, err := stdin.ReadString('\n'); err != nil {
				fmt.Fprintf(os.Stderr, "conf-prog: read: %v\n", err)
				os.Exit(99)
			}
			continue
		case "echo":
			if _, err := io.Copy(os.Stdout, stdin); err != nil {
				os.Exit(99)
			}
			continue
		}
		if err := confProgAction(name, value); err != nil {
			fmt.Fprintf(os.Stderr, "conf-prog: %s: %v\n", a, err)
			os.Exit(99)
		}
	}
	os.Exit(0)
}

func confProgAction(name, value string) error {
	switch name {
	case "out":
		_, err := io.WriteString(os.Stdout, confUnescape(value))
		return err
	case "err":
		_, err := io.WriteString(os.Stderr, confUnescape(value))
		return err
	case "outn", "errn":
		n, err := strconv.Atoi(value)
		if err != nil {
			return err
		}
		w := os.Stdout
		if name == "errn" {
			w = os.Stderr
		}
		_, err = w.Write(confFiller(n))
		return err
	case "env":
		if v, ok := os.LookupEnv(value); ok {
			fmt.Printf("%s=%s\n", value, v)
		} else {
			fmt.Printf("%s is unset\n", value)
		}
	case "cwd":
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		fmt.Printf("cwd=%s\n", wd)
	case "umask":
		old := syscall.Umask(0)
		syscall.Umask(old)
		fmt.Printf("umask=%04o\n", old)
	case "uid":
		fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	case "touch":
		return os.WriteFile(value, nil, 0o644)
	case "trap", "ignore", "die", "exit-on":
		return confSignalAction(name, value)
	case "sleep":
		select {}
	case "exit":
		n, err := strconv.Atoi(value)
		if err != nil {
			return err
		}
		os.Exit(n)
	default:
		return fmt.Errorf("unknown action")
	}
	return nil
}

// confSigModes says what conf-prog does with each signal it handles; a
// signal without a mode gets its default action, as in a C program (the Go
// runtime would otherwise swallow SIGUSR1 and SIGUSR2).
var confSigModes = struct {
	sync.Mutex
	m map[syscall.Signal]string // "trap" or "exit:N"
}{m: map[syscall.Signal]string{}}

// confHandleSignals routes the signals scenarios use through confSigModes.
func confHandleSignals() {
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		for s := range ch {
			sig := s.(syscall.Signal)
			confSigModes.Lock()
			mode := confSigModes.m[sig]
			confSigModes.Unlock()
			switch {
			case mode == "trap":
				fmt.Printf("caught SIG%s\n", confSignalName(sig))
			case strings.HasPrefix(mode, "exit:"):
				n, _ := strconv.Atoi(strings.TrimPrefix(mode, "exit:"))
				os.Exit(n)
			default:
				confDie(sig)
			}
		}
	}()
}

// confDie ends the process by sig with the signal's default action.
func confDie(sig syscall.Signal) {
	signal.Reset(sig)
	if err := confSetDefault(sig); err != nil {
		fmt.Fprintf(os.Stderr, "conf-prog: %v\n", err)
		os.Exit(99)
	}
	syscall.Kill(os.Getpid(), sig)
	select {}
}

func confSignalName(sig syscall.Signal) string {
	for name, s := range confSignals {
		if s == sig {
			return name
		}
	}
	return strconv.Itoa(int(sig))
}

func confSignalAction(name, value string) error {
	value, code, _ := strings.Cut(value, ":")
	sig, ok := confSignals[strings.TrimPrefix(value, "SIG")]
	if !ok {
		return fmt.Errorf("unknown signal %q", value)
	}
	switch name {
	case "ignore":
		signal.Ignore(sig)
	case "die":
		confDie(sig)
	case "trap":
		confSetSigMode(sig, "trap")
	case "exit-on":
		if _, err := strconv.Atoi(code); err != nil {
			return err
		}
		confSetSigMode(sig, "exit:"+code)
	}
	return nil
}

func confSetSigMode(sig syscall.Signal, mode string) {
	confSigModes.Lock()
	defer confSigModes.Unlock()
	confSigModes.m[sig] = mode
}

var confSignals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "KILL": syscall.SIGKILL,
}

func confUnescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\e`, "\x1b", `\\`, `\`).Replace(s)
}

// confFiller is n bytes of 63 'x' per line, each line ending in a newline.
func confFiller(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
		if i%64 == 63 {
			b[i] = '\n'
		}
	}
	return b
}

// confListenerMain is "conf-listener FILE [RESULT...]", an event listener
// speaking the protocol of EVT-10. For every event it appends the header
// line and then the Go-quoted payload, each on its own line, to FILE, and
// answers with the next RESULT: OK (the default once the list is used up),
// FAIL, or raw:TEXT to write TEXT (escapes as in conf-prog) instead of a
// result.
func confListenerMain() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: conf-listener FILE [RESULT...]")
		os.Exit(2)
	}
	results := os.Args[2:]
	in := bufio.NewReader(os.Stdin)
	for {
		io.WriteString(os.Stdout, "READY\n")
		header, payload, err := confReadEvent(in)
		if err != nil {
			fmt.Fprintf(os.Stderr, "conf-listener: %v\n", err)
			os.Exit(1)
		}
		if err := confAppend(os.Args[1], header+strconv.Quote(payload)+"\n"); err != nil {
			fmt.Fprintf(os.Stderr, "conf-listener: %v\n", err)
			os.Exit(1)
		}
		result := "OK"
		if len(results) > 0 {
			result, results = results[0], results[1:]
		}
		if raw, ok := strings.CutPrefix(result, "raw:"); ok {
			io.WriteString(os.Stdout, confUnescape(raw))
			continue
		}
		fmt.Printf("RESULT %d\n%s", len(result), result)
	}
}

// confReadEvent reads one header line and the payload of its len: token.
func confReadEvent(in *bufio.Reader) (string, string, error) {
	header, err := in.ReadString('\n')
	if err != nil {
		return "", "", err
	}
	n := -1
	for _, tok := range strings.Fields(header) {
		if v, ok := strings.CutPrefix(tok, "len:"); ok {
			n, err = strconv.Atoi(v)
			if err != nil {
				return "", "", fmt.Errorf("bad len in %q", header)
			}
		}
	}
	if n < 0 {
		return "", "", fmt.Errorf("no len in %q", header)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(in, payload); err != nil {
		return "", "", err
	}
	return header, string(payload), nil
}

func confAppend(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
