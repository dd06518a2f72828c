// Conformance scenarios: parsing a conformance/<area>/<name>.txtar file and
// running its steps against one implementation, producing the transcript
// blocks that record mode writes and replay compares. The step language is
// documented in conformance/README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/txtar"
)

// confTranscriptFile is the txtar section holding the recorded observations.
const confTranscriptFile = "transcript"

// confScenario is one parsed conformance/<area>/<name>.txtar file.
type confScenario struct {
	name    string // "<area>/<name>", also the subtest name
	area    string
	file    string // path of the .txtar file
	archive *txtar.Archive
	steps   []*confStep
	want    []confBlock // the committed transcript, split per step
	hasWant bool
}

// confStep is one line of the scenario script.
type confStep struct {
	line  int    // 1-based line in the .txtar file
	text  string // the line as written
	cmd   string
	words []string // words after the command, not yet expanded
	rest  string   // the raw text after the command (for rpc)
}

// confBlock is the observation one step recorded: its header is "> " + the
// step's text, its body the normalized lines.
type confBlock struct {
	header string
	body   string
}

func (b confBlock) String() string { return "> " + b.header + "\n" + b.body }

// confLoadScenario parses one scenario file.
func confLoadScenario(root, file string) (*confScenario, error) {
	a, err := txtar.ParseFile(file)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, file)
	name := strings.TrimSuffix(filepath.ToSlash(rel), ".txtar")
	sc := &confScenario{name: name, area: strings.SplitN(name, "/", 2)[0], file: file, archive: a}
	lines := strings.Split(string(a.Comment), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ") {
		return nil, fmt.Errorf("%s:1: the first line must be a '# ' comment saying what the scenario checks", file)
	}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		st, err := confParseStep(i+1, l)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		sc.steps = append(sc.steps, st)
	}
	for _, f := range a.Files {
		if f.Name == confTranscriptFile {
			sc.want = confParseTranscript(string(f.Data))
			sc.hasWant = true
		}
	}
	return sc, nil
}

// confParseStep splits a script line into its command and words.
func confParseStep(line int, text string) (*confStep, error) {
	cmd, rest, _ := strings.Cut(text, " ")
	words, err := confSplitWords(rest)
	if err != nil {
		return nil, err
	}
	st := &confStep{line: line, text: text, cmd: cmd, words: words, rest: strings.TrimSpace(rest)}
	if _, ok := confStepFuncs[cmd]; !ok {
		return nil, fmt.Errorf("unknown step %q", cmd)
	}
	return st, nil
}

// confSplitWords splits at blanks; single quotes group words, and a doubled
// single quote inside them stands for one.
func confSplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			quoted = !quoted
			inWord = true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// confParseTranscript splits a transcript into blocks at "> " header lines.
func confParseTranscript(s string) []confBlock {
	var blocks []confBlock
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		if h, ok := strings.CutPrefix(line, "> "); ok {
			blocks = append(blocks, confBlock{header: strings.TrimSuffix(h, "\n")})
			continue
		}
		if len(blocks) > 0 {
			blocks[len(blocks)-1].body += line
		}
	}
	return blocks
}

// confFormatTranscript joins blocks into the transcript section.
func confFormatTranscript(blocks []confBlock) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.String())
	}
	return b.String()
}

// confTarget is the pair of programs a run drives.
type confTarget struct {
	label       string // how reports name this run
	supervisord string // absolute path
	ctl         string // absolute path of the supervisorctl for ctl steps
	helperDir   string // directory holding the conf-* helper programs
}

// confRunner executes one scenario against one target in a fresh directory.
type confRunner struct {
	sc      *confScenario
	tgt     confTarget
	root    string // private temp dir; $WORK is root/work
	work    string
	ports   []int
	env     []string
	norm    *confNormalizer
	daemons []*confDaemon
	got     []confBlock
	compare bool // stop at the first block that differs from sc.want
}

// confMismatch is a difference between a produced block and the transcript.
type confMismatch struct {
	want, got confBlock
}

func (m *confMismatch) Error() string {
	wl := strings.Split(m.want.String(), "\n")
	gl := strings.Split(m.got.String(), "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	at := func(l []string) string {
		if i < len(l) {
			return strconv.Quote(l[i])
		}
		return "(end of block)"
	}
	return fmt.Sprintf("line %d of the block differs: want %s, got %s\n--- want\n%s--- got\n%s",
		i+1, at(wl), at(gl), confIndent(m.want.String()), confIndent(m.got.String()))
}

func confIndent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}

// confStepError locates a failure at a script line.
type confStepError struct {
	st  *confStep
	err error
}

func (e *confStepError) Error() string {
	return fmt.Sprintf("line %d: %s\n%v", e.st.line, e.st.text, e.err)
}

func (e *confStepError) Unwrap() error { return e.err }

// run executes every step; it returns the first error or mismatch.
func (r *confRunner) run() (err error) {
	defer func() {
		if cerr := r.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := r.setup(); err != nil {
		return err
	}
	for _, st := range r.sc.steps {
		body, recorded, err := confStepFuncs[st.cmd](r, st)
		if err != nil {
			return &confStepError{st, errors.New(r.norm.literal(err.Error()))}
		}
		if !recorded {
			continue
		}
		got := confBlock{header: st.text, body: body}
		i := len(r.got)
		r.got = append(r.got, got)
		if !r.compare {
			continue
		}
		if i >= len(r.sc.want) {
			return &confStepError{st, errors.New("the transcript has no block for this step; re-record the scenario")}
		}
		if r.sc.want[i].header != st.text {
			return &confStepError{st, fmt.Errorf("transcript block %d is for %q; re-record the scenario", i+1, r.sc.want[i].header)}
		}
		if r.sc.want[i] != got {
			return &confStepError{st, &confMismatch{want: r.sc.want[i], got: got}}
		}
	}
	if r.compare && len(r.got) != len(r.sc.want) {
		return fmt.Errorf("the transcript has %d blocks, the script recorded %d; re-record the scenario", len(r.sc.want), len(r.got))
	}
	return nil
}

// setup makes $WORK, writes the scenario's files and picks the ports.
func (r *confRunner) setup() error {
	root, err := os.MkdirTemp("", "conformance-")
	if err != nil {
		return err
	}
	r.root = root
	r.work = filepath.Join(root, "work")
	for range 2 {
		p, err := confFreePort()
		if err != nil {
			return err
		}
		r.ports = append(r.ports, p)
	}
	if err := os.MkdirAll(filepath.Join(r.work, "tmp"), 0o755); err != nil {
		return err
	}
	r.env = []string{
		"PATH=" + r.tgt.helperDir + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + r.work,
		"TMPDIR=" + filepath.Join(r.work, "tmp"),
		"LANG=C.UTF-8",
		"TZ=UTC",
	}
	r.norm = confNewNormalizer(r.work, map[string]string{r.tgt.supervisord: "supervisord", r.tgt.ctl: "supervisorctl"}, r.ports...)
	for _, f := range r.sc.archive.Files {
		if f.Name == confTranscriptFile {
			continue
		}
		path := filepath.Join(r.work, f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(r.expand(string(f.Data))), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// expand substitutes $WORK, $PORT and $PORT2.
func (r *confRunner) expand(s string) string {
	return strings.NewReplacer("$WORK", r.work, "$PORT2", strconv.Itoa(r.ports[1]), "$PORT", strconv.Itoa(r.ports[0])).Replace(s)
}

// path expands a step argument naming a file; relative names are in $WORK.
func (r *confRunner) path(word string) string {
	p := r.expand(word)
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.work, p)
	}
	return p
}

// cleanup stops every daemon the scenario started and removes the files.
func (r *confRunner) cleanup() error {
	var errs []error
	for _, d := range r.daemons {
		errs = append(errs, d.stop())
	}
	errs = append(errs, os.RemoveAll(r.root))
	return errors.Join(errs...)
}

// confPortsGiven keeps one test run from handing out a port twice: the
// kernel may offer a port again once its probe listener is closed.
var confPortsGiven = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

func confFreePort() (int, error) {
	for {
		l, err := confListenLocal()
		if err != nil {
			return 0, err
		}
		_, portText, _ := strings.Cut(l.Addr().String(), ":")
		l.Close()
		port, err := strconv.Atoi(portText)
		if err != nil {
			return 0, err
		}
		confPortsGiven.Lock()
		given := confPortsGiven.m[port]
		confPortsGiven.m[port] = true
		confPortsGiven.Unlock()
		if !given {
			return port, nil
		}
	}
}

// observe normalizes an observation, first learning the pids of every
// process in the sessions of the scenario's daemons.
func (r *confRunner) observe(s string) string {
	for _, d := range r.daemons {
		r.norm.addPid(d.pid)
		for _, pid := range confSessionPids(d.sid) {
			r.norm.addPid(pid)
		}
	}
	return r.norm.apply(s)
}

// confStepFunc runs one step; recorded says whether it produced a block.
type confStepFunc func(r *confRunner, st *confStep) (body string, recorded bool, err error)

var confStepFuncs = map[string]confStepFunc{
	"daemon":      confStepDaemon,
	"daemon-fail": confStepDaemonFail,
	"ctl":         confStepCtl,
	"rpc":         confStepRPC,
	"rpc-raw":     confStepRPCRaw,
	"http":        confStepHTTP,
	"signal":      confStepSignal,
	"wait-state":  confStepWaitState,
	"wait-file":   confStepWaitFile,
	"wait-exit":   confStepWaitExit,
	"cat":         confStepCat,
	"ls":          confStepLs,
	"cp":          confStepCp,
	"mkdir":       confStepMkdir,
	"rm":          confStepRm,
	"chmod":       confStepChmod,
	"env":         confStepEnv,
}

// confOptions splits leading -name or -name=value words off args. Only the
// names in allowed are options; the first other word ends them.
func confOptions(words []string, allowed ...string) (map[string]string, []string) {
	opts := map[string]string{}
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		name, value, _ := strings.Cut(strings.TrimPrefix(words[0], "-"), "=")
		if !slices.Contains(allowed, name) {
			break
		}
		opts[name] = value
		words = words[1:]
	}
	return opts, words
}

func confTimeoutOpt(opts map[string]string, def time.Duration) (time.Duration, error) {
	if v, ok := opts["timeout"]; ok {
		return time.ParseDuration(v)
	}
	return def, nil
}

// confTextBlock renders program output: each line prefixed (a line holding
// control characters other than tab is written Go-quoted after prefix+"q"),
// and a missing final newline marked.
func confTextBlock(prefix, s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	lines := strings.SplitAfter(s, "\n")
	for _, l := range lines {
		if l == "" {
			continue
		}
		content := strings.TrimSuffix(l, "\n")
		if confNeedsQuote(content) {
			b.WriteString(prefix + "q " + strconv.Quote(content) + "\n")
		} else {
			b.WriteString(prefix + " " + content + "\n")
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString(`\ no newline at end` + "\n")
	}
	return b.String()
}

func confNeedsQuote(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return true
		}
	}
	return false
}

// confRunOutput is what a finished command left behind.
type confRunOutput struct {
	stdout, stderr string
	code           int // -1 = killed by a signal
}

func (o confRunOutput) asBlock(r *confRunner) string {
	return r.observe(confTextBlock("|", o.stdout) + confTextBlock("stderr|", o.stderr) + fmt.Sprintf("exit %d\n", o.code))
}

// runCommand runs a program to completion in $WORK with the scenario's
// environment, killing it at the deadline.
func (r *confRunner) runCommand(path string, args []string, stdin []byte, timeout time.Duration) (confRunOutput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Args[0] = path
	cmd.Dir = r.work
	cmd.Env = r.env
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := confRunOutput{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		return out, fmt.Errorf("%s did not finish within %v\nstdout: %q\nstderr: %q", filepath.Base(path), timeout, out.stdout, out.stderr)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		out.code = ee.ExitCode()
	case err != nil:
		return out, err
	}
	return out, nil
}

func confStepCtl(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "stdin", "noconf")
	var args []string
	if _, ok := opts["noconf"]; !ok {
		args = append(args, "-c", filepath.Join(r.work, "supervisord.conf"))
	}
	for _, w := range words {
		args = append(args, r.expand(w))
	}
	var stdin []byte
	if f, ok := opts["stdin"]; ok {
		data, err := os.ReadFile(r.path(f))
		if err != nil {
			return "", false, err
		}
		stdin = data
	}
	out, err := r.runCommand(r.tgt.ctl, args, stdin, 60*time.Second)
	if err != nil {
		return "", false, err
	}
	return out.asBlock(r), true, nil
}

// daemonArgs are the arguments of daemon steps, defaulting to the
// foreground daemon on $WORK/supervisord.conf.
func (r *confRunner) daemonArgs(words []string) []string {
	if len(words) == 0 {
		return []string{"-n", "-c", filepath.Join(r.work, "supervisord.conf")}
	}
	args := make([]string, len(words))
	for i, w := range words {
		args[i] = r.expand(w)
	}
	return args
}

func confStepDaemonFail(r *confRunner, st *confStep) (string, bool, error) {
	out, err := r.runCommand(r.tgt.supervisord, r.daemonArgs(st.words), nil, 30*time.Second)
	if err != nil {
		return "", false, err
	}
	return out.asBlock(r), true, nil
}

func confStepDaemon(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "timeout")
	timeout, err := confTimeoutOpt(opts, 15*time.Second)
	if err != nil {
		return "", false, err
	}
	if d := r.current(); d != nil && d.alive() {
		return "", false, errors.New("a daemon is already running")
	}
	args := r.daemonArgs(words)
	conf := confConfigArg(args, r.work)
	srv, foreground, err := confReadServer(conf)
	if err != nil {
		return "", false, err
	}
	foreground = foreground || slices.Contains(args, "-n") || slices.Contains(args, "--nodaemon")
	d, err := confStartDaemon(r, args, srv, foreground)
	if err != nil {
		return "", false, err
	}
	r.daemons = append(r.daemons, d)
	return "", false, d.awaitReady(timeout)
}

// confConfigArg finds the -c/--configuration argument.
func confConfigArg(args []string, work string) string {
	for i, a := range args {
		if (a == "-c" || a == "--configuration") && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--configuration="); ok {
			return v
		}
		if v, ok := strings.CutPrefix(a, "-c"); ok && v != "" {
			return v
		}
	}
	return filepath.Join(work, "supervisord.conf")
}

// current is the most recently started daemon.
func (r *confRunner) current() *confDaemon {
	if len(r.daemons) == 0 {
		return nil
	}
	return r.daemons[len(r.daemons)-1]
}

func (r *confRunner) serverFor(opts map[string]string) (confServer, error) {
	d := r.current()
	if d == nil {
		return confServer{}, errors.New("no daemon started")
	}
	srv := d.srv
	if u, ok := opts["url"]; ok {
		s, err := confParseServerURL(r.expand(u))
		if err != nil {
			return confServer{}, err
		}
		s.user, s.pass = srv.user, srv.pass
		srv = s
	}
	if _, ok := opts["noauth"]; ok {
		srv.user, srv.pass = "", ""
	}
	if a, ok := opts["auth"]; ok {
		srv.user, srv.pass, _ = strings.Cut(a, ":")
	}
	return srv, nil
}

// call performs one XML-RPC call and renders the outcome.
func (r *confRunner) call(srv confServer, path, method string, args []confValue) (string, error) {
	resp, err := srv.do(confHTTPRequest{method: "POST", path: path, auth: true,
		headers: [][2]string{{"Content-Type", "text/xml"}}, body: confEncodeCall(method, args)})
	if err != nil {
		return "", err
	}
	if resp.code() != 200 {
		_, status, _ := strings.Cut(resp.status, " ")
		return "http " + status, nil
	}
	res, err := confDecodeResponse(resp.body)
	if err != nil {
		// 4.2.5 can send bytes XML forbids (raw control characters
		// from a log); that is an observation, not a harness error.
		return "undecodable response: " + err.Error() + "\n" + strings.TrimSuffix(confTextBlock("|", string(resp.body)), "\n"), nil
	}
	if res.fault {
		return fmt.Sprintf("fault %s %s", res.faultCode, confPyQuote(res.faultString)), nil
	}
	return res.value.render(0), nil
}

func confStepRPC(r *confRunner, st *confStep) (string, bool, error) {
	opts, _ := confOptions(st.words, "auth", "noauth", "url", "path")
	rest := st.rest
	for range len(opts) {
		_, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
	}
	method, args, err := confParseCall(r.expand(rest))
	if err != nil {
		return "", false, err
	}
	srv, err := r.serverFor(opts)
	if err != nil {
		return "", false, err
	}
	path := "/RPC2"
	if p, ok := opts["path"]; ok {
		path = p
	}
	out, err := r.call(srv, path, method, args)
	if err != nil {
		return "", false, err
	}
	return r.observe(out + "\n"), true, nil
}

func confStepRPCRaw(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "auth", "noauth", "url", "path", "method")
	if len(words) != 1 {
		return "", false, errors.New("usage: rpc-raw [-method=M] [-path=P] FILE")
	}
	body, err := os.ReadFile(r.path(words[0]))
	if err != nil {
		return "", false, err
	}
	srv, err := r.serverFor(opts)
	if err != nil {
		return "", false, err
	}
	req := confHTTPRequest{method: "POST", path: "/RPC2", auth: true, body: body,
		headers: [][2]string{{"Content-Type", "text/xml"}}}
	if p, ok := opts["path"]; ok {
		req.path = p
	}
	if m, ok := opts["method"]; ok {
		req.method = m
	}
	resp, err := srv.do(req)
	if err != nil {
		return "", false, err
	}
	headers := slices.Clone(resp.headers)
	sort.SliceStable(headers, func(i, j int) bool { return strings.ToLower(headers[i][0]) < strings.ToLower(headers[j][0]) })
	var b strings.Builder
	b.WriteString(resp.status + "\n")
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + "\n")
	}
	b.WriteString(confTextBlock("|", string(resp.body)))
	return r.observe(b.String()), true, nil
}

func confStepHTTP(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "auth", "noauth", "url", "h", "grep", "until", "header", "nobody", "trim")
	if len(words) != 2 {
		return "", false, errors.New("usage: http [options] METHOD PATH")
	}
	srv, err := r.serverFor(opts)
	if err != nil {
		return "", false, err
	}
	req := confHTTPRequest{method: words[0], path: r.expand(words[1]), auth: true}
	if h, ok := opts["header"]; ok {
		name, value, _ := strings.Cut(h, ":")
		req.headers = append(req.headers, [2]string{name, strings.TrimSpace(value)})
	}
	if u, ok := opts["until"]; ok {
		if req.until, err = regexp.Compile(u); err != nil {
			return "", false, err
		}
	}
	if _, ok := opts["nobody"]; ok && req.until == nil {
		req.until = regexp.MustCompile(`^`) // do not wait for an endless body
	}
	resp, err := srv.do(req)
	if err != nil {
		return "", false, err
	}
	var b strings.Builder
	b.WriteString(resp.status + "\n")
	names := []string{"Content-Type"}
	if h, ok := opts["h"]; ok {
		names = strings.Split(h, ",")
		if h == "" {
			names = nil
		}
	}
	for _, name := range names {
		for _, h := range resp.headers {
			if strings.EqualFold(h[0], name) {
				b.WriteString(h[0] + ": " + h[1] + "\n")
			}
		}
	}
	body := string(resp.body)
	if _, ok := opts["nobody"]; ok {
		body = ""
	}
	if _, ok := opts["trim"]; ok {
		body = confTrimLines(body)
	}
	if g, ok := opts["grep"]; ok {
		if body, err = confGrepLines(g, body); err != nil {
			return "", false, err
		}
	}
	b.WriteString(confTextBlock("|", body))
	return r.observe(b.String()), true, nil
}

// confTrimLines drops the blanks around each line and the blank lines, so
// that markup is compared by content rather than by indentation.
func confTrimLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// confGrepLines keeps the lines of s that match the regexp.
func confGrepLines(expr, s string) (string, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" && re.MatchString(strings.TrimSuffix(l, "\n")) {
			b.WriteString(l)
		}
	}
	return b.String(), nil
}

func confStepSignal(r *confRunner, st *confStep) (string, bool, error) {
	if len(st.words) != 1 {
		return "", false, errors.New("usage: signal NAME")
	}
	sig, ok := confSignals[strings.TrimPrefix(st.words[0], "SIG")]
	if !ok {
		return "", false, fmt.Errorf("unknown signal %q", st.words[0])
	}
	d := r.current()
	if d == nil {
		return "", false, errors.New("no daemon started")
	}
	return "", false, syscall.Kill(d.pid, sig)
}

func confStepWaitState(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "timeout")
	timeout, err := confTimeoutOpt(opts, 30*time.Second)
	if err != nil {
		return "", false, err
	}
	if len(words) != 2 {
		return "", false, errors.New("usage: wait-state [-timeout=D] NAME STATE")
	}
	srv, err := r.serverFor(nil)
	if err != nil {
		return "", false, err
	}
	name, want := r.expand(words[0]), words[1]
	last := ""
	err = confPoll(timeout, func() bool {
		last, err = r.call(srv, "/RPC2", "supervisor.getProcessInfo", []confValue{{kind: "string", text: name}})
		if err != nil {
			last = err.Error()
			return false
		}
		return strings.Contains(last, "'statename': '"+want+"'") && r.execed(last)
	})
	if err != nil {
		return "", false, fmt.Errorf("%s did not reach %s within %v; last getProcessInfo:\n%s", name, want, timeout, last)
	}
	return "", false, nil
}

var confInfoPid = regexp.MustCompile(`'pid': ([1-9]\d*)`)

// execed reports whether the process a getProcessInfo result names has
// left the forked copy of the daemon for its own program. 4.2.5 declares a
// startsecs=0 process RUNNING before its child has called exec, and a stop
// signal arriving in that window goes to the child's copy of supervisord's
// signal handlers and is lost; scenarios must not depend on that race.
func (r *confRunner) execed(info string) bool {
	m := confInfoPid.FindStringSubmatch(info)
	d := r.current()
	if m == nil || d == nil {
		return true
	}
	child, err := os.ReadFile("/proc/" + m[1] + "/cmdline")
	if err != nil {
		return true // already gone: nothing to wait for
	}
	parent, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", d.pid))
	return err != nil || !bytes.Equal(child, parent)
}

func confStepWaitFile(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "timeout", "count")
	timeout, err := confTimeoutOpt(opts, 30*time.Second)
	if err != nil {
		return "", false, err
	}
	if len(words) != 2 {
		return "", false, errors.New("usage: wait-file [-timeout=D] [-count=N] FILE REGEXP")
	}
	count := 1
	if c, ok := opts["count"]; ok {
		if count, err = strconv.Atoi(c); err != nil {
			return "", false, err
		}
	}
	re, err := regexp.Compile(words[1])
	if err != nil {
		return "", false, err
	}
	path := r.path(words[0])
	seen := 0
	err = confPoll(timeout, func() bool {
		data, _ := os.ReadFile(path)
		seen = 0
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if re.MatchString(sc.Text()) {
				seen++
			}
		}
		return seen >= count
	})
	if err != nil {
		data, _ := os.ReadFile(path)
		return "", false, fmt.Errorf("%d of %d lines matching %q in %s within %v; the file holds:\n%s",
			seen, count, words[1], words[0], timeout, confIndent(string(data)))
	}
	return "", false, nil
}

func confStepWaitExit(r *confRunner, st *confStep) (string, bool, error) {
	opts, _ := confOptions(st.words, "timeout")
	timeout, err := confTimeoutOpt(opts, 60*time.Second)
	if err != nil {
		return "", false, err
	}
	d := r.current()
	if d == nil {
		return "", false, errors.New("no daemon started")
	}
	if err := confPoll(timeout, func() bool { return !d.alive() }); err != nil {
		return "", false, fmt.Errorf("the daemon did not exit within %v", timeout)
	}
	if !d.foreground {
		return r.observe("exited\n"), true, nil
	}
	<-d.exited
	stderr, _ := os.ReadFile(d.stderrPath)
	return r.observe(confTextBlock("stderr|", string(stderr)) + fmt.Sprintf("exit %d\n", d.code)), true, nil
}

func confStepCat(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "grep", "tail")
	if len(words) != 1 {
		return "", false, errors.New("usage: cat [-grep=RE] [-tail=N] FILE")
	}
	data, err := os.ReadFile(r.path(words[0]))
	if errors.Is(err, os.ErrNotExist) {
		return "(no such file)\n", true, nil
	}
	if err != nil {
		return "", false, err
	}
	s := string(data)
	if g, ok := opts["grep"]; ok {
		if s, err = confGrepLines(g, s); err != nil {
			return "", false, err
		}
	}
	if t, ok := opts["tail"]; ok {
		n, err := strconv.Atoi(t)
		if err != nil {
			return "", false, err
		}
		lines := strings.SplitAfter(s, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		s = strings.Join(lines[max(0, len(lines)-n):], "")
	}
	return r.observe(confTextBlock("|", s)), true, nil
}

func confStepLs(r *confRunner, st *confStep) (string, bool, error) {
	opts, words := confOptions(st.words, "l")
	if len(words) != 1 {
		return "", false, errors.New("usage: ls [-l] DIR")
	}
	entries, err := os.ReadDir(r.path(words[0]))
	if errors.Is(err, os.ErrNotExist) {
		return "(no such directory)\n", true, nil
	}
	if err != nil {
		return "", false, err
	}
	_, long := opts["l"]
	var lines []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // removed while listing
		}
		lines = append(lines, r.observe(confLsLine(info, long)))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "(empty)\n", true, nil
	}
	return strings.Join(lines, "\n") + "\n", true, nil
}

// confLsLine renders an entry like ls -F (or ls -l with -l): dirs end in /,
// sockets in =, symlinks in @.
func confLsLine(info os.FileInfo, long bool) string {
	name := info.Name()
	m := info.Mode()
	switch {
	case m.IsDir():
		name += "/"
	case m&os.ModeSocket != 0:
		name += "="
	case m&os.ModeSymlink != 0:
		name += "@"
	}
	if !long {
		return name
	}
	size := strconv.FormatInt(info.Size(), 10)
	if !m.IsRegular() {
		size = "-"
	}
	return fmt.Sprintf("%s %s %s", m.String(), size, name)
}

func confStepCp(r *confRunner, st *confStep) (string, bool, error) {
	if len(st.words) != 2 {
		return "", false, errors.New("usage: cp SRC DST")
	}
	data, err := os.ReadFile(r.path(st.words[0]))
	if err != nil {
		return "", false, err
	}
	return "", false, os.WriteFile(r.path(st.words[1]), data, 0o644)
}

func confStepMkdir(r *confRunner, st *confStep) (string, bool, error) {
	for _, w := range st.words {
		if err := os.MkdirAll(r.path(w), 0o755); err != nil {
			return "", false, err
		}
	}
	return "", false, nil
}

func confStepRm(r *confRunner, st *confStep) (string, bool, error) {
	for _, w := range st.words {
		if err := os.RemoveAll(r.path(w)); err != nil {
			return "", false, err
		}
	}
	return "", false, nil
}

func confStepChmod(r *confRunner, st *confStep) (string, bool, error) {
	if len(st.words) != 2 {
		return "", false, errors.New("usage: chmod MODE FILE")
	}
	mode, err := strconv.ParseUint(st.words[0], 8, 32)
	if err != nil {
		return "", false, err
	}
	return "", false, os.Chmod(r.path(st.words[1]), os.FileMode(mode))
}

func confStepEnv(r *confRunner, st *confStep) (string, bool, error) {
	for _, w := range st.words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return "", false, fmt.Errorf("env %q: want KEY=VALUE", w)
		}
		r.env = slices.DeleteFunc(r.env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		r.env = append(r.env, k+"="+r.expand(v))
	}
	return "", false, nil
}

// confPoll calls cond every 50ms until it holds or the deadline passes.
func confPoll(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		<-tick.C
	}
}
