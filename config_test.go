package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeConf writes a config file into dir and returns its path.
func cfgWrite(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustLoad loads a config that must be valid.
func cfgMustLoad(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := loadConfig(cfgWrite(t, t.TempDir(), "supervisord.conf", text), nil)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	return cfg
}

// loadErr loads a config that must be invalid and returns the message.
func cfgLoadErr(t *testing.T, dir, text string) (string, string) {
	t.Helper()
	p := cfgWrite(t, dir, "bad.conf", text)
	cfg, err := loadConfig(p, nil)
	if err == nil {
		t.Fatalf("loadConfig succeeded: %+v", cfg)
	}
	return err.Error(), p
}

// envNames is the "ENV_..., " prefix of an "Available names" list.
func cfgEnvNames() string {
	var names []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, "ENV_"+k)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, ", ") + ", "
}

func cfgGroup(t *testing.T, cfg *Config, name string) *GroupConfig {
	t.Helper()
	for _, g := range cfg.Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %q", name)
	return nil
}

func cfgProcNames(g *GroupConfig) []string {
	var names []string
	for _, p := range g.Processes {
		names = append(names, p.Name)
	}
	return names
}

// TestConfigBadConfigs is the table of invalid configs (SEC-07, CFG-71).
// Each message was recorded from the real 4.2.5 with
// "supervisord -n -c bad.conf" (it prints "Error: <message>" and exits 2);
// {file} stands for the path as given, {env} for the sorted ENV_* names.
func TestConfigBadConfigs(t *testing.T) {
	t.Setenv("CFGTEST_VAR", "1")
	sup := "[supervisord]\n"
	prog := sup + "[program:x]\ncommand=x\n"
	for _, tc := range []struct{ name, conf, want string }{
		{"no supervisord", "[program:x]\ncommand=x\n", ".ini file does not include supervisord section"},
		{"bad bool", prog + "autostart=maybe\n", "not a valid boolean value: 'maybe' in section 'program:x' (file: '{file}')"},
		{"no command", sup + "[program:x]\n", "program section program:x does not specify a command in section 'program:x' (file: '{file}')"},
		{"byte size M", sup + "logfile_maxbytes=50M\n", "invalid literal for int() with base 10: '50m'"},
		{"float int", prog + "startsecs=1.5\n", "invalid literal for int() with base 10: '1.5' in section 'program:x' (file: '{file}')"},
		{"signal name", prog + "stopsignal=FOO\n", "value 'FOO' is not a valid signal name in section 'program:x' (file: '{file}')"},
		{"signal number", prog + "stopsignal=99\n", "value '99' is not a valid signal number in section 'program:x' (file: '{file}')"},
		{"exit codes", prog + "exitcodes=0,256\n", "not a valid list of exit codes: '0,256' in section 'program:x' (file: '{file}')"},
		{"autorestart", prog + "autorestart=Sometimes\n", "invalid 'autorestart' value 'sometimes' in section 'program:x' (file: '{file}')"},
		{"process_num", prog + "numprocs=2\n", "%(process_num) must be present within process_name when numprocs > 1 in section 'program:x' (file: '{file}')"},
		{"name space", sup + "[program:x y]\ncommand=x\n", "Invalid name: 'x y' because of character: ' '"},
		{"name slash", sup + "[program:x/y]\ncommand=x\n", "Invalid name: 'x/y' because of character: '/'"},
		{"process name", prog + "process_name=%(program_name)s %(process_num)s\nnumprocs=2\n", "Invalid name: '%(program_name)s %(process_num)s' because of character: ' ' in section 'program:x' (file: '{file}')"},
		{"unknown name", sup + "[program:x]\ncommand=/bin/echo %(ENV_NOPE_XYZ)s\n", "Format string '/bin/echo %(ENV_NOPE_XYZ)s' for 'program:x.command' contains names ('ENV_NOPE_XYZ') which cannot be expanded. Available names: {env}group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:x' (file: '{file}')"},
		{"incomplete", sup + "[program:x]\ncommand=/bin/echo %(program_name)\n", "Format string '/bin/echo %(program_name)' for 'program:x.command' is badly formatted: incomplete format in section 'program:x' (file: '{file}')"},
		{"percent t", sup + "[program:x]\ncommand=java -Xloggc:gc_%t.log\n", "Format string 'java -Xloggc:gc_%t.log' for 'program:x.command' is badly formatted: unsupported format character 't' (0x74) at index 17 in section 'program:x' (file: '{file}')"},
		{"bare percent s", sup + "[program:x]\ncommand=echo %s %s\n", "Format string 'echo %s %s' for 'program:x.command' is badly formatted: not enough arguments for format string in section 'program:x' (file: '{file}')"},
		{"stopasgroup", prog + "stopasgroup=true\nkillasgroup=false\n", "Cannot set stopasgroup=true and killasgroup=false in section 'program:x' (file: '{file}')"},
		{"group unknown", sup + "[group:g]\nprograms=a\n", "[group:g] names unknown program or fcgi-program a"},
		{"group ambiguous", sup + "[group:g]\nprograms=a\n[program:a]\ncommand=a\n[fcgi-program:a]\ncommand=a\nsocket=tcp://a:1\n", "[group:g] name a is ambiguous (exists as program and fcgi-program)"},
		{"group second member", sup + "[group:g]\nprograms=a,b\n[program:a]\ncommand=a\n", "[program:a] names unknown program or fcgi-program b"},
		{"group name", sup + "[group:a b]\n", "Invalid name: 'a b' because of character: ' '"},
		{"group member name", sup + "[group:g]\nprograms=x y\n[program:x y]\ncommand=x\n", "Invalid name: 'x y' because of character: ' ' in section 'program:x y' (file: '{file}')"},
		{"no events", sup + "[eventlistener:l]\ncommand=x\n", `[eventlistener:l] section requires an "events" line`},
		{"bad event", sup + "[eventlistener:l]\ncommand=x\nevents=FOO\n", "Unknown event type FOO in [eventlistener:l] events"},
		{"empty event", sup + "[eventlistener:l]\ncommand=x\nevents=,\n", "Unknown event type  in [eventlistener:l] events"},
		{"listener redirect", sup + "[eventlistener:l]\ncommand=x\nevents=TICK_5\nredirect_stderr=true\n", "[eventlistener:l] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol"},
		{"listener buffer", sup + "[eventlistener:l]\ncommand=x\nevents=TICK_5\nbuffer_size=0\n", "[eventlistener:l] section sets invalid buffer_size (0)"},
		// result_handler accepts only 4.2.5's default (CFG-92).
		{"listener handler", sup + "[eventlistener:l]\ncommand=x\nevents=TICK_5\nresult_handler=foo.bar:baz\n", "foo.bar:baz cannot be resolved within [eventlistener:l]"},
		{"listener handler syntax", sup + "[eventlistener:l]\ncommand=x\nevents=TICK_5\nresult_handler=foo bar\n", `("EntryPoint must be in 'name=module:attrs [extras]' format", 'x=foo bar')`},
		{"listener name", sup + "[eventlistener:a b]\ncommand=x\nevents=TICK_5\n", "Invalid name: 'a b' because of character: ' ' in section 'eventlistener:a b' (file: '{file}')"},
		{"env end", prog + "environment=A=1,B\n", "Unexpected end of key/value pairs in value 'A=1,B' in section 'program:x' (file: '{file}')"},
		{"env quote", prog + "environment=A=\"1\n", "No closing quotation in section 'program:x' (file: '{file}')"},
		{"log dir", prog + "stdout_logfile=/nonexistent/dir/x.log\n", "The directory named as part of the path /nonexistent/dir/x.log does not exist in section 'program:x' (file: '{file}')"},
		{"main log dir", sup + "logfile=/nonexistent/dir/x.log\n", "The directory named as part of the path /nonexistent/dir/x.log does not exist"},
		{"log name twice", prog + "stdout_logfile=/tmp/%%(x)s\n", "Format string '/tmp/%(x)s' for 'stdout_logfile' contains names ('x') which cannot be expanded. Available names: {env}group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:x' (file: '{file}')"},
		{"user name", prog + "user=nosuchuserq\n", "Invalid user name nosuchuserq in section 'program:x' (file: '{file}')"},
		{"user id", prog + "user=98765\n", "Invalid user id 98765 in section 'program:x' (file: '{file}')"},
		{"supervisord user", sup + "user=nosuchuserq\n", "Invalid user name nosuchuserq"},
		{"supervisord empty user", sup + "user=\n", "Invalid user name "},
		{"checked after servers", sup + "user=nosuchuserq\n[inet_http_server]\n", "section [inet_http_server] has no port value"},
		{"umask", prog + "umask=999\n", "999 can not be converted to an octal type in section 'program:x' (file: '{file}')"},
		{"parse error", "[supervisord]\nfoo=bar\n\n\nx\nthis is not ini\n", "Source contains parsing errors: '{file}'\n\t[line  5]: 'x\\n'\n\t[line  6]: 'this is not ini\\n'"},
		{"parse error kinds", "[supervisord]\n x=1\n=y\nbad line\n\tindented\n", "Source contains parsing errors: '{file}'\n\t[line  3]: '=y\\n'\n\t[line  4]: 'bad line\\n'\n\t[line  5]: '\\tindented\\n'"},
		{"no section header", "foo=bar\n[supervisord]\n", "File contains no section headers.\nfile: '{file}', line: 1\n'foo=bar\\n'"},
		{"inet auth", sup + "[inet_http_server]\nusername=u\n", "Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"},
		{"unix auth", sup + "[unix_http_server]\nfile=/tmp/x.sock\npassword=p\n", "Section [unix_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"},
		{"inet port", sup + "[inet_http_server]\n", "section [inet_http_server] has no port value"},
		{"unix file", sup + "[unix_http_server]\n", "section [unix_http_server] has no file value"},
		{"port bounds", sup + "[inet_http_server]\nport=127.0.0.1:99999\n", "99999 is above upper bound (65535)"},
		{"port no colon", sup + "[inet_http_server]\nport=99999\n", "not a valid port number: '99999' "},
		{"port zero", sup + "[inet_http_server]\nport=0\n", "not a valid port number: '0' "},
		{"port host zero", sup + "[inet_http_server]\nport=h:0\n", "0 is below lower bound (1)"},
		{"port empty", sup + "[inet_http_server]\nport=h:\n", "no port number specified in ''"},
		{"chmod", sup + "[unix_http_server]\nfile=/tmp/x.sock\nchmod=abc\n", "Invalid chmod value abc"},
		{"chown", sup + "[unix_http_server]\nfile=/tmp/x.sock\nchown=nosuchuserq:nogroupq\n", "Invalid sockchown value nosuchuserq:nogroupq"},
		{"include files", sup + "[include]\n", ".ini file has [include] section, but no files setting"},
		{"rpc resolve", sup + "[rpcinterface:foo]\nsupervisor.rpcinterface_factory=nosuch.module:factory\n", "nosuch.module:factory cannot be resolved within [rpcinterface:foo]"},
		{"rpc missing", sup + "[rpcinterface:foo]\n", "section [rpcinterface:foo] does not specify a supervisor.rpcinterface_factory"},
		{"rpc syntax", sup + "[rpcinterface:foo]\nsupervisor.rpcinterface_factory=a b\n", `("EntryPoint must be in 'name=module:attrs [extras]' format", 'x=a b')`},
		{"rpc extra key", sup + "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface\nfoo=%(here)s\n", "Format string '%(here)s' for 'rpcinterface:supervisor.foo' contains names ('here') which cannot be expanded. Available names: {envlast}"},
		{"log level", sup + "loglevel=Verbose\n", "bad logging level name 'Verbose'"},
		{"childlogdir", sup + "childlogdir=/nonexistent\n", "/nonexistent is not an existing directory"},
		{"directory", sup + "directory=/nonexistent\n", "/nonexistent is not an existing directory"},
		{"fcgi no socket", sup + "[fcgi-program:f]\ncommand=x\n", `[fcgi-program:f] section requires a "socket" line`},
		{"fcgi udp", sup + "[fcgi-program:f]\ncommand=x\nsocket=udp://foo\n", "('Bad socket format %s', 'udp://foo') in [fcgi-program:f] socket"},
		{"fcgi relative", sup + "[fcgi-program:f]\ncommand=x\nsocket=unix://relative.sock\n", "('Unix socket path %s is not an absolute path', 'relative.sock') in [fcgi-program:f] socket"},
		{"fcgi tcp mode", sup + "[fcgi-program:f]\ncommand=x\nsocket=tcp://a:1\nsocket_mode=0777\n", "socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket"},
		{"fcgi tcp port", sup + "[fcgi-program:f]\ncommand=x\nsocket=tcp://a:70000\n", "70000 is above upper bound (65535) in [fcgi-program:f] socket"},
		{"fcgi backlog", sup + "[fcgi-program:f]\ncommand=x\nsocket=tcp://a:1\nsocket_backlog=0\n", "Invalid socket_backlog value 0"},
		{"fcgi owner", sup + "[fcgi-program:f]\ncommand=x\nsocket=unix:///tmp/a\nsocket_owner=nosuchuserq\n", "Invalid socket_owner value nosuchuserq"},
		{"fcgi mode", sup + "[fcgi-program:f]\ncommand=x\nsocket=unix:///tmp/a\nsocket_mode=9\n", "Invalid socket_mode value 9"},
		{"fcgi user", sup + "[fcgi-program:f]\ncommand=x\nsocket=unix:///tmp/a\nuser=nosuchuserq\n", "Invalid user name nosuchuserq"},
		{"supervisord env twice", sup + "environment=P=\"%%x\",R=\"a%%b\"\n", `Format string 'P="%x",R="a%b"' for 'environment' is badly formatted: %x format: an integer is required, not dict`},
		{"supervisord env node", sup + "environment=P=\"%(host_node_name)s\"\n", `Format string 'P="%(host_node_name)s"' for 'supervisord.environment' contains names ('host_node_name') which cannot be expanded. Available names: {env}here`},
		{"priority names", prog + "priority=%(program_name)s\n", "Format string '%(program_name)s' for 'program:x.priority' contains names ('program_name') which cannot be expanded. Available names: {env}here"},
		{"shared option names", prog + "startsecs=%(process_num)d\n", "Format string '%(process_num)d' for 'program:x.startsecs' contains names ('process_num') which cannot be expanded. Available names: {env}group_name, here, host_node_name, program_name in section 'program:x' (file: '{file}')"},
		{"inline comment needs space", sup + "[program:x]\ncommand=bash -c 'foo ; bar' # hi\nstartsecs=5;6\n", "invalid literal for int() with base 10: '5;6' in section 'program:x' (file: '{file}')"},
		{"default inherited", "[DEFAULT]\nfoo=%(program_name)s\n[supervisord]\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface\n", "Format string '%(program_name)s' for 'rpcinterface:supervisor.foo' contains names ('program_name') which cannot be expanded. Available names: {envlast}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, file := cfgLoadErr(t, t.TempDir(), tc.conf)
			env := cfgEnvNames()
			want := strings.NewReplacer("{file}", file, "{env}", env, "{envlast}", strings.TrimSuffix(env, ", ")).Replace(tc.want)
			if got != want {
				t.Errorf("error:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestConfigMissingFile covers CFG-01's -c errors.
func TestConfigMissingFile(t *testing.T) {
	if _, err := loadConfig("/nonexistent.conf", nil); cfgErrText(err) != "could not find config file /nonexistent.conf" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := loadConfig(t.TempDir(), nil); !strings.HasPrefix(cfgErrText(err), "could not read config file ") {
		t.Errorf("directory as config: %v", err)
	}
	if _, err := loadCtlConfig("/nonexistent.conf"); cfgErrText(err) != "could not find config file /nonexistent.conf" {
		t.Errorf("ctl missing file: %v", err)
	}
}

// TestConfigDefaults checks every option's default (CFG-20..36, 45..69c,
// 81, 90..93, 10..17).
func TestConfigDefaults(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	cfg := cfgMustLoad(t, `[supervisord]
[unix_http_server]
file=%(here)s/s.sock
[inet_http_server]
port=9001
[program:p]
command=p
[eventlistener:l]
command=l
events=tick_5
[fcgi-program:f]
command=f
socket=unix:///tmp/f.sock
`)
	cwd, _ := os.Getwd()
	sc := cfg.Supervisord
	wantSup := SupervisordConfig{
		Logfile: filepath.Join(cwd, "supervisord.log"), LogfileMaxBytes: 50 << 20, LogfileBackups: 10,
		LogLevel: LevelInfo, Pidfile: filepath.Join(cwd, "supervisord.pid"), Umask: 0o22,
		Minfds: 1024, Minprocs: 200, Childlogdir: os.Getenv("TMPDIR"),
		Environment: map[string]string{}, Identifier: "supervisor",
	}
	if !reflect.DeepEqual(sc, wantSup) {
		t.Errorf("[supervisord]:\n got %+v\nwant %+v", sc, wantSup)
	}
	wantUnix := []UnixServerConfig{{Section: "unix_http_server", File: filepath.Join(cfg.Here, "s.sock"), Chmod: 0o700, ChownUID: -1, ChownGID: -1}}
	if !reflect.DeepEqual(cfg.UnixServers, wantUnix) {
		t.Errorf("unix servers = %+v", cfg.UnixServers)
	}
	if want := []InetServerConfig{{Section: "inet_http_server", Port: 9001}}; !reflect.DeepEqual(cfg.InetServers, want) {
		t.Errorf("inet servers = %+v", cfg.InetServers)
	}
	auto := LogConfig{Auto: true, MaxBytes: 50 << 20, Backups: 10}
	wantProc := ProcessConfig{
		Name: "p", Program: "p", Section: "program:p", Command: "p", Umask: -1, Priority: 999,
		Autostart: true, Autorestart: RestartUnexpected, StartSecs: 1, StartRetries: 3,
		StopSignal: syscall.SIGTERM, StopWaitSecs: 10, ExitCodes: []int{0}, UID: -1,
		Stdout: auto, Stderr: auto, Environment: map[string]string{},
	}
	p := cfgGroup(t, cfg, "p")
	if p.Kind != KindProgram || p.Priority != 999 || len(p.Processes) != 1 {
		t.Fatalf("group p = %+v", p)
	}
	if !reflect.DeepEqual(*p.Processes[0], wantProc) {
		t.Errorf("program:\n got %+v\nwant %+v", *p.Processes[0], wantProc)
	}
	l := cfgGroup(t, cfg, "l")
	if l.Kind != KindListener || l.Priority != -1 || l.BufferSize != 10 || l.ResultHandler != "supervisor.dispatchers:default_handler" ||
		!reflect.DeepEqual(l.Events, []string{"TICK_5"}) || l.Processes[0].Priority != 999 {
		t.Errorf("listener = %+v", l)
	}
	f := cfgGroup(t, cfg, "f")
	wantSock := FCGISocketConfig{URL: "unix:///tmp/f.sock", UID: -1, GID: -1, Mode: 0o700}
	if f.Kind != KindFCGI || f.Priority != 999 || !reflect.DeepEqual(*f.Socket, wantSock) {
		t.Errorf("fcgi = %+v socket %+v", f, f.Socket)
	}
	if got := []string{cfg.Groups[0].Name, cfg.Groups[1].Name, cfg.Groups[2].Name}; !reflect.DeepEqual(got, []string{"l", "f", "p"}) {
		t.Errorf("group order = %v", got)
	}
	if cfg.Notes != nil || cfg.RPCInterfaces != nil {
		t.Errorf("notes %v, rpc %v", cfg.Notes, cfg.RPCInterfaces)
	}
}

// TestConfigValues checks explicit values of every kind in one config.
func TestConfigValues(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	cfg, err := loadConfig(cfgWrite(t, dir, "s.conf", `[supervisord]
logfile=syslog
pidfile=~/sd.pid
logfile_maxbytes=1KB
logfile_backups=0
loglevel=BLATHER
umask=077
nodaemon=yes
silent=on
minfds=10
minprocs=20
nocleanup=1
childlogdir=~
user=root
directory=%(here)s
strip_ansi=true
identifier=ident
[unix_http_server]
file=~/s.sock
chmod=0666
chown=root:0
username=u
password={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d
[inet_http_server]
port=LocalHost:9002
username=a
password=b
[program:x]
command=/bin/cat %(here)s
directory=/nonexistent
umask=002
priority=-5
autostart=false
autorestart=true
startsecs=0
startretries=7
exitcodes=0,2
stopsignal=usr1
stopwaitsecs=3
stopasgroup=true
user=0
redirect_stderr=true
stdout_logfile=~/out.log
stdout_logfile_maxbytes=0
stdout_logfile_backups=2
stdout_capture_maxbytes=1MB
stdout_events_enabled=true
stdout_syslog=true
stderr_logfile=OFF
serverurl=http://x:1
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSup := SupervisordConfig{
		Logfile: "syslog", LogfileMaxBytes: 1024, LogLevel: LevelBlather, Pidfile: dir + "/sd.pid",
		Umask: 0o77, Nodaemon: true, Silent: true, Minfds: 10, Minprocs: 20, Nocleanup: true,
		Childlogdir: dir, User: "root", UserSet: true, Directory: dir, StripANSI: true,
		Environment: map[string]string{}, Identifier: "ident",
	}
	if !reflect.DeepEqual(cfg.Supervisord, wantSup) {
		t.Errorf("[supervisord]:\n got %+v\nwant %+v", cfg.Supervisord, wantSup)
	}
	wantUnix := UnixServerConfig{Section: "unix_http_server", File: dir + "/s.sock", Chmod: 0o666, Username: "u", Password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d"}
	if !reflect.DeepEqual(cfg.UnixServers, []UnixServerConfig{wantUnix}) {
		t.Errorf("unix = %+v", cfg.UnixServers)
	}
	if want := (InetServerConfig{Section: "inet_http_server", Host: "localhost", Port: 9002, Username: "a", Password: "b"}); !reflect.DeepEqual(cfg.InetServers, []InetServerConfig{want}) {
		t.Errorf("inet = %+v", cfg.InetServers)
	}
	want := ProcessConfig{
		Name: "x", Program: "x", Section: "program:x", Command: "/bin/cat " + dir, Directory: "/nonexistent",
		Umask: 0o2, Priority: -5, Autorestart: RestartAlways, StartRetries: 7, StopSignal: syscall.SIGUSR1,
		StopWaitSecs: 3, StopAsGroup: true, KillAsGroup: true, ExitCodes: []int{0, 2}, RedirectStderr: true,
		User: "0", UID: 0,
		Stdout:      LogConfig{File: dir + "/out.log", Backups: 2, CaptureMaxBytes: 1 << 20, EventsEnabled: true, Syslog: true},
		Stderr:      LogConfig{MaxBytes: 50 << 20, Backups: 10},
		Environment: map[string]string{}, ServerURL: "http://x:1",
	}
	if got := *cfgGroup(t, cfg, "x").Processes[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("program:\n got %+v\nwant %+v", got, want)
	}
}

// TestConfigIniSyntax covers CFG-02 as RawConfigParser reads it.
func TestConfigIniSyntax(t *testing.T) {
	cfg := cfgMustLoad(t, `[DEFAULT]
startsecs=7
[supervisord]
[program:a]
command = bash -c 'foo ; bar' and more
PRIORITY: 3
environment=A="1",
  B="2", ; a comment
  ; comment line

  C="3"
[program:b]
command=first
[program:a]
autostart=false
[program:b]
COMMAND=second # comment
	startsecs=8
`)
	a := cfgGroup(t, cfg, "a").Processes[0]
	if a.Command != "bash -c 'foo" || a.Priority != 3 || a.StartSecs != 7 || a.Autostart {
		t.Errorf("a = %+v", a)
	}
	if !reflect.DeepEqual(a.Environment, map[string]string{"A": "1", "B": "2", "C": "3"}) {
		t.Errorf("a environment = %v", a.Environment)
	}
	b := cfgGroup(t, cfg, "b").Processes[0]
	if b.Command != "second\nstartsecs=8" || b.StartSecs != 7 {
		t.Errorf("b = %q, startsecs %d", b.Command, b.StartSecs)
	}
	if _, err := loadConfig(cfgWrite(t, t.TempDir(), "k.conf", "[supervisord]\n[program:a]\ncommand=x\nstopsignal=KILL;x\n"), nil); !strings.Contains(cfgErrText(err), "'KILL;x' is not a valid signal name") {
		t.Errorf("inline ';' without space: %v", err)
	}
}

func TestConfigIniReader(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       map[string]map[string]string
	}{
		{"continuations", "[s]\nk = a\n\n   b\n  c  ; x\n\n", map[string]map[string]string{"s": {"k": "a\n\nb\nc"}}},
		{"comment rounds", "[s]\na=x#y ;z #w\nb=x;y #z\n", map[string]map[string]string{"s": {"a": "x#y", "b": "x;y"}}},
		{"colon first", "[s]\nk: a=b\nm = c:d\n", map[string]map[string]string{"s": {"k": "a=b", "m": "c:d"}}},
		{"header to last bracket", "[a]]\nk=v\n[b] ; c\nk=w\n", map[string]map[string]string{"a]": {"k": "v"}, "b": {"k": "w"}}},
		{"crlf", "[s]\r\nk=v\r\n  w\r\n", map[string]map[string]string{"s": {"k": "v\nw"}}},
		{"empty value", "[s]\nk=\nm=  ;c\n", map[string]map[string]string{"s": {"k": "", "m": ""}}},
		{"case", "[S]\nKey=v\n[s]\nkey=w\n", map[string]map[string]string{"S": {"key": "v"}, "s": {"key": "w"}}},
		{"bad line keeps continuation", "[s]\nk=1\n\n", map[string]map[string]string{"s": {"k": "1"}}},
	} {
		f := newIniFile()
		if err := f.read([]byte(tc.text), "x"); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := map[string]map[string]string{}
		for _, s := range f.sections {
			got[s.name] = s.vals
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	f := newIniFile()
	err := f.read([]byte("[s]\nk=1\nbad\n  cont\n=v\n  cont2\n"), "x.conf")
	if want := "Source contains parsing errors: 'x.conf'\n\t[line  3]: 'bad\\n'\n\t[line  5]: '=v\\n'\n\t[line  6]: '  cont2\\n'"; cfgErrText(err) != want {
		t.Errorf("parse errors:\n got %q\nwant %q", cfgErrText(err), want)
	}
}

// TestConfigExpansionNames checks which names each place offers (CFG-03),
// through the "Available names" list of a failed expansion.
func TestConfigExpansionNames(t *testing.T) {
	env := cfgEnvNames()
	prog := "[supervisord]\n[program:x]\ncommand=x\n"
	for _, tc := range []struct{ name, conf, label, names string }{
		{"supervisord", "[supervisord]\nidentifier=%(nope)s\n", "supervisord.identifier", "here"},
		{"include", "[supervisord]\n[include]\nfiles=%(nope)s\n", "include.files", "here, host_node_name"},
		{"group", "[supervisord]\n[group:g]\npriority=%(nope)s\n", "group:g.priority", "here"},
		{"program shared", prog + "autostart=%(nope)s\n", "program:x.autostart", "group_name, here, host_node_name, program_name"},
		{"program user", prog + "user=%(nope)s\n", "program:x.user", "group_name, here, host_node_name, program_name"},
		{"program directory", prog + "directory=%(nope)s\n", "program:x.directory", "group_name, here, host_node_name, numprocs, process_num, program_name"},
		{"program environment", prog + "environment=A=%(nope)s\n", "environment", "group_name, here, host_node_name, numprocs, process_num, program_name"},
		{"program logfile", prog + "stderr_logfile_backups=%(nope)s\n", "program:x.stderr_logfile_backups", "group_name, here, host_node_name, numprocs, process_num, program_name"},
		{"unix file", "[supervisord]\n[unix_http_server]\nfile=%(nope)s\n", "unix_http_server.file", "here"},
		{"unix chmod", "[supervisord]\n[unix_http_server]\nfile=/tmp/s\nchmod=%(nope)s\n", "unix_http_server.chmod", ""},
		{"inet port", "[supervisord]\n[inet_http_server]\nport=%(nope)s\n", "inet_http_server.port", ""},
		{"fcgi socket", "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=%(nope)s\n", "fcgi-program:f.socket", "here, program_name"},
		{"listener events", "[supervisord]\n[eventlistener:l]\ncommand=x\nevents=%(nope)s\n", "eventlistener:l.events", "here"},
	} {
		got, _ := cfgLoadErr(t, t.TempDir(), tc.conf)
		names := env + tc.names
		if tc.names == "" {
			names = strings.TrimSuffix(env, ", ")
		}
		want := "for '" + tc.label + "' contains names ('nope') which cannot be expanded. Available names: " + names
		if !strings.Contains(got, want) {
			t.Errorf("%s:\n got %q\nwant it to contain %q", tc.name, got, want)
		}
	}
}

// TestConfigEnvironment covers CFG-04 and PROC-28's merge.
func TestConfigEnvironment(t *testing.T) {
	t.Setenv("CFGTEST_HOME", "/home/t")
	cfg := cfgMustLoad(t, `[supervisord]
environment=GLOBAL="g %(ENV_CFGTEST_HOME)s",SHARED=sup,PCT="a%%%%b"
[program:a]
command=echo %(ENV_GLOBAL)s %(ENV_X)s %(ENV_SHARED)s
environment=SHARED=prog,X="%(ENV_GLOBAL)s",Q="%%y"
directory=/d/%(ENV_X)s
`)
	a := cfgGroup(t, cfg, "a").Processes[0]
	if a.Command != "echo g /home/t g /home/t prog" || a.Directory != "/d/g /home/t" {
		t.Errorf("a command %q directory %q", a.Command, a.Directory)
	}
	wantEnv := map[string]string{"GLOBAL": "g /home/t", "SHARED": "prog", "PCT": "a%b", "X": "g /home/t", "Q": "%y"}
	if !reflect.DeepEqual(a.Environment, wantEnv) {
		t.Errorf("a environment = %v", a.Environment)
	}
	if want := map[string]string{"GLOBAL": "g /home/t", "SHARED": "sup", "PCT": "a%b"}; !reflect.DeepEqual(cfg.Supervisord.Environment, want) {
		t.Errorf("supervisord environment = %v", cfg.Supervisord.Environment)
	}
	// The shared options are read before environment=, so ENV_SHARED
	// there is [supervisord]'s value, not a valid signal name.
	if _, err := loadConfig(cfgWrite(t, t.TempDir(), "e.conf", "[supervisord]\nenvironment=S=usr1\n[program:a]\ncommand=x\nenvironment=S=bogus\nstopsignal=%(ENV_S)s\n"), nil); err != nil {
		t.Errorf("stopsignal from [supervisord] environment: %v", err)
	}
	if _, err := loadConfig(cfgWrite(t, t.TempDir(), "f.conf", "[supervisord]\n[program:a]\ncommand=x\nenvironment=X=1\n[program:b]\ncommand=echo %(ENV_X)s\n"), nil); !strings.Contains(cfgErrText(err), "('ENV_X')") {
		t.Errorf("program environment leaked into another program: %v", err)
	}
}

// TestConfigNumprocs covers CFG-46..48.
func TestConfigNumprocs(t *testing.T) {
	cfg := cfgMustLoad(t, `[supervisord]
[program:exp]
command=/bin/echo %(process_num)d of %(numprocs)d
numprocs=2
numprocs_start=5
process_name=%(program_name)s-%(process_num)d
stdout_logfile=/tmp/%(program_name)s_%(process_num)02d.log
[program:echoer]
command=x
numprocs=3
process_name=%(program_name)s_%(process_num)02d
[program:none]
command=x
numprocs=0
`)
	exp := cfgGroup(t, cfg, "exp")
	if got := cfgProcNames(exp); !reflect.DeepEqual(got, []string{"exp-5", "exp-6"}) {
		t.Errorf("exp names = %v", got)
	}
	if p := exp.Processes[1]; p.Command != "/bin/echo 6 of 2" || p.Stdout.File != "/tmp/exp_06.log" {
		t.Errorf("exp-6 = %q %q", p.Command, p.Stdout.File)
	}
	if got := cfgProcNames(cfgGroup(t, cfg, "echoer")); !reflect.DeepEqual(got, []string{"echoer_00", "echoer_01", "echoer_02"}) {
		t.Errorf("echoer names = %v", got)
	}
	if n := len(cfgGroup(t, cfg, "none").Processes); n != 0 {
		t.Errorf("numprocs=0 gave %d processes", n)
	}
}

// TestConfigGroups covers CFG-80 membership, the fcgi-in-group quirk and
// sorting by (priority, name).
func TestConfigGroups(t *testing.T) {
	cfg := cfgMustLoad(t, `[supervisord]
[group:g]
programs=b,a, f
priority=5
[program:a]
command=a
priority=2
[program:b]
command=b
priority=1
[program:c]
command=c
priority=5
[program:aa]
command=aa
priority=5
[fcgi-program:f]
command=f
socket=udp://not-checked
[group:empty]
`)
	var names []string
	for _, g := range cfg.Groups {
		names = append(names, g.Name)
	}
	if !reflect.DeepEqual(names, []string{"aa", "c", "g", "empty"}) {
		t.Errorf("groups = %v", names)
	}
	g := cfgGroup(t, cfg, "g")
	if got := cfgProcNames(g); !reflect.DeepEqual(got, []string{"b", "a", "f"}) {
		t.Errorf("g processes = %v", got)
	}
	if g.Kind != KindProgram || g.Socket != nil || g.Processes[2].Program != "f" || g.Processes[2].Section != "fcgi-program:f" {
		t.Errorf("g = %+v", g)
	}
}

// TestConfigInclude covers CFG-05, CFG-70 and CFG-75.
func TestConfigInclude(t *testing.T) {
	dir := t.TempDir()
	cfgWrite(t, dir, "conf.d/b.conf", "[program:b]\ncommand=b %(here)s\n[supervisord]\nidentifier=incl\n")
	cfgWrite(t, dir, "conf.d/a.conf", "[program:a]\ncommand=a %(here)s\n[include]\nfiles=../nested/*.conf\n")
	cfgWrite(t, dir, "conf.d/.hidden.conf", "[program:hidden]\ncommand=h\n")
	cfgWrite(t, dir, "nested/n.conf", "[program:n]\ncommand=n\n")
	cfgWrite(t, dir, "bad.d/x.conf", "[program:x]\ncommand=x\nstartsecs=x\n")
	main := cfgWrite(t, dir, "main.conf", `[supervisord]
[include]
files = conf.d/*.conf none/*.conf
[program:m]
command=m %(here)s
`)
	cfg, err := loadConfig(main, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range cfg.Groups {
		names = append(names, g.Name+"="+g.Processes[0].Command)
	}
	want := []string{"a=a " + dir + "/conf.d", "b=b " + dir + "/conf.d", "m=m " + dir}
	if !reflect.DeepEqual(names, want) || cfg.Supervisord.Identifier != "incl" {
		t.Errorf("groups = %v, identifier %q", names, cfg.Supervisord.Identifier)
	}
	wantNotes := []ConfigNote{
		{LevelWarn, `No file matches via include "` + dir + `/none/*.conf"`},
		{LevelInfo, `Included extra file "` + dir + `/conf.d/a.conf" during parsing`},
		{LevelInfo, `Included extra file "` + dir + `/conf.d/b.conf" during parsing`},
	}
	if !reflect.DeepEqual(cfg.Notes, wantNotes) {
		t.Errorf("notes:\n got %v\nwant %v", cfg.Notes, wantNotes)
	}
	bad := cfgWrite(t, dir, "bad.conf", "[supervisord]\n[include]\nfiles=bad.d/*.conf\n")
	_, err = loadConfig(bad, nil)
	if want := "invalid literal for int() with base 10: 'x' in section 'program:x' (file: '" + dir + "/bad.d/x.conf')"; cfgErrText(err) != want {
		t.Errorf("included error:\n got %q\nwant %q", cfgErrText(err), want)
	}
}

// TestConfigNotes covers the CFG-70 warnings, in 4.2.5's order.
func TestConfigNotes(t *testing.T) {
	cfg := cfgMustLoad(t, `[supervisord]
[program:x]
command=x
numprocs=2
process_name=%(process_num)d
stdout_logfile_maxbytes=0
stderr_logfile=syslog
[program:y]
command=y
redirect_stderr=true
stderr_logfile=/tmp/y.err
`)
	want := []ConfigNote{
		{LevelWarn, "For [program:x], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"},
		{LevelWarn, "For [program:x], stderr_logfile=syslog but this is deprecated and will be removed.  Use stderr_syslog=true to enable syslog instead."},
		{LevelWarn, "For [program:x], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"},
		{LevelWarn, "For [program:x], stderr_logfile=syslog but this is deprecated and will be removed.  Use stderr_syslog=true to enable syslog instead."},
		{LevelWarn, "For [program:y], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"},
	}
	if !reflect.DeepEqual(cfg.Notes, want) {
		t.Errorf("notes:\n got %v\nwant %v", cfg.Notes, want)
	}
	x := cfgGroup(t, cfg, "x").Processes[0]
	if x.Stderr.File != "" || x.Stderr.Auto || !x.Stderr.Syslog {
		t.Errorf("syslog stderr = %+v", x.Stderr)
	}
	y := cfgGroup(t, cfg, "y").Processes[0]
	if y.Stderr.File != "" || y.Stderr.Auto {
		t.Errorf("redirected stderr = %+v", y.Stderr)
	}
}

// TestConfigLogValues covers CFG-64's keywords.
func TestConfigLogValues(t *testing.T) {
	cfg := cfgMustLoad(t, "[supervisord]\n[program:a]\ncommand=a\nstdout_logfile=NONE\nstderr_logfile=Auto\n[program:b]\ncommand=b\nstdout_logfile=off\nstderr_logfile=rel.log\n")
	a, b := cfgGroup(t, cfg, "a").Processes[0], cfgGroup(t, cfg, "b").Processes[0]
	if a.Stdout.File != "" || a.Stdout.Auto || !a.Stderr.Auto || b.Stdout.File != "" || b.Stdout.Auto || b.Stderr.File != "rel.log" {
		t.Errorf("a %+v %+v, b %+v %+v", a.Stdout, a.Stderr, b.Stdout, b.Stderr)
	}
}

// TestConfigServerURL covers CFG-69c: AUTO in any case means "".
func TestConfigServerURL(t *testing.T) {
	cfg := cfgMustLoad(t, "[supervisord]\n[program:a]\ncommand=a\nserverurl= auto \n[program:b]\ncommand=b\nserverurl=unix:///x\n")
	if a, b := cfgGroup(t, cfg, "a").Processes[0], cfgGroup(t, cfg, "b").Processes[0]; a.ServerURL != "" || b.ServerURL != "unix:///x" {
		t.Errorf("serverurl a %q b %q", a.ServerURL, b.ServerURL)
	}
}

// TestConfigRPCInterfaces covers CFG-95.
func TestConfigRPCInterfaces(t *testing.T) {
	cfg := cfgMustLoad(t, `[supervisord]
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[rpcinterface:other]
supervisor.rpcinterface_factory = supervisor.rpcinterface : make_main_rpcinterface [extra]
retries = 1
`)
	if !reflect.DeepEqual(cfg.RPCInterfaces, []string{"supervisor", "other"}) {
		t.Errorf("rpc interfaces = %v", cfg.RPCInterfaces)
	}
}

// TestConfigFCGISocket covers CFG-85..88.
func TestConfigFCGISocket(t *testing.T) {
	cfg := cfgMustLoad(t, `[supervisord]
[fcgi-program:t]
command=t
socket=tcp://LocalHost:8000
socket_backlog=5
[fcgi-program:u]
command=u
socket=unix:///tmp/../tmp/%(program_name)s.sock
socket_owner=root:0
socket_mode=0660
`)
	if got := *cfgGroup(t, cfg, "t").Socket; got != (FCGISocketConfig{URL: "tcp://localhost:8000", Backlog: 5, UID: -1, GID: -1}) {
		t.Errorf("tcp socket = %+v", got)
	}
	if got := *cfgGroup(t, cfg, "u").Socket; got != (FCGISocketConfig{URL: "unix:///tmp/u.sock", UID: 0, GID: 0, Mode: 0o660}) {
		t.Errorf("unix socket = %+v", got)
	}
}

// TestLoadCtlConfig covers CFG-40..44.
func TestLoadCtlConfig(t *testing.T) {
	if cc, err := loadCtlConfig(""); err != nil || *cc != (CtlConfig{ServerURL: "http://localhost:9001", Prompt: "supervisor"}) {
		t.Errorf("defaults = %+v, %v", cc, err)
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("CFGTEST_PROMPT", "p")
	cc, err := loadCtlConfig(cfgWrite(t, dir, "c.conf", "[supervisorctl]\nserverurl=unix://%(here)s/../x/./s.sock\nhistory_file=~/hist\nprompt=%(ENV_CFGTEST_PROMPT)s\nusername=u\npassword=\n[ctlplugin:x]\nsupervisor.ctl_factory=a:b\n"))
	want := CtlConfig{ServerURL: "unix://" + filepath.Dir(dir) + "/x/s.sock", Username: "u", Prompt: "p", HistoryFile: dir + "/hist"}
	if err != nil || *cc != want {
		t.Errorf("ctl = %+v, %v; want %+v", cc, err, want)
	}
	cc, err = loadCtlConfig(cfgWrite(t, dir, "d.conf", "[DEFAULT]\nserverurl=http://h:1\n[supervisorctl]\n"))
	if err != nil || cc.ServerURL != "http://h:1" {
		t.Errorf("[DEFAULT] serverurl = %+v, %v", cc, err)
	}
	for text, want := range map[string]string{
		"[supervisord]\n":                       ".ini file does not include supervisorctl section",
		"[supervisorctl]\nprompt=%(here)s\n":    "Format string '%(here)s' for 'supervisorctl.prompt' contains names ('here') which cannot be expanded. Available names: " + strings.TrimSuffix(cfgEnvNames(), ", "),
		"[supervisorctl]\n[ctlplugin:x]\n":      "section [ctlplugin:x] does not specify a supervisor.ctl_factory",
		"[supervisorctl]\nserverurl=%(nope\n":   "Format string '%(nope' for 'supervisorctl.serverurl' is badly formatted: incomplete format key",
		"[supervisorctl]\nthis is not ini\n":    "Source contains parsing errors: '" + dir + "/e.conf'\n\t[line  2]: 'this is not ini\\n'",
		"[supervisorctl]\nhistory_file=%(x)s\n": "Format string '%(x)s' for 'supervisorctl.history_file' contains names ('x') which cannot be expanded. Available names: " + cfgEnvNames() + "here",
	} {
		if _, err := loadCtlConfig(cfgWrite(t, dir, "e.conf", text)); cfgErrText(err) != want {
			t.Errorf("%q:\n got %q\nwant %q", text, cfgErrText(err), want)
		}
	}
}

// TestDefaultConfigPaths covers CFG-01's search list and order.
func TestDefaultConfigPaths(t *testing.T) {
	tail := []string{"supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"}
	for argv0, head := range map[string][]string{
		"/usr/bin/supervisord": {"/usr/etc/supervisord.conf", "/usr/supervisord.conf"},
		"supervisord":          {"etc/supervisord.conf", "supervisord.conf"},
		"./supervisord":        {"etc/supervisord.conf", "supervisord.conf"},
		"/supervisord":         {"/etc/supervisord.conf", "/supervisord.conf"},
	} {
		if got := defaultConfigPaths(argv0); !reflect.DeepEqual(got, append(head, tail...)) {
			t.Errorf("defaultConfigPaths(%q) = %q", argv0, got)
		}
	}
	dir := t.TempDir()
	t.Chdir(dir)
	cfgWrite(t, dir, "etc/supervisord.conf", "")
	if got, err := findConfigFile(dir + "/bin/supervisord"); err != nil || got != dir+"/etc/supervisord.conf" {
		t.Errorf("findConfigFile = %q, %v", got, err)
	}
	os.Remove(dir + "/etc/supervisord.conf")
	cfgWrite(t, dir, "supervisord.conf", "")
	if got, err := findConfigFile(dir + "/bin/supervisord"); err != nil || got != dir+"/supervisord.conf" {
		t.Errorf("findConfigFile = %q, %v", got, err)
	}
	os.Remove(dir + "/supervisord.conf")
	if pyLexists("/etc/supervisord.conf") || pyLexists("/etc/supervisor/supervisord.conf") {
		return
	}
	_, err := findConfigFile("/x/bin/supervisord")
	want := "No config file found at default paths (/x/etc/supervisord.conf, /x/supervisord.conf, supervisord.conf, etc/supervisord.conf, /etc/supervisord.conf, /etc/supervisor/supervisord.conf); use the -c option to specify a config file at a different path"
	if cfgErrText(err) != want {
		t.Errorf("not found:\n got %q\nwant %q", cfgErrText(err), want)
	}
}

// TestConfigEqual covers 4.2.5's "changed" rules for reread.
func TestConfigEqual(t *testing.T) {
	base := `[supervisord]
environment=G=1
[program:p]
command=p
[group:g]
programs=a,b
[program:a]
command=a
[program:b]
command=b
[eventlistener:l]
command=l
events=TICK_5,TICK_60
[fcgi-program:f]
command=f
socket=unix:///tmp/f.sock
`
	load := func(text string) *Config { return cfgMustLoad(t, text) }
	old := load(base)
	same := load(base)
	for i, g := range old.Groups {
		if !g.Equal(same.Groups[i]) {
			t.Errorf("%s: identical configs differ", g.Name)
		}
	}
	for _, tc := range []struct {
		name, from, to, group string
		equal                 bool
	}{
		{"command", "command=p\n", "command=p2\n", "p", false},
		{"supervisord environment", "environment=G=1\n", "environment=G=2\n", "p", false},
		{"AUTO to file", "command=p\n", "command=p\nstdout_logfile=/tmp/p.log\n", "p", true},
		{"file to NONE", "command=p\n", "command=p\nstdout_logfile=NONE\n", "p", true},
		{"maxbytes", "command=p\n", "command=p\nstdout_logfile_maxbytes=1KB\n", "p", false},
		{"user name vs uid", "command=p\n", "command=p\nuser=root\n", "p", false},
		{"group order", "programs=a,b\n", "programs=b,a\n", "g", false},
		{"group priority", "programs=a,b\n", "programs=a,b\npriority=1\n", "g", false},
		{"events order", "events=TICK_5,TICK_60\n", "events=tick_60,TICK_5\n", "l", true},
		{"events", "events=TICK_5,TICK_60\n", "events=TICK_5\n", "l", false},
		{"buffer", "events=TICK_5,TICK_60\n", "events=TICK_5,TICK_60\nbuffer_size=3\n", "l", false},
		{"socket mode", "socket=unix:///tmp/f.sock\n", "socket=unix:///tmp/f.sock\nsocket_mode=0777\n", "f", true},
		{"socket path", "socket=unix:///tmp/f.sock\n", "socket=unix:///tmp/g.sock\n", "f", false},
	} {
		changed := load(strings.Replace(base, tc.from, tc.to, 1))
		if got := cfgGroup(t, old, tc.group).Equal(cfgGroup(t, changed, tc.group)); got != tc.equal {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.equal)
		}
	}
	withUID := load(strings.Replace(base, "command=p\n", "command=p\nuser=0\n", 1))
	withName := load(strings.Replace(base, "command=p\n", "command=p\nuser=root\n", 1))
	if !cfgGroup(t, withUID, "p").Equal(cfgGroup(t, withName, "p")) {
		t.Error("user=0 and user=root differ")
	}
	asFCGI := load(strings.Replace(base, "[program:p]\ncommand=p\n", "[fcgi-program:p]\ncommand=p\nsocket=tcp://a:1\n", 1))
	if cfgGroup(t, old, "p").Equal(cfgGroup(t, asFCGI, "p")) || cfgGroup(t, asFCGI, "p").Equal(cfgGroup(t, old, "p")) {
		t.Error("program and fcgi-program compare equal")
	}
}

// TestConfigIncludeDefaultHere: with [include], %(here)s in [DEFAULT] is
// replaced per file, so each section gets its own file's directory
// (checked against 4.2.5). Unknown sections and keys are ignored.
func TestConfigIncludeDefaultHere(t *testing.T) {
	dir := t.TempDir()
	cfgWrite(t, dir, "d/a.conf", "[program:a]\ncommand=a\ndepends_on=m\n")
	cfg, err := loadConfig(cfgWrite(t, dir, "main.conf", "[DEFAULT]\ndirectory=%(here)s\n[supervisord]\n[include]\nfiles=d/*.conf\n[program:m]\ncommand=m\n[unknown_section]\nfoo=bar\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, m := cfgGroup(t, cfg, "a").Processes[0], cfgGroup(t, cfg, "m").Processes[0]
	if a.Directory != dir+"/d" || m.Directory != dir || cfg.Supervisord.Directory != dir {
		t.Errorf("directories: a %q, m %q, supervisord %q", a.Directory, m.Directory, cfg.Supervisord.Directory)
	}
}
