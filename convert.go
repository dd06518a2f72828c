// Value converters for supervisord.conf: every option string becomes a typed
// value here, with the error texts Supervisor 4.2.5 prints (SUP-01, SEC-07).
// Several of those texts and behaviours come from Python itself (int(),
// repr(), shlex, os.path), so the small Python emulations they need live
// here too; expand.go has the % operator, ini.go RawConfigParser and glob.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
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
