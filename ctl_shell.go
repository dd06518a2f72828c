// supervisorctl's interactive shell (CTL-03): the command loop, line
// editing and tab completion on a terminal, plain prompts on piped stdin,
// history, questions, and Ctrl-C handled the way 4.2.5's KeyboardInterrupt
// is.
//
// Line editing uses github.com/peterh/liner rather than chzyer/readline:
// liner holds the terminal only while a prompt is open, so between prompts
// the actions (fg's typed lines, y/N questions) can read stdin in the
// terminal's normal mode, and its TabPrints style completes like GNU
// readline (common prefix first, list on the second tab).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/peterh/liner"
	"golang.org/x/sys/unix"
)

// runShell reads and executes commands until quit, EOF or Ctrl-C. The first
// command is an automatic "status".
func (c *controller) runShell() {
	if isTerminal(os.Stdin) && isTerminal(os.Stdout) {
		c.term = newTerminal(c.complete)
	}
	if c.term != nil {
		defer c.term.close()
	}
	history := c.loadHistory()
	defer c.saveHistory(history)
	line := "status"
	for {
		var stop bool
		if c.intr.run(func() { stop = c.onecmd(line) }) {
			c.endInterruptedLine()
			return
		}
		if stop {
			return
		}
		var err error
		if c.intr.run(func() { line, err = c.readInput(c.settings.prompt + "> ") }) {
			c.endInterruptedLine()
			return
		}
		if err != nil {
			line = "EOF"
		}
	}
}

// endInterruptedLine prints the empty line 4.2.5 prints after Ctrl-C,
// unless the line editor already ended the line after echoing "^C".
func (c *controller) endInterruptedLine() {
	if !c.intr.editorAborted.Swap(false) {
		c.output("")
	}
}

// readInput is Python's input(prompt): the line editor when stdin and
// stdout are terminals, otherwise the prompt on stdout and a line from
// stdin. It returns io.EOF at the end of input and errInterrupted after
// Ctrl-C in the line editor.
func (c *controller) readInput(prompt string) (string, error) {
	if c.term != nil {
		line, err := c.term.prompt(prompt)
		switch {
		case err == nil:
			if line != "" {
				c.term.editor.AppendHistory(line)
			}
			return line, nil
		case errors.Is(err, liner.ErrPromptAborted):
			c.intr.abort()
			return "", errInterrupted
		case !errors.Is(err, liner.ErrInvalidPrompt):
			return "", io.EOF
		}
	}
	io.WriteString(c.stdout, prompt)
	return c.input.readLine(nil)
}

// ask is readInput for actions: the end of input is Python's EOFError.
func (c *controller) ask(prompt string) (string, error) {
	line, err := c.readInput(prompt)
	if errors.Is(err, io.EOF) {
		return "", c.eofError()
	}
	return line, err
}

// eofError is what Python's input() raises at the end of input: with an
// empty message when readline is reading.
func (c *controller) eofError() error {
	if c.term != nil {
		return &pyError{"EOFError", ""}
	}
	return &pyError{"EOFError", "EOF when reading a line"}
}

// askPassword reads a password without echo, like Python's getpass: on the
// line editor, else on /dev/tty, else (with a warning) from stdin.
func (c *controller) askPassword(prompt string) (string, error) {
	if c.term != nil {
		line, err := c.term.password(prompt)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			c.intr.abort()
			return "", errInterrupted
		case err != nil:
			return "", c.eofError()
		}
		return line, nil
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR|syscall.O_NOCTTY, 0); err == nil {
		defer tty.Close()
		if line, ok, err := readPasswordFrom(tty, prompt); ok {
			return line, err
		}
	}
	io.WriteString(c.stderr, "Warning: Password input may be echoed.\n"+prompt)
	line, err := c.input.readLine(nil)
	if err != nil {
		return "", &pyError{"EOFError", ""}
	}
	io.WriteString(c.stderr, "\n")
	return line, nil
}

// readPasswordFrom prompts on tty and reads a line with echo off. ok is
// false when tty cannot be switched to no-echo.
func readPasswordFrom(tty *os.File, prompt string) (line string, ok bool, err error) {
	fd := int(tty.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", false, nil
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETSF, &quiet); err != nil {
		return "", false, nil
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETSF, saved)
	io.WriteString(tty, prompt)
	text, readErr := bufio.NewReader(tty).ReadString('\n')
	io.WriteString(tty, "\n")
	if text == "" && readErr != nil {
		return "", true, &pyError{"EOFError", ""}
	}
	return strings.TrimSuffix(text, "\n"), true, nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// loadHistory reads history_file (CFG-44) into the line editor, or returns
// its lines to be written back unchanged, as 4.2.5 rewrites the file at
// exit even when nothing was typed on a terminal.
func (c *controller) loadHistory() []string {
	if c.settings.historyFile == "" {
		return nil
	}
	data, err := os.ReadFile(c.settings.historyFile)
	if err != nil {
		return nil
	}
	if c.term != nil {
		c.term.editor.ReadHistory(bytes.NewReader(data))
		return nil
	}
	return strings.SplitAfter(string(data), "\n")
}

func (c *controller) saveHistory(lines []string) {
	if c.settings.historyFile == "" {
		return
	}
	f, err := os.OpenFile(c.settings.historyFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	if c.term != nil {
		c.term.editor.WriteHistory(f)
		return
	}
	io.WriteString(f, strings.Join(lines, ""))
}

// terminal is the line editor and the two terminal modes it switches
// between: its own for prompts, the normal one while actions run.
type terminal struct {
	editor *liner.State
	normal liner.ModeApplier
	raw    liner.ModeApplier
}

func newTerminal(complete liner.WordCompleter) *terminal {
	normal, err := liner.TerminalMode()
	if err != nil {
		return nil
	}
	editor := liner.NewLiner()
	raw, err := liner.TerminalMode()
	if err != nil {
		editor.Close()
		return nil
	}
	normal.ApplyMode()
	editor.SetCtrlCAborts(true)
	editor.SetTabCompletionStyle(liner.TabPrints)
	editor.SetWordCompleter(complete)
	return &terminal{editor: editor, normal: normal, raw: raw}
}

func (t *terminal) prompt(p string) (string, error) {
	t.raw.ApplyMode()
	defer t.normal.ApplyMode()
	return t.editor.Prompt(p)
}

func (t *terminal) password(p string) (string, error) {
	t.raw.ApplyMode()
	defer t.normal.ApplyMode()
	return t.editor.PasswordPrompt(p)
}

func (t *terminal) close() { t.editor.Close() }

// completerDelims are the characters that end a word for completion:
// Python's readline defaults without ':', '*' and '-', so that
// "group:process", "group:*" and dashed names are single words.
const completerDelims = " \t\n`~!@#$%^&()=+[{]}\\|;'\",<>/?"

// complete is the line editor's completer (CTL-03): pos is the cursor as
// a rune index into line.
func (c *controller) complete(line string, pos int) (head string, completions []string, tail string) {
	runes := []rune(line)
	start := pos
	for start > 0 && !strings.ContainsRune(completerDelims, runes[start-1]) {
		start--
	}
	return string(runes[:start]), c.completions(string(runes[start:pos]), line), string(runes[pos:])
}

// completions lists the words that complete text, each with a trailing
// space, sorted as readline lists them: action names first on the line, then group names for
// add/remove/update and process names for the actions that take them.
func (c *controller) completions(text, line string) []string {
	words := pySplit(line)
	switch {
	case len(words) == 0, len(words) == 1 && !strings.HasSuffix(line, " "):
		return c.completeActions(text)
	// 4.2.5 tests "action in ('help')", a substring test on "help".
	case strings.Contains("help", words[0]):
		return c.completeActions(text)
	case contains([]string{"add", "remove", "update"}, words[0]):
		return c.completeGroups(text)
	case contains([]string{"clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail"}, words[0]):
		return c.completeProcesses(text)
	}
	return nil
}

func (c *controller) completeActions(text string) []string {
	var names []string
	for name := range ctlActions {
		if strings.HasPrefix(name, text) {
			names = append(names, name+" ")
		}
	}
	sort.Strings(names)
	return names
}

func (c *controller) completeGroups(text string) []string {
	var groups []string
	for _, info := range c.processInfoForCompletion() {
		g := info.Group + " "
		if strings.HasPrefix(g, text) && !contains(groups, g) {
			groups = append(groups, g)
		}
	}
	sort.Strings(groups)
	return groups
}

func (c *controller) completeProcesses(text string) []string {
	var names []string
	for _, info := range c.processInfoForCompletion() {
		if strings.Contains(text, ":") || info.Name != info.Group {
			names = append(names, info.Group+":"+info.Name+" ")
			if all := info.Group + ":* "; !contains(names, all) {
				names = append(names, all)
			}
		} else {
			names = append(names, info.Name+" ")
		}
	}
	var matching []string
	for _, n := range names {
		if strings.HasPrefix(n, text) {
			matching = append(matching, n)
		}
	}
	sort.Strings(matching)
	return matching
}

// processInfoForCompletion fetches the process list once per command line;
// failures just mean no completions, as readline ignores completer errors.
func (c *controller) processInfoForCompletion() []ctlProcessInfo {
	if c.completeInfo != nil {
		return c.completeInfo
	}
	s, err := c.supervisor()
	if err != nil {
		return nil
	}
	var infos []ctlProcessInfo
	if s.call("supervisor.getAllProcessInfo", &infos) == nil {
		c.completeInfo = infos
	}
	return c.completeInfo
}

// interrupts turns SIGINT into what 4.2.5's KeyboardInterrupt does: the
// end of the shell or of the one-shot command, except while tail -f or fg
// catch it to stop streaming.
type interrupts struct {
	sig     chan os.Signal
	mu      sync.Mutex
	catcher chan struct{}
	aborted atomic.Bool // a line editor prompt saw Ctrl-C as a key
	// editorAborted stays set after run reported such an interrupt.
	editorAborted atomic.Bool
}

func newInterrupts() *interrupts {
	in := &interrupts{sig: make(chan os.Signal, 1)}
	// Like Python, leave SIGINT alone when it was ignored at start.
	if !signal.Ignored(os.Interrupt) {
		signal.Notify(in.sig, os.Interrupt)
	}
	return in
}

func (in *interrupts) stop() { signal.Stop(in.sig) }

// run calls fn and reports whether Ctrl-C interrupted it. fn runs in its
// own goroutine so that a blocked read or call cannot hold up the
// interrupt; after true it is abandoned and the caller must end.
func (in *interrupts) run(fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	for {
		select {
		case <-done:
			return in.aborted.Swap(false)
		case <-in.sig:
			if !in.forward() {
				return true
			}
		}
	}
}

// forward hands a Ctrl-C to the catcher, if one is registered.
func (in *interrupts) forward() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.catcher == nil {
		return false
	}
	select {
	case in.catcher <- struct{}{}:
	default:
	}
	return true
}

// catch delivers Ctrl-C on the returned channel instead of ending the
// command, until release is called.
func (in *interrupts) catch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	in.mu.Lock()
	in.catcher = ch
	in.mu.Unlock()
	return ch, func() {
		in.mu.Lock()
		in.catcher = nil
		in.mu.Unlock()
	}
}

// abort makes the current run report an interrupt.
func (in *interrupts) abort() {
	in.aborted.Store(true)
	in.editorAborted.Store(true)
}

// dieOfInterrupt ends the process by SIGINT, as Python does after an
// uncaught KeyboardInterrupt.
func (in *interrupts) dieOfInterrupt() {
	in.stop()
	signal.Reset(os.Interrupt)
	// A signal sent to the calling thread is delivered before the call
	// returns, so the process ends here rather than racing os.Exit.
	runtime.LockOSThread()
	unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGINT)
}

// lineReader reads lines from stdin for the piped shell, questions and fg,
// buffering what it read ahead. Only fg needs a read that Ctrl-C can end
// while the shell goes on, so reads wait in poll(2) with a wake-up pipe.
type lineReader struct {
	f   *os.File
	buf []byte
	eof bool
}

func newLineReader(f *os.File) *lineReader { return &lineReader{f: f} }

// readLine returns the next line without its "\n"; a last line without
// "\n" comes before io.EOF. A value on cancel (nil: never) ends the wait
// with errInterrupted.
func (r *lineReader) readLine(cancel <-chan struct{}) (string, error) {
	for {
		if i := bytes.IndexByte(r.buf, '\n'); i >= 0 {
			line := string(r.buf[:i])
			r.buf = r.buf[i+1:]
			return line, nil
		}
		if r.eof {
			if len(r.buf) == 0 {
				return "", io.EOF
			}
			line := string(r.buf)
			r.buf = nil
			return line, nil
		}
		if err := r.wait(cancel); err != nil {
			return "", err
		}
		chunk := make([]byte, 4096)
		n, err := r.f.Read(chunk)
		r.buf = append(r.buf, chunk[:n]...)
		r.eof = err != nil
	}
}

// wait blocks until stdin is readable or cancel fires.
func (r *lineReader) wait(cancel <-chan struct{}) error {
	if cancel == nil {
		return nil
	}
	wakeR, wakeW, err := os.Pipe()
	if err != nil {
		return nil // fall back to a plain blocking read
	}
	defer wakeR.Close()
	defer wakeW.Close()
	var fired atomic.Bool
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		select {
		case <-cancel:
			fired.Store(true)
			wakeW.Write([]byte{0})
		case <-done:
		}
	})
	fds := []unix.PollFd{
		{Fd: int32(r.f.Fd()), Events: unix.POLLIN},
		{Fd: int32(wakeR.Fd()), Events: unix.POLLIN},
	}
	for {
		_, err := unix.Poll(fds, -1)
		if err != unix.EINTR {
			break
		}
	}
	close(done)
	wg.Wait()
	if fired.Load() {
		return errInterrupted
	}
	return nil
}
