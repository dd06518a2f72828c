package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// Expected values and error texts in this file were recorded from
// Supervisor 4.2.5 (datatypes.py, options.expand) and its Python 3.11
// (int(), repr(), shlex, str % dict), run on the same inputs.

func cfgErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestParseBool(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		err  string
	}{
		{"true", true, ""}, {"YES", true, ""}, {"On", true, ""}, {"1", true, ""},
		{"false", false, ""}, {"no", false, ""}, {"OFF", false, ""}, {"0", false, ""},
		{"maybe", false, "not a valid boolean value: 'maybe'"},
		{"", false, "not a valid boolean value: ''"},
		{" true", false, "not a valid boolean value: ' true'"},
	} {
		got, err := parseBool(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("parseBool(%q) = %v, %q; want %v, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

// TestParseByteSize covers CFG-06 byte sizes: only KB/MB/GB, any case,
// Python int() rules for the number.
func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{"0", 0, ""}, {"1024", 1024, ""}, {"10kb", 10240, ""}, {"1KB", 1024, ""},
		{"50MB", 50 << 20, ""}, {"10 MB", 10 << 20, ""}, {"1GB", 1 << 30, ""},
		{"-1mb", -1 << 20, ""}, {"1_000", 1000, ""},
		{"50M", 0, "invalid literal for int() with base 10: '50m'"},
		{"1.5MB", 0, "invalid literal for int() with base 10: '1.5'"},
		{"1B", 0, "invalid literal for int() with base 10: '1b'"},
		{"kb", 0, "invalid literal for int() with base 10: ''"},
		{"", 0, "invalid literal for int() with base 10: ''"},
	} {
		got, err := parseByteSize(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("parseByteSize(%q) = %d, %q; want %d, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

func TestParseIntPython(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  string
	}{
		{"10", 10, ""}, {" 10 ", 10, ""}, {"+5", 5, ""}, {"-5", -5, ""}, {"007", 7, ""},
		{"1_0", 10, ""},
		{"_1", 0, "invalid literal for int() with base 10: '_1'"},
		{"1__0", 0, "invalid literal for int() with base 10: '1__0'"},
		{"--5", 0, "invalid literal for int() with base 10: '--5'"},
		{"0x10", 0, "invalid literal for int() with base 10: '0x10'"},
		{"abc", 0, "invalid literal for int() with base 10: 'abc'"},
		{strings.Repeat("a", 300), 0, "invalid literal for int() with base 10: '" + strings.Repeat("a", 199)},
	} {
		got, err := pyInt(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("pyInt(%q) = %d, %q; want %d, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

func TestParseOctal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  string
	}{
		{"022", 0o22, ""}, {"0700", 0o700, ""}, {"7", 7, ""}, {"0o17", 0o17, ""}, {"-0o7", -7, ""},
		{"999", 0, "999 can not be converted to an octal type"},
		{"abc", 0, "abc can not be converted to an octal type"},
		{"", 0, " can not be converted to an octal type"},
	} {
		got, err := parseOctal(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("parseOctal(%q) = %o, %q; want %o, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

// TestParseSignal covers CFG-06 signals: names with or without SIG in any
// case, Python's aliases and SIG_* constants, and only the numbers Python's
// signal module knows.
func TestParseSignal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want syscall.Signal
		err  string
	}{
		{"TERM", syscall.SIGTERM, ""}, {"sigterm", syscall.SIGTERM, ""}, {"15", syscall.SIGTERM, ""},
		{" kill ", syscall.SIGKILL, ""}, {"usr1", syscall.SIGUSR1, ""}, {"IOT", syscall.SIGABRT, ""},
		{"cld", syscall.SIGCHLD, ""}, {"rtmin", 34, ""}, {"SIGRTMAX", 64, ""}, {"0", 0, ""},
		{"SIG_DFL", 0, ""}, {"_IGN", 1, ""}, {"34", 34, ""},
		{"FOO", 0, "value 'FOO' is not a valid signal name"},
		{"SIG", 0, "value 'SIG' is not a valid signal name"},
		{"99", 0, "value '99' is not a valid signal number"},
		{"32", 0, "value '32' is not a valid signal number"},
		{"-1", 0, "value '-1' is not a valid signal number"},
	} {
		got, err := parseSignal(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("parseSignal(%q) = %d, %q; want %d, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

func TestSignalName(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{
		syscall.SIGTERM: "SIGTERM", syscall.SIGKILL: "SIGKILL", 6: "SIGABRT", 17: "SIGCHLD",
		29: "SIGPOLL", 34: "SIGRTMIN", 64: "SIGRTMAX", 0: "signal 0", 32: "signal 32", 99: "signal 99",
	} {
		if got := signalName(sig); got != want {
			t.Errorf("signalName(%d) = %q, want %q", sig, got, want)
		}
	}
}

func TestParseExitCodes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  string
	}{
		{"0", []int{0}, ""}, {"0,1", []int{0, 1}, ""}, {" 1 , 2 ", []int{1, 2}, ""},
		{"", []int{}, ""}, {"255", []int{255}, ""}, {"2,2", []int{2, 2}, ""},
		{"0,256", nil, "not a valid list of exit codes: '0,256'"},
		{"-1", nil, "not a valid list of exit codes: '-1'"},
		{"0,", nil, "not a valid list of exit codes: '0,'"},
		{"a", nil, "not a valid list of exit codes: 'a'"},
	} {
		got, err := parseExitCodes(tc.in)
		if !reflect.DeepEqual(got, tc.want) || cfgErrText(err) != tc.err {
			t.Errorf("parseExitCodes(%q) = %v, %q; want %v, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

// TestParseEnvironment covers CFG-49, including its quirks: values cut at
// the first unquoted non-word character, the token after a value skipped
// whatever it is, quotes kept on keys, '#' comments inside the value.
func TestParseEnvironment(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"A=1", map[string]string{"A": "1"}, ""},
		{`A="1 2",B=3`, map[string]string{"A": "1 2", "B": "3"}, ""},
		{`A='x',B="y"`, map[string]string{"A": "x", "B": "y"}, ""},
		{`K="",L=1`, map[string]string{"K": "", "L": "1"}, ""},
		{"A = 1 , B = 2", map[string]string{"A": "1", "B": "2"}, ""},
		{"A=1,\n  B=2", map[string]string{"A": "1", "B": "2"}, ""},
		{"PATH=/usr/bin:/bin", map[string]string{"PATH": "/usr/bin:/bin"}, ""},
		{"", map[string]string{}, ""},
		{"A=a b", map[string]string{"A": "a"}, ""},
		{"A=1;B=2", map[string]string{"A": "1", "B": "2"}, ""},
		{"A=café", map[string]string{"A": "caf"}, ""},
		{`"A"=1`, map[string]string{`"A"`: "1"}, ""},
		{`A=a"b c"`, map[string]string{"A": `a"b`}, ""},
		{"A=1 # comment", map[string]string{"A": "1"}, ""},
		{"A=", nil, "Unexpected end of key/value pairs in value 'A='"},
		{"A=1,B", nil, "Unexpected end of key/value pairs in value 'A=1,B'"},
		{"A=x@y", nil, "Unexpected end of key/value pairs in value 'A=x@y'"},
		{"A=1#c\nB=2", nil, "Unexpected end of key/value pairs in value 'A=1#c\nB=2'"},
		{`A="1`, nil, "No closing quotation"},
	} {
		got, err := parseEnvironment(tc.in)
		if cfgErrText(err) != tc.err || (err == nil && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseEnvironment(%q) = %v, %q; want %v, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"a b", []string{"a", "b"}, ""},
		{`a "b c" d`, []string{"a", "b c", "d"}, ""},
		{`'a\b'`, []string{`a\b`}, ""},
		{`a\ b`, []string{"a b"}, ""},
		{`"a\\b\"c\d"`, []string{`a\b"c\d`}, ""},
		{"x ''", []string{"x", ""}, ""},
		{"a'b'c", []string{"abc"}, ""},
		{"a\tb\nc", []string{"a", "b", "c"}, ""},
		{"a#b c", []string{"a#b", "c"}, ""},
		{"  ", nil, ""},
		{"echo 'a", nil, "No closing quotation"},
		{`echo \`, nil, "No escaped character"},
		{`"a\`, nil, "No escaped character"},
	} {
		got, err := splitCommand(tc.in)
		if !reflect.DeepEqual(got, tc.want) || cfgErrText(err) != tc.err {
			t.Errorf("splitCommand(%q) = %q, %q; want %q, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
}

func TestParseLogLevel(t *testing.T) {
	for in, want := range map[string]string{
		"critical": "CRIT", "ERROR": "ERRO", "warn": "WARN", "Info": "INFO",
		"debug": "DEBG", "trace": "TRAC", "blather": "BLAT",
	} {
		l, err := parseLogLevel(in)
		if err != nil || l.Code() != want {
			t.Errorf("parseLogLevel(%q) = %v (%s), %v; want %s", in, l, l.Code(), err, want)
		}
	}
	for in, want := range map[string]string{
		"verbose": "bad logging level name 'verbose'",
		"warning": "bad logging level name 'warning'",
		"Verbose": "bad logging level name 'Verbose'",
	} {
		if _, err := parseLogLevel(in); cfgErrText(err) != want {
			t.Errorf("parseLogLevel(%q) error = %q, want %q", in, cfgErrText(err), want)
		}
	}
}

// TestExpandFormats checks Python's str % dict for the conversions people
// use in configs (CFG-03).
func TestExpandFormats(t *testing.T) {
	names := pyNamesOf("a", "x", "n", 5, "e", "", "neg", -5)
	for _, tc := range []struct{ in, want string }{
		{"%(a)s", "x"}, {"%%", "%"}, {"100%%", "100%"}, {"%%(a)s", "%(a)s"},
		{"%(n)02d", "05"}, {"%(n)d", "5"}, {"%(n)i", "5"}, {"%(n)s", "5"},
		{"%(a)5s|", "    x|"}, {"%(a)-5s|", "x    |"}, {"%(a)03s", "  x"}, {"%(a).0s|", "|"},
		{"%(n)#x", "0x5"}, {"%(n)#o", "0o5"}, {"%(n)X", "5"}, {"%(n)10.4x", "      0005"},
		{"%(n)+d", "+5"}, {"%(n) d", " 5"}, {"%(neg)05d", "-0005"}, {"%(n)08.3d", "00000005"},
		{"%(n)-05d|", "5    |"}, {"%(n)0-5d|", "5    |"}, {"%(n)5.3d", "  005"},
		{"%(n)f", "5.000000"}, {"%(n)05.2f", "05.00"}, {"%(n)+.3e", "+5.000e+00"}, {"%(n)g", "5"},
		{"%(a)r", "'x'"}, {"%(n)r", "5"}, {"%(n)c", "\x05"}, {"%(a)c", "x"}, {"%(a)hs", "x"},
		{"%s", "{'a': 'x', 'n': 5, 'e': '', 'neg': -5}"},
	} {
		got, err := pyFormat(tc.in, names)
		if err != nil || got != tc.want {
			t.Errorf("pyFormat(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"%(a)", "incomplete format"},
		{"abc %", "incomplete format"},
		{"%-", "incomplete format"},
		{"%(a", "incomplete format key"},
		{"%(a)z", "unsupported format character 'z' (0x7a) at index 4"},
		{"%(n)%", "unsupported format character '%' (0x25) at index 4"},
		{"é%(a)s%(a)t", "unsupported format character 't' (0x74) at index 10"},
		{"%é", "unsupported format character '?' (0xe9) at index 1"},
		{"%(a)d", "%d format: a real number is required, not str"},
		{"%(a)x", "%x format: an integer is required, not str"},
		{"%(a)f", "must be real number, not str"},
		{"%(a)*d", "* wants int"},
		{"%(e)5c", "%c requires int or char"},
		{"%d", "%d format: a real number is required, not dict"},
		{"%s %s", "not enough arguments for format string"},
		{"x%(a)s%t", "not enough arguments for format string"},
		{"%(n).*d", "not enough arguments for format string"},
	} {
		if _, err := pyFormat(tc.in, names); cfgErrText(err) != tc.err {
			t.Errorf("pyFormat(%q) error = %q, want %q", tc.in, cfgErrText(err), tc.err)
		}
	}
	var ke pyKeyError
	if _, err := pyFormat("%(a(b))s", names); !errors.As(err, &ke) || ke.key != "a(b)" {
		t.Errorf("pyFormat nested key: %v", err)
	}
}

// TestExpandErrors checks 4.2.5's expand() message wrapping (CFG-03).
func TestExpandErrors(t *testing.T) {
	names := pyNamesOf("here", "/h", "ENV_B", "b", "program_name", "p", "ENV_A", "a")
	_, err := pyExpand("/bin/echo %(nope)s", names, "program:x.command")
	want := "Format string '/bin/echo %(nope)s' for 'program:x.command' contains names ('nope') which cannot be expanded. Available names: ENV_A, ENV_B, here, program_name"
	if cfgErrText(err) != want {
		t.Errorf("missing name:\n got %q\nwant %q", cfgErrText(err), want)
	}
	_, err = pyExpand("java -Xloggc:gc_%t.log", names, "program:x.command")
	want = "Format string 'java -Xloggc:gc_%t.log' for 'program:x.command' is badly formatted: unsupported format character 't' (0x74) at index 17"
	if cfgErrText(err) != want {
		t.Errorf("bad format:\n got %q\nwant %q", cfgErrText(err), want)
	}
	_, err = pyExpand(`P="%x",R="a%b"`, names, "environment")
	want = `Format string 'P="%x",R="a%b"' for 'environment' is badly formatted: %x format: an integer is required, not dict`
	if cfgErrText(err) != want {
		t.Errorf("bad format:\n got %q\nwant %q", cfgErrText(err), want)
	}
}

func TestConfigPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc": "'abc'", "it's": `"it's"`, `a'b"c`: `'a\'b"c'`, "a\\b": `'a\\b'`,
		"t\tn\nr\r": `'t\tn\nr\r'`, "\x01\x7f": `'\x01\x7f'`, "é": "'é'", "\u00a0": `'\xa0'`,
		"\u2028": `'\u2028'`,
	} {
		if got := pyRepr(in); got != want {
			t.Errorf("pyRepr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseInetAddress(t *testing.T) {
	for _, tc := range []struct {
		in, host string
		port     int
		err      string
	}{
		{"9001", "", 9001, ""}, {":9001", "", 9001, ""}, {"*:9001", "", 9001, ""},
		{"LocalHost:9001", "localhost", 9001, ""}, {"127.0.0.1:1", "127.0.0.1", 1, ""},
		{"99999", "", 0, "not a valid port number: '99999' "},
		{"0", "", 0, "not a valid port number: '0' "},
		{"abc", "", 0, "not a valid port number: 'abc' "},
		{"h:99999", "", 0, "99999 is above upper bound (65535)"},
		{"h:0", "", 0, "0 is below lower bound (1)"},
		{"h:", "", 0, "no port number specified in ''"},
		{"h:x", "", 0, "invalid literal for int() with base 10: 'x'"},
	} {
		host, port, err := parseInetAddress(tc.in)
		if host != tc.host || port != tc.port || cfgErrText(err) != tc.err {
			t.Errorf("parseInetAddress(%q) = %q, %d, %q; want %q, %d, %q", tc.in, host, port, cfgErrText(err), tc.host, tc.port, tc.err)
		}
	}
}

func TestParseName(t *testing.T) {
	for in, want := range map[string]string{
		" foo ": "foo", "a-b.c_d": "a-b.c_d",
		"x y":     "Invalid name: 'x y' because of character: ' '",
		"x/y":     "Invalid name: 'x/y' because of character: '/'",
		"a:b":     "Invalid name: 'a:b' because of character: ':'",
		"a:b/c d": "Invalid name: 'a:b/c d' because of character: ' '",
	} {
		got, err := processOrGroupName(in)
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("processOrGroupName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigLookupUser(t *testing.T) {
	for _, in := range []string{"root", "0", " 0 "} {
		if uid, gid, err := lookupUser(in); err != nil || uid != 0 || gid != 0 {
			t.Errorf("lookupUser(%q) = %d, %d, %v", in, uid, gid, err)
		}
	}
	for in, want := range map[string]string{
		"nosuchuserq": "Invalid user name nosuchuserq",
		"98765":       "Invalid user id 98765",
	} {
		if _, _, err := lookupUser(in); cfgErrText(err) != want {
			t.Errorf("lookupUser(%q) error = %q, want %q", in, cfgErrText(err), want)
		}
	}
	if uid, gid, err := parseUserGroup("root:0"); err != nil || uid != 0 || gid != 0 {
		t.Errorf("parseUserGroup(root:0) = %d, %d, %v", uid, gid, err)
	}
	if _, gid, err := parseUserGroup("root"); err != nil || gid != -1 {
		t.Errorf("parseUserGroup(root) gid = %d, %v", gid, err)
	}
	if _, _, err := parseUserGroup("root:nogroupq"); cfgErrText(err) != "Invalid user:group definition root:nogroupq" {
		t.Errorf("parseUserGroup(root:nogroupq) error = %v", err)
	}
}

func TestConfigExistingDirPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	for _, tc := range []struct{ in, want, err string }{
		{"x.log", "x.log", ""},
		{dir + "/x.log", dir + "/x.log", ""},
		{"~/x.log", dir + "/x.log", ""},
		{"/nonexistent/dir/x.log", "", "The directory named as part of the path /nonexistent/dir/x.log does not exist"},
	} {
		got, err := existingDirPath(tc.in)
		if got != tc.want || cfgErrText(err) != tc.err {
			t.Errorf("existingDirPath(%q) = %q, %q; want %q, %q", tc.in, got, cfgErrText(err), tc.want, tc.err)
		}
	}
	if _, err := existingDirectory("/nonexistent"); cfgErrText(err) != "/nonexistent is not an existing directory" {
		t.Errorf("existingDirectory error = %v", err)
	}
	if got, err := existingDirectory("~"); err != nil || got != dir {
		t.Errorf("existingDirectory(~) = %q, %v", got, err)
	}
}

func TestConfigPythonPaths(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/supervisord": "/usr/bin", "supervisord": "", "/x": "/", "a//b": "a", "//x": "//",
	} {
		if got := pyDirname(in); got != want {
			t.Errorf("pyDirname(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/a/./b/../c": "/a/c", "//a//b": "//a/b", "///a": "/a", "a/../..": "..", "": ".", "/..": "/",
	} {
		if got := pyNormpath(in); got != want {
			t.Errorf("pyNormpath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := pyJoin("/a", "/b"); got != "/b" {
		t.Errorf("pyJoin absolute = %q", got)
	}
	if got := pyJoin("", "b"); got != "b" {
		t.Errorf("pyJoin empty = %q", got)
	}
}

// TestGlobPython checks [include] matching: hidden files need a leading
// '.', [!x] negates, results come back for sorting by the caller.
func TestConfigGlob(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.conf", "b.conf", ".h.conf", "x.ini", "y.ini", "sub/c.conf"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for pattern, want := range map[string][]string{
		"*.conf":    {"a.conf", "b.conf"},
		".*.conf":   {".h.conf"},
		"[!x].ini":  {"y.ini"},
		"[a-b]*":    {"a.conf", "b.conf"},
		"*/c.conf":  {"sub/c.conf"},
		"a.conf":    {"a.conf"},
		"none.conf": nil,
		"[z-a]*":    nil,
		"[*":        nil,
	} {
		var got []string
		for _, m := range pyGlob(dir + "/" + pattern) {
			got = append(got, strings.TrimPrefix(m, dir+"/"))
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pyGlob(%q) = %q, want %q", pattern, got, want)
		}
	}
}
