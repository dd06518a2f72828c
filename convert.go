// Value converters for supervisord.conf: every option string becomes a typed
// value here, with the error texts Supervisor 4.2.5 prints (SUP-01, SEC-07).
// Several of those texts and behaviours come from Python itself (int(),
// repr(), shlex, the % operator, RawConfigParser, glob), so the small
// Python emulations they need live here too.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/user"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// pyIsSpace is Python's str.isspace for one character; unlike Go it also
// counts the ASCII separators 0x1c..0x1f.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string  { return strings.TrimFunc(s, pyIsSpace) }
func pyRstrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }

// pyRepr renders a string the way Python's repr() does, since 4.2.5 quotes
// user values with %r in most of its messages.
func pyRepr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i-1])
		case r == quote || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// pyIntError is Python's int() failure text; Python cuts the repr at 200
// characters.
func pyIntError(s string, base int) error {
	r := []rune(pyRepr(s))
	if len(r) > 200 {
		r = r[:200]
	}
	return fmt.Errorf("invalid literal for int() with base %d: %s", base, string(r))
}

// pyParseInt accepts what Python's int(s, base) accepts for base 8 and 10:
// surrounding whitespace, a sign, single underscores between digits and, for
// base 8, a 0o prefix. Values beyond int64 are refused.
func pyParseInt(s string, base int) (int64, bool) {
	t := pyStrip(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	prefixed := false
	if base == 8 && len(t) > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O') {
		t, prefixed = t[2:], true
	}
	if prefixed && strings.HasPrefix(t, "_") {
		t = t[1:]
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), base, 64)
	if err != nil || strings.ContainsAny(t, "+-") {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// pyInt is 4.2.5's integer(): Python int() with its error text.
func pyInt(s string) (int, error) {
	n, ok := pyParseInt(s, 10)
	if !ok || n != int64(int(n)) {
		return 0, pyIntError(s, 10)
	}
	return int(n), nil
}

// parseBool accepts true/yes/on/1 and false/no/off/0 in any case (CFG-06).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, errors.New("not a valid boolean value: " + pyRepr(s))
}

// parseByteSize reads an integer with an optional KB/MB/GB suffix (CFG-06).
// Like 4.2.5 the value is lower-cased first, so errors show it lower-cased.
func parseByteSize(s string) (int64, error) {
	v := strings.ToLower(s)
	mult := int64(1)
	for _, suf := range []struct {
		s string
		m int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}} {
		if strings.HasSuffix(v, suf.s) {
			v, mult = v[:len(v)-2], suf.m
			break
		}
	}
	n, ok := pyParseInt(v, 10)
	if !ok {
		return 0, pyIntError(v, 10)
	}
	return n * mult, nil
}

// parseOctal is int(s, 8) with 4.2.5's message.
func parseOctal(s string) (int, error) {
	n, ok := pyParseInt(s, 8)
	if !ok || n != int64(int(n)) {
		return 0, fmt.Errorf("%s can not be converted to an octal type", s)
	}
	return int(n), nil
}

// pySignals holds the names Python's signal module defines on Linux, which
// are the names 4.2.5 accepts (including aliases and the SIG_* constants).
var pySignals = map[string]syscall.Signal{
	"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5,
	"SIGABRT": 6, "SIGIOT": 6, "SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9,
	"SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
	"SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
	"SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
	"SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27,
	"SIGWINCH": 28, "SIGIO": 29, "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31,
	"SIGRTMIN": 34, "SIGRTMAX": 64,
	"SIG_DFL": 0, "SIG_IGN": 1, "SIG_BLOCK": 0, "SIG_UNBLOCK": 1, "SIG_SETMASK": 2,
}

// pySignalNames is options.signame's table: where Python has aliases, the
// name it reports.
var pySignalNames = map[syscall.Signal]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGPOLL", 30: "SIGPWR",
	31: "SIGSYS", 34: "SIGRTMIN", 64: "SIGRTMAX",
}

// signalName names a signal as 4.2.5 does in logs ("signal 32" when the
// number has no name).
func signalName(sig syscall.Signal) string {
	if name, ok := pySignalNames[sig]; ok {
		return name
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// parseSignal reads a signal number or name, with or without SIG, in any
// case (CFG-06). Numbers must be ones Python knows (0..31, 34, 64).
func parseSignal(s string) (syscall.Signal, error) {
	var sig syscall.Signal
	if n, ok := pyParseInt(s, 10); ok {
		sig = syscall.Signal(n)
		if n != int64(sig) {
			return 0, fmt.Errorf("value %s is not a valid signal number", pyRepr(s))
		}
	} else {
		name := strings.ToUpper(pyStrip(s))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		num, known := pySignals[name]
		if !known {
			return 0, fmt.Errorf("value %s is not a valid signal name", pyRepr(s))
		}
		sig = num
	}
	if _, named := pySignalNames[sig]; !named && sig != 0 {
		return 0, fmt.Errorf("value %s is not a valid signal number", pyRepr(s))
	}
	return sig, nil
}

// parseExitCodes reads a comma-separated list of 0..255 (CFG-57).
func parseExitCodes(s string) ([]int, error) {
	codes := []int{}
	if s == "" {
		return codes, nil
	}
	for _, part := range strings.Split(s, ",") {
		n, ok := pyParseInt(part, 10)
		if !ok || n < 0 || n > 255 {
			return nil, errors.New("not a valid list of exit codes: " + pyRepr(s))
		}
		codes = append(codes, int(n))
	}
	return codes, nil
}

// parseEnvironment reads KEY=val,KEY2="val 2" the way 4.2.5 does (CFG-49):
// a non-POSIX shlex token stream taken as key, '=', value, then one skipped
// separator token, so A=a b silently yields A=a.
func parseEnvironment(s string) (map[string]string, error) {
	tokens, err := shlexWords(s)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for i := 0; i < len(tokens); i += 4 {
		if len(tokens)-i < 3 || tokens[i+1] != "=" {
			return nil, fmt.Errorf("Unexpected end of key/value pairs in value '%s'", s)
		}
		env[tokens[i]] = strings.Trim(tokens[i+2], `'"`)
	}
	return env, nil
}

// shlexWordChars are the characters that build a word in the environment
// lexer (Python's non-POSIX shlex plus the ones 4.2.5 adds).
const shlexWordChars = "abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.+-():"

// shlexWords tokenises like Python's shlex.shlex(s) in non-POSIX mode:
// quoted strings keep their quotes, '#' comments run to the end of the
// line (and glue the next line onto a word in progress), any other
// character is a token of its own.
func shlexWords(s string) ([]string, error) {
	var tokens []string
	in := []rune(s)
	isWord := func(r rune) bool { return r < 0x80 && strings.ContainsRune(shlexWordChars, r) }
	isBlank := func(r rune) bool { return strings.ContainsRune(" \t\r\n", r) }
	skipLine := func(i int) int {
		for i < len(in) && in[i] != '\n' {
			i++
		}
		return i + 1
	}
	i := 0
	for i < len(in) {
		r := in[i]
		switch {
		case isBlank(r):
			i++
		case r == '#':
			i = skipLine(i)
		case r == '\'' || r == '"':
			end := i + 1
			for end < len(in) && in[end] != r {
				end++
			}
			if end >= len(in) {
				return nil, errors.New("No closing quotation")
			}
			tokens = append(tokens, string(in[i:end+1]))
			i = end + 1
		case isWord(r):
			var tok []rune
			for i < len(in) {
				c := in[i]
				if c == '#' {
					i = skipLine(i)
					continue
				}
				if !isWord(c) && c != '\'' && c != '"' {
					break
				}
				tok = append(tok, c)
				i++
			}
			tokens = append(tokens, string(tok))
		default:
			tokens = append(tokens, string(r))
			i++
		}
	}
	return tokens, nil
}

// splitCommand splits command= like Python's shlex.split (POSIX rules,
// no comments): quotes group, backslash escapes outside single quotes.
func splitCommand(command string) ([]string, error) {
	var args []string
	var tok []rune
	inToken := false
	in := []rune(command)
	for i := 0; i < len(in); i++ {
		r := in[i]
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			if inToken {
				args = append(args, string(tok))
				tok, inToken = nil, false
			}
		case r == '\\':
			if i+1 >= len(in) {
				return nil, errors.New("No escaped character")
			}
			i++
			tok, inToken = append(tok, in[i]), true
		case r == '\'' || r == '"':
			inToken = true
			end, quoted, err := shlexQuoted(in, i)
			if err != nil {
				return nil, err
			}
			tok = append(tok, quoted...)
			i = end
		default:
			tok, inToken = append(tok, r), true
		}
	}
	if inToken {
		args = append(args, string(tok))
	}
	return args, nil
}

// shlexQuoted reads the quoted run starting at in[start] and returns the
// index of the closing quote and the unquoted text. Inside double quotes a
// backslash escapes only '"' and '\'.
func shlexQuoted(in []rune, start int) (int, []rune, error) {
	q := in[start]
	var out []rune
	for i := start + 1; i < len(in); i++ {
		r := in[i]
		switch {
		case r == q:
			return i, out, nil
		case q == '"' && r == '\\':
			if i+1 >= len(in) {
				return 0, nil, errors.New("No escaped character")
			}
			i++
			if in[i] != '"' && in[i] != '\\' {
				out = append(out, '\\')
			}
			out = append(out, in[i])
		default:
			out = append(out, r)
		}
	}
	return 0, nil, errors.New("No closing quotation")
}

var cfgLogLevels = map[string]LogLevel{
	"critical": LevelCritical, "error": LevelError, "warn": LevelWarn,
	"info": LevelInfo, "debug": LevelDebug, "trace": LevelTrace, "blather": LevelBlather,
}

// parseLogLevel reads loglevel= (CFG-23).
func parseLogLevel(s string) (LogLevel, error) {
	if l, ok := cfgLogLevels[strings.ToLower(s)]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("bad logging level name %s", pyRepr(s))
}

// Code is the four-letter level name used in the main log (LOG-02).
func (l LogLevel) Code() string {
	switch l {
	case LevelCritical:
		return "CRIT"
	case LevelError:
		return "ERRO"
	case LevelWarn:
		return "WARN"
	case LevelInfo:
		return "INFO"
	case LevelDebug:
		return "DEBG"
	case LevelTrace:
		return "TRAC"
	case LevelBlather:
		return "BLAT"
	}
	return fmt.Sprintf("Level %d", int(l))
}

// lookupUser resolves a user name or numeric uid that must exist, and the
// user's primary group (CFG-06 user).
func lookupUser(s string) (uid, gid int, err error) {
	var u *user.User
	if n, ok := pyParseInt(s, 10); ok {
		u, err = user.LookupId(strconv.FormatInt(n, 10))
		if err != nil {
			return 0, 0, fmt.Errorf("Invalid user id %s", s)
		}
	} else if u, err = user.Lookup(s); err != nil {
		return 0, 0, fmt.Errorf("Invalid user name %s", s)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// nameToGID resolves a group name or numeric gid that must exist.
func nameToGID(s string) (int, error) {
	var g *user.Group
	var err error
	if n, ok := pyParseInt(s, 10); ok {
		g, err = user.LookupGroupId(strconv.FormatInt(n, 10))
	} else {
		g, err = user.LookupGroup(s)
	}
	if err != nil {
		return 0, fmt.Errorf("Invalid group name %s", s)
	}
	gid, _ := strconv.Atoi(g.Gid)
	return gid, nil
}

// parseUserGroup reads "user" or "user:group" (chown=, socket_owner=); a
// missing group is -1.
func parseUserGroup(s string) (uid, gid int, err error) {
	name, group, hasGroup := strings.Cut(s, ":")
	uid, _, err = lookupUser(name)
	gid = -1
	if err == nil && hasGroup {
		gid, err = nameToGID(group)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("Invalid user:group definition %s", s)
	}
	return uid, gid, nil
}

// pyExpandUser is os.path.expanduser: ~ and ~name at the start only.
func pyExpandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	var home string
	if i == 1 {
		if h, ok := os.LookupEnv("HOME"); ok {
			home = h
		} else if u, err := user.LookupId(strconv.Itoa(os.Getuid())); err == nil {
			home = u.HomeDir
		} else {
			return p
		}
	} else {
		u, err := user.Lookup(p[1:i])
		if err != nil {
			return p
		}
		home = u.HomeDir
	}
	home = strings.TrimRight(home, "/")
	if home+p[i:] == "" {
		return "/"
	}
	return home + p[i:]
}

// pyDirname is os.path.dirname ("" for a bare name, trailing slashes
// dropped unless the head is all slashes).
func pyDirname(p string) string {
	head := p[:strings.LastIndexByte(p, '/')+1]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// pyJoin is os.path.join for two parts.
func pyJoin(a, b string) string {
	switch {
	case strings.HasPrefix(b, "/"):
		return b
	case a == "" || strings.HasSuffix(a, "/"):
		return a + b
	}
	return a + "/" + b
}

// pyNormpath is os.path.normpath; unlike filepath.Clean it keeps exactly
// two leading slashes.
func pyNormpath(p string) string {
	if p == "" {
		return "."
	}
	lead := ""
	switch {
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		lead = "//"
	case strings.HasPrefix(p, "/"):
		lead = "/"
	}
	var parts []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c == ".." && len(parts) > 0 && parts[len(parts)-1] != "..":
			parts = parts[:len(parts)-1]
		case c == ".." && lead != "":
		default:
			parts = append(parts, c)
		}
	}
	out := lead + strings.Join(parts, "/")
	if out == "" {
		return "."
	}
	return out
}

// pyAbspath is os.path.abspath.
func pyAbspath(p string) string {
	if !strings.HasPrefix(p, "/") {
		cwd, err := os.Getwd()
		if err == nil {
			p = pyJoin(cwd, p)
		}
	}
	return pyNormpath(p)
}

// pyNormalizePath is 4.2.5's normalize_path: ~ expanded, made absolute
// against the current directory, normalised.
func pyNormalizePath(p string) string {
	return pyNormpath(pyAbspath(pyExpandUser(p)))
}

func pyIsDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// existingDirPath expands ~ and checks that the directory part of p, if
// any, exists (log files, pidfile). The path is not made absolute.
func existingDirPath(p string) (string, error) {
	np := pyExpandUser(p)
	dir := pyDirname(np)
	if dir == "" || pyIsDir(dir) {
		return np, nil
	}
	return "", fmt.Errorf("The directory named as part of the path %s does not exist", p)
}

// existingDirectory expands ~ and requires a directory (childlogdir,
// directory).
func existingDirectory(p string) (string, error) {
	np := pyExpandUser(p)
	if pyIsDir(np) {
		return np, nil
	}
	return "", fmt.Errorf("%s is not an existing directory", p)
}

// processOrGroupName strips a program, group or process name and rejects the
// characters that break namespecs and URLs (CFG-06 names).
func processOrGroupName(name string) (string, error) {
	s := pyStrip(name)
	for _, c := range []string{" ", ":", "/"} {
		if strings.Contains(s, c) {
			return "", fmt.Errorf("Invalid name: %s because of character: %s", pyRepr(name), pyRepr(c))
		}
	}
	return s, nil
}

// parseAutoRestart reads autorestart= (CFG-56).
func parseAutoRestart(s string) (AutoRestart, error) {
	v := strings.ToLower(s)
	switch v {
	case "yes", "true", "on", "1":
		return RestartAlways, nil
	case "no", "false", "off", "0":
		return RestartNever, nil
	case "unexpected":
		return RestartUnexpected, nil
	}
	return 0, fmt.Errorf("invalid 'autorestart' value %s", pyRepr(v))
}

// parsePortNumber is 4.2.5's port_number: an int within 1..65535.
func parsePortNumber(s string) (int, error) {
	n, err := pyInt(s)
	switch {
	case err != nil:
		return 0, err
	case n < 1:
		return 0, fmt.Errorf("%d is below lower bound (1)", n)
	case n > 0xffff:
		return 0, fmt.Errorf("%d is above upper bound (65535)", n)
	}
	return n, nil
}

// parseInetAddress reads port=: "9001", ":9001", "*:9001" or "host:9001"
// (CFG-15); an empty host means all interfaces.
func parseInetAddress(s string) (host string, port int, err error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		if port, err = parsePortNumber(s); err != nil {
			return "", 0, fmt.Errorf("not a valid port number: %s ", pyRepr(s))
		}
		return "", port, nil
	}
	host, p := strings.ToLower(s[:i]), s[i+1:]
	if p == "" {
		return "", 0, errors.New("no port number specified in ''")
	}
	if port, err = parsePortNumber(p); err != nil {
		return "", 0, err
	}
	if host == "*" {
		host = ""
	}
	return host, port, nil
}

// listOfStrings is 4.2.5's list_of_strings: comma split, each part stripped.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = pyStrip(p)
	}
	return parts
}

// pySortedKeys returns a map's keys in Python's string order.
func pySortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyNames is the name table of a %(name)s expansion: an insertion-ordered
// dict of strings and ints, since 4.2.5 hands Python a dict and both the
// "Available names" list and a bare %s show it.
type pyNames struct {
	keys []string
	vals map[string]any
}

func newPyNames() *pyNames { return &pyNames{vals: map[string]any{}} }

// set adds or replaces a name; a replaced name keeps its position.
func (n *pyNames) set(k string, v any) {
	if _, ok := n.vals[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.vals[k] = v
}

// update copies o's names into n, like dict.update.
func (n *pyNames) update(o *pyNames) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		n.set(k, o.vals[k])
	}
}

// merged is a new table holding n's names, then o's.
func (n *pyNames) merged(o *pyNames) *pyNames {
	m := newPyNames()
	m.update(n)
	m.update(o)
	return m
}

// repr renders the table as Python's dict repr.
func (n *pyNames) repr() string {
	parts := make([]string, len(n.keys))
	for i, k := range n.keys {
		parts[i] = pyRepr(k) + ": " + pyValueRepr(n.vals[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func pyValueRepr(v any) string {
	switch v := v.(type) {
	case string:
		return pyRepr(v)
	case *pyNames:
		return v.repr()
	}
	return fmt.Sprint(v)
}

func pyValueStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case *pyNames:
		return v.repr()
	}
	return fmt.Sprint(v)
}

func pyTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case *pyNames:
		return "dict"
	}
	return "int"
}

// pyKeyError is a %(name)s naming something the table lacks.
type pyKeyError struct{ key string }

func (e pyKeyError) Error() string { return pyRepr(e.key) }

// pyExpand is 4.2.5's expand(): Python's "s % names" with its error texts.
// label names the option in messages (e.g. "program:x.command").
func pyExpand(s string, names *pyNames, label string) (string, error) {
	out, err := pyFormat(s, names)
	var ke pyKeyError
	switch {
	case errors.As(err, &ke):
		avail := append([]string(nil), names.keys...)
		sort.Strings(avail)
		return "", fmt.Errorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
			pyRepr(s), pyRepr(label), ke.Error(), strings.Join(avail, ", "))
	case err != nil:
		return "", fmt.Errorf("Format string %s for %s is badly formatted: %w", pyRepr(s), pyRepr(label), err)
	}
	return out, nil
}

// pySpec is one parsed conversion specification.
type pySpec struct {
	ljust, sign, blank, alt, zero bool
	width, prec                   int // -1 = none
	conv                          rune
}

// pyFormatter walks a format string as CPython's str % mapping does: a
// %(name) lookup makes the value the one argument left; a spec without a
// name consumes the mapping itself.
type pyFormatter struct {
	fmt    []rune
	pos    int
	names  *pyNames
	arg    any
	argsOK int // how many more specs may take an argument (Python's argidx)
}

func pyFormat(s string, names *pyNames) (string, error) {
	f := &pyFormatter{fmt: []rune(s), names: names, arg: names, argsOK: 1}
	var out strings.Builder
	for f.pos < len(f.fmt) {
		r := f.fmt[f.pos]
		f.pos++
		if r != '%' {
			out.WriteRune(r)
			continue
		}
		if f.pos < len(f.fmt) && f.fmt[f.pos] == '%' {
			f.pos++
			out.WriteRune('%')
			continue
		}
		piece, err := f.conversion()
		if err != nil {
			return "", err
		}
		out.WriteString(piece)
	}
	return out.String(), nil
}

func (f *pyFormatter) next() (rune, bool) {
	if f.pos >= len(f.fmt) {
		return 0, false
	}
	r := f.fmt[f.pos]
	f.pos++
	return r, true
}

func (f *pyFormatter) nextArg() (any, error) {
	if f.argsOK <= 0 {
		return nil, errors.New("not enough arguments for format string")
	}
	f.argsOK--
	return f.arg, nil
}

// conversion parses and renders one spec; f.pos is just past the '%'.
func (f *pyFormatter) conversion() (string, error) {
	if f.pos < len(f.fmt) && f.fmt[f.pos] == '(' {
		if err := f.lookupKey(); err != nil {
			return "", err
		}
	}
	sp := pySpec{width: -1, prec: -1}
	c, ok := f.next()
	for ok && strings.ContainsRune("-+ #0", c) {
		sp.ljust = sp.ljust || c == '-'
		sp.sign = sp.sign || c == '+'
		sp.blank = sp.blank || c == ' '
		sp.alt = sp.alt || c == '#'
		sp.zero = sp.zero || c == '0'
		c, ok = f.next()
	}
	var err error
	if c, ok, sp.width, err = f.number(c, ok); err != nil {
		return "", err
	}
	if ok && c == '.' {
		c, ok = f.next()
		if c, ok, sp.prec, err = f.number(c, ok); err != nil {
			return "", err
		}
		if sp.prec < 0 {
			sp.prec = 0
		}
	}
	if ok && (c == 'h' || c == 'l' || c == 'L') {
		c, ok = f.next()
	}
	if !ok {
		return "", errors.New("incomplete format")
	}
	sp.conv = c
	v, err := f.nextArg()
	if err != nil {
		return "", err
	}
	return sp.render(v, f.pos-1)
}

// lookupKey reads "(name)" with nested parentheses and makes the named
// value the current argument.
func (f *pyFormatter) lookupKey() error {
	depth, start := 1, f.pos+1
	i := start
	for ; i < len(f.fmt) && depth > 0; i++ {
		switch f.fmt[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	if depth > 0 {
		return errors.New("incomplete format key")
	}
	key := string(f.fmt[start : i-1])
	f.pos = i
	v, ok := f.names.vals[key]
	if !ok {
		return pyKeyError{key}
	}
	f.arg, f.argsOK = v, 1
	return nil
}

// number reads a width or precision: digits, or '*' taking an argument.
func (f *pyFormatter) number(c rune, ok bool) (rune, bool, int, error) {
	if ok && c == '*' {
		v, err := f.nextArg()
		if err != nil {
			return 0, false, 0, err
		}
		n, isInt := v.(int)
		if !isInt {
			return 0, false, 0, errors.New("* wants int")
		}
		c, ok = f.next()
		return c, ok, n, nil
	}
	n := -1
	for ok && c >= '0' && c <= '9' {
		if n < 0 {
			n = 0
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return 0, false, 0, errors.New("width too big")
		}
		c, ok = f.next()
	}
	return c, ok, n, nil
}

// render formats one value; at is the index of the conversion character.
func (sp pySpec) render(v any, at int) (string, error) {
	switch sp.conv {
	case 's', 'r', 'a':
		s := pyValueStr(v)
		if sp.conv != 's' {
			s = pyValueRepr(v)
		}
		if sp.prec >= 0 && sp.prec < len([]rune(s)) {
			s = string([]rune(s)[:sp.prec])
		}
		return sp.pad("", s, false), nil
	case 'd', 'i', 'u', 'x', 'X', 'o':
		return sp.integer(v)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		n, ok := v.(int)
		if !ok {
			return "", fmt.Errorf("must be real number, not %s", pyTypeName(v))
		}
		return sp.float(float64(n)), nil
	case 'c':
		switch v := v.(type) {
		case int:
			if v < 0 || v > unicode.MaxRune {
				return "", errors.New("%c arg not in range(0x110000)")
			}
			return sp.pad("", string(rune(v)), false), nil
		case string:
			if utf8.RuneCountInString(v) == 1 {
				return sp.pad("", v, false), nil
			}
		}
		return "", errors.New("%c requires int or char")
	}
	shown := '?'
	if sp.conv >= 31 && sp.conv <= 126 {
		shown = sp.conv
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", shown, sp.conv, at)
}

func (sp pySpec) integer(v any) (string, error) {
	n, ok := v.(int)
	if !ok {
		kind := "a real number"
		if strings.ContainsRune("xXo", sp.conv) {
			kind = "an integer"
		}
		return "", fmt.Errorf("%%%c format: %s is required, not %s", sp.conv, kind, pyTypeName(v))
	}
	mag := uint64(n)
	if n < 0 {
		mag = uint64(-n)
	}
	var digits, prefix string
	switch sp.conv {
	case 'x', 'X':
		digits, prefix = strconv.FormatUint(mag, 16), "0x"
	case 'o':
		digits, prefix = strconv.FormatUint(mag, 8), "0o"
	default:
		digits = strconv.FormatUint(mag, 10)
	}
	if sp.conv == 'X' {
		digits, prefix = strings.ToUpper(digits), "0X"
	}
	if !sp.alt {
		prefix = ""
	}
	if len(digits) < sp.prec {
		digits = strings.Repeat("0", sp.prec-len(digits)) + digits
	}
	return sp.pad(sp.signOf(n < 0)+prefix, digits, true), nil
}

func (sp pySpec) float(x float64) string {
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	conv := byte(unicode.ToLower(sp.conv))
	if conv == 'g' && prec == 0 {
		prec = 1
	}
	s := strconv.FormatFloat(math.Abs(x), conv, prec, 64)
	if unicode.IsUpper(sp.conv) {
		s = strings.ToUpper(s)
	}
	return sp.pad(sp.signOf(x < 0), s, true)
}

func (sp pySpec) signOf(negative bool) string {
	switch {
	case negative:
		return "-"
	case sp.sign:
		return "+"
	case sp.blank:
		return " "
	}
	return ""
}

// pad applies width: left or right spaces, or zeros after the sign and
// prefix for numbers.
func (sp pySpec) pad(head, body string, numeric bool) string {
	n := sp.width - utf8.RuneCountInString(head) - utf8.RuneCountInString(body)
	if n <= 0 {
		return head + body
	}
	switch {
	case sp.ljust:
		return head + body + strings.Repeat(" ", n)
	case sp.zero && numeric:
		return head + strings.Repeat("0", n) + body
	}
	return strings.Repeat(" ", n) + head + body
}

// iniFile is what Python's RawConfigParser holds after reading, configured
// as 4.2.5 configures it (inline comments after whitespace, strict=False).
//
// It is hand-written rather than built on gopkg.in/ini.v1 because ini.v1
// strips quotes around values, keeps continuation-line indentation and
// comments, drops blank lines inside values, does not inherit [DEFAULT] and
// stops at the first bad line, while 4.2.5's messages list every bad line
// with Python's wording; fixing all of that up cost more than this reader.
type iniFile struct {
	defaults *iniSection
	sections []*iniSection
	byName   map[string]*iniSection
	fileOf   map[string]string // section -> included file that introduced it
}

type iniSection struct {
	name string
	keys []string
	vals map[string]string
}

func newIniFile() *iniFile {
	return &iniFile{defaults: newIniSection("DEFAULT"), byName: map[string]*iniSection{}, fileOf: map[string]string{}}
}

func newIniSection(name string) *iniSection {
	return &iniSection{name: name, vals: map[string]string{}}
}

func (s *iniSection) set(k, v string) {
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

func (f *iniFile) has(section string) bool { return f.byName[section] != nil }

// get looks an option up in a section, then in [DEFAULT].
func (f *iniFile) get(section, option string) (string, bool) {
	if s := f.byName[section]; s != nil {
		if v, ok := s.vals[option]; ok {
			return v, true
		}
	}
	v, ok := f.defaults.vals[option]
	return v, ok
}

// options lists a section's option names, then inherited [DEFAULT] ones.
func (f *iniFile) options(section string) []string {
	s := f.byName[section]
	names := append([]string(nil), s.keys...)
	for _, k := range f.defaults.keys {
		if _, ok := s.vals[k]; !ok {
			names = append(names, k)
		}
	}
	return names
}

// withPrefix lists section names starting with prefix, in file order.
func (f *iniFile) withPrefix(prefix string) []string {
	var names []string
	for _, s := range f.sections {
		if strings.HasPrefix(s.name, prefix) {
			names = append(names, s.name)
		}
	}
	return names
}

// expandHere replaces the literal text %(here)s in every value of every
// section (inherited [DEFAULT] values included), as 4.2.5 does after each
// file when [include] is present (CFG-05).
func (f *iniFile) expandHere(here string) {
	for _, s := range f.sections {
		keys := append([]string(nil), f.defaults.keys...)
		for _, k := range s.keys {
			if _, ok := f.defaults.vals[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if v, _ := f.get(s.name, k); strings.Contains(v, "%(here)s") {
				s.set(k, strings.ReplaceAll(v, "%(here)s", here))
			}
		}
	}
}

// iniRead is the state of reading one file into an iniFile.
type iniRead struct {
	f       *iniFile
	source  string
	cur     *iniSection
	opt     string // option taking continuation lines; "" = none
	indent  int
	lines   map[*iniSection]map[string][]string
	badLine []string
}

// read parses one file's text into f. Parse errors carry Python's text:
// every bad line is listed, with the source name as given.
func (f *iniFile) read(data []byte, source string) error {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	r := &iniRead{f: f, source: source, lines: map[*iniSection]map[string][]string{}}
	lineno := 0
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		lineno++
		if err := r.line(line, lineno); err != nil {
			return err
		}
	}
	r.join()
	if len(r.badLine) > 0 {
		return errors.New("Source contains parsing errors: " + pyRepr(source) + strings.Join(r.badLine, ""))
	}
	return nil
}

func (r *iniRead) line(line string, lineno int) error {
	rs := []rune(line)
	cut := iniCommentStart(rs)
	value := pyStrip(string(rs[:cut]))
	if value == "" {
		if cut == len(rs) && r.cur != nil && r.opt != "" {
			r.appendLine("")
		}
		return nil
	}
	indent := 0
	for indent < len(rs) && pyIsSpace(rs[indent]) {
		indent++
	}
	if r.cur != nil && r.opt != "" && indent > r.indent {
		r.appendLine(value)
		return nil
	}
	r.indent = indent
	if name, ok := iniHeader(value); ok {
		r.section(name)
		return nil
	}
	if r.cur == nil {
		return fmt.Errorf("File contains no section headers.\nfile: %s, line: %d\n%s", pyRepr(r.source), lineno, pyRepr(line))
	}
	// A line without '=' or ':' leaves the previous option open to
	// continuation lines; "=value" closes it (Python does both).
	i := strings.IndexAny(value, "=:")
	if i < 0 || pyRstrip(value[:i]) == "" {
		if i >= 0 {
			r.opt = ""
		}
		r.badLine = append(r.badLine, fmt.Sprintf("\n\t[line %2d]: %s", lineno, pyRepr(line)))
		return nil
	}
	r.opt = strings.ToLower(pyRstrip(value[:i]))
	r.cur.set(r.opt, "")
	if r.lines[r.cur] == nil {
		r.lines[r.cur] = map[string][]string{}
	}
	r.lines[r.cur][r.opt] = []string{pyStrip(value[i+1:])}
	return nil
}

// iniCommentStart finds where a comment starts in a line, or len(line).
// Like Python it searches ';' and '#' in rounds and takes the first round
// that finds one at the start or after whitespace.
func iniCommentStart(line []rune) int {
	trimmed := pyStrip(string(line))
	if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
		return 0
	}
	from := map[rune]int{';': -1, '#': -1}
	for len(from) > 0 {
		best := -1
		next := map[rune]int{}
		for prefix, after := range from {
			i := after + 1
			for i < len(line) && line[i] != prefix {
				i++
			}
			if i >= len(line) {
				continue
			}
			next[prefix] = i
			if (i == 0 || pyIsSpace(line[i-1])) && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			return best
		}
		from = next
	}
	return len(line)
}

// iniHeader matches "[name]": up to the last ']' of the line.
func iniHeader(v string) (string, bool) {
	end := strings.LastIndexByte(v, ']')
	if !strings.HasPrefix(v, "[") || end < 2 {
		return "", false
	}
	return v[1:end], true
}

func (r *iniRead) section(name string) {
	r.opt = ""
	switch {
	case r.f.byName[name] != nil:
		r.cur = r.f.byName[name]
	case name == "DEFAULT":
		r.cur = r.f.defaults
	default:
		r.cur = newIniSection(name)
		r.f.sections = append(r.f.sections, r.cur)
		r.f.byName[name] = r.cur
	}
}

func (r *iniRead) appendLine(v string) {
	m := r.lines[r.cur]
	m[r.opt] = append(m[r.opt], v)
}

// join turns each option's lines into its value: joined with newlines,
// trailing blank lines dropped.
func (r *iniRead) join() {
	for s, opts := range r.lines {
		for k, lines := range opts {
			s.vals[k] = pyRstrip(strings.Join(lines, "\n"))
		}
	}
}

// pyGlob is Python's glob.glob without recursion: names starting with '.'
// match only a pattern starting with '.', and [!...] negates.
func pyGlob(pattern string) []string {
	dir, base := pyDirname(pattern), pattern[strings.LastIndexByte(pattern, '/')+1:]
	if !globMagic(pattern) {
		if (base != "" && pyLexists(pattern)) || (base == "" && pyIsDir(dir)) {
			return []string{pattern}
		}
		return nil
	}
	dirs := []string{dir}
	if dir != pattern && globMagic(dir) {
		dirs = globDirs(dir)
	}
	var out []string
	for _, d := range dirs {
		for _, name := range globIn(d, base, false) {
			out = append(out, pyJoin(d, name))
		}
	}
	return out
}

// globDirs matches a pattern against directories only.
func globDirs(pattern string) []string {
	dir, base := pyDirname(pattern), pattern[strings.LastIndexByte(pattern, '/')+1:]
	dirs := []string{dir}
	if dir != pattern && globMagic(dir) {
		dirs = globDirs(dir)
	}
	var out []string
	for _, d := range dirs {
		for _, name := range globIn(d, base, true) {
			out = append(out, pyJoin(d, name))
		}
	}
	return out
}

func globMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

func pyLexists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// globIn lists the names in dir matching one path component.
func globIn(dir, pattern string, dirsOnly bool) []string {
	if !globMagic(pattern) {
		if (pattern != "" && pyLexists(pyJoin(dir, pattern))) || (pattern == "" && pyIsDir(dir)) {
			return []string{pattern}
		}
		return nil
	}
	re := fnmatchRegexp(pattern)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil || re == nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
			continue
		}
		if dirsOnly && !pyIsDir(pyJoin(dir, name)) {
			continue
		}
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// fnmatchRegexp translates a shell pattern as Python's fnmatch does; nil
// when the result cannot match anything.
func fnmatchRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(fnmatchClass(rs[i+1 : j]))
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

// fnmatchClass renders a [...] set; reversed ranges match nothing.
func fnmatchClass(c []rune) string {
	neg := len(c) > 0 && c[0] == '!'
	if neg {
		c = c[1:]
	}
	var items strings.Builder
	for k := 0; k < len(c); k++ {
		if k+2 < len(c) && c[k+1] == '-' {
			if c[k] <= c[k+2] {
				fmt.Fprintf(&items, `\x{%x}-\x{%x}`, c[k], c[k+2])
			}
			k += 2
			continue
		}
		fmt.Fprintf(&items, `\x{%x}`, c[k])
	}
	switch {
	case items.Len() == 0 && neg:
		return `.`
	case items.Len() == 0:
		return `[^\x00-\x{10FFFF}]`
	case neg:
		return `[^` + items.String() + `]`
	}
	return `[` + items.String() + `]`
}
