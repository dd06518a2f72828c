// Config: supervisord.conf read the way Supervisor 4.2.5 reads it, once,
// into typed structs with 4.2.5's defaults. Nothing outside this file and
// convert.go looks at raw option strings.
package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Config is a fully parsed and validated supervisord.conf.
type Config struct {
	Path string // the main file as given (-c or found by search); used in error texts
	Here string // absolute directory of the main file

	Supervisord   SupervisordConfig
	UnixServers   []UnixServerConfig // every [unix_http_server*] section, in file order
	InetServers   []InetServerConfig // every [inet_http_server*] section, in file order
	RPCInterfaces []string           // namespaces of [rpcinterface:x] sections using 4.2.5's main factory
	Groups        []*GroupConfig     // sorted by priority, then name

	// Notes are the parse warnings and infos 4.2.5 logs once the main log
	// is open (CFG-70): all warnings (WARN) in parse order, then all infos
	// (INFO). 4.2.5 logs its "running as root" CRIT before them and its
	// "Set uid" / "Increased RLIMIT" infos after them.
	Notes []ConfigNote
}

// ConfigNote is a message produced while parsing, logged after the log opens.
type ConfigNote struct {
	Level LogLevel
	Text  string
}

// SupervisordConfig is the [supervisord] section (CFG-20..36).
type SupervisordConfig struct {
	Logfile         string // absolute path, or "syslog"
	LogfileMaxBytes int64
	LogfileBackups  int
	LogLevel        LogLevel
	Pidfile         string // absolute path
	Umask           int    // applied only when daemonizing
	Nodaemon        bool
	Silent          bool
	Minfds          int
	Minprocs        int
	Nocleanup       bool
	Childlogdir     string // ~ expanded, not made absolute (as 4.2.5)
	User            string // "" = none
	UserSet         bool   // user= given, even empty (which 4.2.5 refuses)
	Directory       string // "" = none; chdir only when daemonizing
	StripANSI       bool
	Environment     map[string]string
	Identifier      string
}

// UnixServerConfig is one [unix_http_server*] section (CFG-10..14).
type UnixServerConfig struct {
	Section  string // section name as written, e.g. "unix_http_server"
	File     string // absolute socket path
	Chmod    int    // default 0700
	ChownUID int    // -1 = leave
	ChownGID int    // -1 = leave
	Username string
	Password string // plain or "{SHA}<hex>"
}

// InetServerConfig is one [inet_http_server*] section (CFG-15..17).
type InetServerConfig struct {
	Section  string
	Host     string // "" = all interfaces
	Port     int
	Username string
	Password string
}

// GroupKind says which kind of section made a group.
type GroupKind int

const (
	KindProgram  GroupKind = iota // [program:x] (homogeneous) or [group:x]
	KindListener                  // [eventlistener:x]
	KindFCGI                      // [fcgi-program:x]
)

// GroupConfig is one process group: a [program:x] (homogeneous group x), a
// [group:x], an [eventlistener:x] pool or an [fcgi-program:x].
type GroupConfig struct {
	Name      string
	Kind      GroupKind
	Priority  int
	Processes []*ProcessConfig // sorted by priority, then name

	// listed is the process names in the order 4.2.5 keeps them (a
	// [group:x]'s programs as listed), which its "changed" test compares.
	listed []string

	// Event listener pools only (CFG-90..92).
	Events        []string // upper-case event type names, as listed (deduplicated)
	BufferSize    int
	ResultHandler string // always "supervisor.dispatchers:default_handler"

	// FastCGI programs only (CFG-85..88).
	Socket *FCGISocketConfig
}

// FCGISocketConfig is the socket of an [fcgi-program:x] section.
type FCGISocketConfig struct {
	URL     string // "tcp://host:port" or "unix:///abs/path", expanded
	Backlog int    // 0 = SOMAXCONN
	UID     int    // unix sockets: owner, -1 = leave
	GID     int
	Mode    int // unix sockets: default 0700
}

// AutoRestart is the autorestart= policy (CFG-56).
type AutoRestart int

const (
	RestartNever AutoRestart = iota
	RestartUnexpected
	RestartAlways
)

// ProcessConfig is one process of a group: a [program:x] section expanded
// for one process_num (CFG-45..69c).
type ProcessConfig struct {
	Name    string // process name (process_name expanded)
	Program string // x of [program:x]; the section this process came from
	Section string // e.g. "program:x", for error texts

	Command        string // expanded, not yet split
	Directory      string // "" = none; not checked until spawn
	Umask          int    // -1 = inherit supervisord's
	Priority       int
	Autostart      bool
	Autorestart    AutoRestart
	StartSecs      int
	StartRetries   int
	StopSignal     syscall.Signal
	StopWaitSecs   int
	StopAsGroup    bool
	KillAsGroup    bool
	ExitCodes      []int
	RedirectStderr bool
	User           string // "" = none
	UID            int    // -1 = none

	Stdout LogConfig
	Stderr LogConfig

	// Environment is [supervisord] environment= merged with this section's
	// environment= (the program's keys win), as 4.2.5 stores it.
	Environment map[string]string
	ServerURL   string // "" = AUTO
}

// LogConfig is one channel's *_logfile* options.
type LogConfig struct {
	File            string // path as written (~ expanded); "" = NONE, AUTO or redirected stderr
	Auto            bool   // AUTO: a name in childlogdir is made when the group is added
	MaxBytes        int64
	Backups         int
	CaptureMaxBytes int64
	EventsEnabled   bool
	Syslog          bool
}

// CtlConfig is what supervisorctl reads: [supervisorctl] (CFG-40..44).
type CtlConfig struct {
	ServerURL   string // default "http://localhost:9001"
	Username    string
	Password    string
	Prompt      string // default "supervisor"
	HistoryFile string
}

// LogLevel is a main-log level (LOG-02).
type LogLevel int

const (
	LevelBlather  LogLevel = 3
	LevelTrace    LogLevel = 5
	LevelDebug    LogLevel = 10
	LevelInfo     LogLevel = 20
	LevelWarn     LogLevel = 30
	LevelError    LogLevel = 40
	LevelCritical LogLevel = 50
)

// defaultConfigPaths is the search list used without -c (CFG-01), built
// from argv[0] the way 4.2.5 builds it from sys.argv[0].
func defaultConfigPaths(argv0 string) []string {
	here := pyDirname(pyDirname(argv0))
	return []string{
		pyJoin(pyJoin(here, "etc"), "supervisord.conf"),
		pyJoin(here, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// findConfigFile returns the first default path that exists.
func findConfigFile(argv0 string) (string, error) {
	paths := defaultConfigPaths(argv0)
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("No config file found at default paths (%s); use the -c option to specify a config file at a different path",
		strings.Join(paths, ", "))
}

// readConfigSource reads the main config file with 4.2.5's error texts.
func readConfigSource(path string) ([]byte, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("could not find config file %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read config file %s", path)
	}
	return data, nil
}

// cfgLoader reads one config the way 4.2.5's ServerOptions does. Options
// are read in 4.2.5's order so that the first error reported is the same.
type cfgLoader struct {
	path  string // main file as given
	here  string
	node  string   // host_node_name
	env   *pyNames // ENV_* names (later also [supervisord] environment=)
	ini   *iniFile
	warns []string
	infos []string
}

func newCfgLoader(path, here string) *cfgLoader {
	env := newPyNames()
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env.vals["ENV_"+k]; !dup {
			env.set("ENV_"+k, v)
		}
	}
	node, _ := os.Hostname()
	return &cfgLoader{path: path, here: here, node: node, env: env, ini: newIniFile()}
}

// pyNamesOf builds an expansion table from name/value pairs, in order.
func pyNamesOf(kv ...any) *pyNames {
	n := newPyNames()
	for i := 0; i+1 < len(kv); i += 2 {
		n.set(kv[i].(string), kv[i+1])
	}
	return n
}

// cfgReader reads options of one section. The first error sticks: later
// reads return zero values, so straight-line code keeps 4.2.5's order.
type cfgReader struct {
	l       *cfgLoader
	section string
	extra   *pyNames // names besides ENV_*; may be changed between reads
	err     error
}

func (l *cfgLoader) reader(section string, extra *pyNames) *cfgReader {
	return &cfgReader{l: l, section: section, extra: extra}
}

// opt reads and expands an option; ok is false when it is absent.
func (r *cfgReader) opt(option string) (string, bool) {
	v, ok := r.l.ini.get(r.section, option)
	if !ok || r.err != nil {
		return "", false
	}
	v, r.err = r.expand(v, option)
	return v, r.err == nil
}

// expand applies %-expansion with the section's names. A value without a
// '%' is returned as it is, which spares building the names for most
// options of a large config.
func (r *cfgReader) expand(v, option string) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	return pyExpand(v, r.l.env.merged(r.extra), r.section+"."+option)
}

// str reads an option with a default; like 4.2.5 the default is expanded
// too.
func (r *cfgReader) str(option, def string) string {
	if v, ok := r.opt(option); ok || r.err != nil {
		return v
	}
	v, err := r.expand(def, option)
	r.fail(err)
	return v
}

// raw reads an option without expansion.
func (r *cfgReader) raw(option, def string) string {
	if v, ok := r.l.ini.get(r.section, option); ok {
		return v
	}
	return def
}

func (r *cfgReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// cfgConv applies a converter unless an error is already pending.
func cfgConv[T any](r *cfgReader, v string, conv func(string) (T, error)) T {
	var zero T
	if r.err != nil {
		return zero
	}
	out, err := conv(v)
	if err != nil {
		r.err = err
		return zero
	}
	return out
}

// loadConfig reads the config file at path as supervisord does at startup
// and on reload; ENV_* names come from the current environment. cmdline,
// if not nil, lays the command line over [supervisord] first, as 4.2.5's
// options win before anything is checked.
func loadConfig(path string, cmdline func(*SupervisordConfig)) (*Config, error) {
	data, err := readConfigSource(path)
	if err != nil {
		return nil, err
	}
	l := newCfgLoader(path, pyAbspath(pyDirname(path)))
	if err := l.ini.read(data, path); err != nil {
		return nil, err
	}
	if err := l.include(); err != nil {
		return nil, err
	}
	if !l.ini.has("supervisord") {
		return nil, errors.New(".ini file does not include supervisord section")
	}
	cfg := &Config{Path: path, Here: l.here}
	if err := l.supervisord(&cfg.Supervisord); err != nil {
		return nil, err
	}
	if cmdline != nil {
		cmdline(&cfg.Supervisord)
	}
	if cfg.RPCInterfaces, err = l.rpcInterfaces(); err != nil {
		return nil, err
	}
	if cfg.Groups, err = l.groups(); err != nil {
		return nil, err
	}
	mergeSupervisordEnvironment(cfg)
	if err := l.servers(cfg); err != nil {
		return nil, err
	}
	if err := realize(&cfg.Supervisord); err != nil {
		return nil, err
	}
	for _, w := range l.warns {
		cfg.Notes = append(cfg.Notes, ConfigNote{Level: LevelWarn, Text: w})
	}
	for _, i := range l.infos {
		cfg.Notes = append(cfg.Notes, ConfigNote{Level: LevelInfo, Text: i})
	}
	return cfg, nil
}

// mergeSupervisordEnvironment puts [supervisord] environment= under every process's
// own (PROC-28), as 4.2.5 stores it and compares it on reread.
func mergeSupervisordEnvironment(cfg *Config) {
	for _, g := range cfg.Groups {
		for _, p := range g.Processes {
			env := maps.Clone(cfg.Supervisord.Environment)
			maps.Copy(env, p.Environment)
			p.Environment = env
		}
	}
}

// include reads the files named by [include] files= (CFG-75), relative to
// the main file's directory; included files cannot include further.
func (l *cfgLoader) include() error {
	if !l.ini.has("include") {
		return nil
	}
	l.ini.expandHere(l.here)
	files, ok := l.ini.get("include", "files")
	if !ok {
		return errors.New(".ini file has [include] section, but no files setting")
	}
	files, err := pyExpand(files, pyNamesOf("here", l.here, "host_node_name", l.node).merged(l.env), "include.files")
	if err != nil {
		return err
	}
	base := pyAbspath(pyDirname(l.path))
	for _, pattern := range strings.FieldsFunc(files, pyIsSpace) {
		pattern = pyJoin(base, pattern)
		matches := pyGlob(pattern)
		if len(matches) == 0 {
			l.warns = append(l.warns, fmt.Sprintf(`No file matches via include "%s"`, pattern))
			continue
		}
		sort.Strings(matches)
		for _, file := range matches {
			l.infos = append(l.infos, fmt.Sprintf(`Included extra file "%s" during parsing`, file))
			if err := l.readIncluded(file); err != nil {
				return err
			}
			l.ini.expandHere(pyAbspath(pyDirname(file)))
		}
	}
	return nil
}

// readIncluded merges one included file; like 4.2.5 an unreadable file is
// skipped silently, and new sections remember the file for error texts.
func (l *cfgLoader) readIncluded(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	before := len(l.ini.sections)
	if err := l.ini.read(data, file); err != nil {
		return err
	}
	for _, s := range l.ini.sections[before:] {
		l.ini.fileOf[s.name] = file
	}
	return nil
}

// supervisord reads the [supervisord] section (CFG-20..36).
func (l *cfgLoader) supervisord(sc *SupervisordConfig) error {
	r := l.reader("supervisord", pyNamesOf("here", l.here))
	sc.Minfds = cfgConv(r, r.str("minfds", "1024"), pyInt)
	sc.Minprocs = cfgConv(r, r.str("minprocs", "200"), pyInt)
	if dir, ok := r.opt("directory"); ok {
		sc.Directory = cfgConv(r, dir, existingDirectory)
	}
	sc.User, sc.UserSet = r.opt("user")
	sc.Umask = cfgConv(r, r.str("umask", "022"), parseOctal)
	sc.Logfile = cfgConv(r, r.str("logfile", "supervisord.log"), existingDirPath)
	sc.LogfileMaxBytes = cfgConv(r, r.str("logfile_maxbytes", "50MB"), parseByteSize)
	sc.LogfileBackups = cfgConv(r, r.str("logfile_backups", "10"), pyInt)
	sc.LogLevel = cfgConv(r, r.str("loglevel", "info"), parseLogLevel)
	sc.Pidfile = cfgConv(r, r.str("pidfile", "supervisord.pid"), existingDirPath)
	sc.Identifier = r.str("identifier", "supervisor")
	sc.Nodaemon = cfgConv(r, r.str("nodaemon", "false"), parseBool)
	sc.Silent = cfgConv(r, r.str("silent", "false"), parseBool)
	sc.Childlogdir = cfgConv(r, r.str("childlogdir", pyTempDir()), existingDirectory)
	sc.Nocleanup = cfgConv(r, r.str("nocleanup", "false"), parseBool)
	sc.StripANSI = cfgConv(r, r.str("strip_ansi", "false"), parseBool)
	envStr := r.str("environment", "")
	if r.err != nil {
		return r.err
	}
	// 4.2.5 expands environment= a second time (CFG-04 quirk), with the
	// names it had before this section's environment was known.
	envStr, err := pyExpand(envStr, pyNamesOf("here", l.here, "host_node_name", l.node).merged(l.env), "environment")
	if err != nil {
		return err
	}
	if sc.Environment, err = parseEnvironment(envStr); err != nil {
		return err
	}
	for _, k := range pySortedKeys(sc.Environment) {
		l.env.set("ENV_"+k, sc.Environment[k])
	}
	return nil
}

// realize does what 4.2.5 does after parsing: check the user, make the
// log and pid file paths absolute.
func realize(sc *SupervisordConfig) error {
	if sc.User != "" || sc.UserSet {
		if _, _, err := lookupUser(sc.User); err != nil {
			return err
		}
	}
	if sc.Logfile != "syslog" {
		sc.Logfile = pyNormalizePath(sc.Logfile)
	}
	sc.Pidfile = pyNormalizePath(sc.Pidfile)
	return nil
}

// pyTempDir is Python's tempfile.gettempdir(): the first of $TMPDIR, $TEMP,
// $TMP, /tmp, /var/tmp, /usr/tmp and the current directory where a file
// can be created.
func pyTempDir() string {
	var dirs []string
	for _, v := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d := os.Getenv(v); d != "" {
			dirs = append(dirs, d)
		}
	}
	dirs = append(dirs, "/tmp", "/var/tmp", "/usr/tmp")
	if cwd, err := os.Getwd(); err == nil {
		dirs = append(dirs, cwd)
	}
	for _, d := range dirs {
		d = pyAbspath(d)
		f, err := os.CreateTemp(d, "tmp")
		if err != nil {
			continue
		}
		f.Close()
		os.Remove(f.Name())
		return d
	}
	return "/tmp"
}

const (
	mainRPCFactory       = "supervisor.rpcinterface:make_main_rpcinterface"
	defaultResultHandler = "supervisor.dispatchers:default_handler"
)

// entryPointRe is the syntax pkg_resources accepts for "x=" + spec.
var entryPointRe = regexp.MustCompile(`^\s*(.+?)\s*=\s*([\p{L}\p{N}_.]+)\s*(?::\s*([\p{L}\p{N}_.]+))?\s*(\[.*\])?\s*$`)

// resolvePythonSpec stands in for importing a Python "module:callable": only
// the one callable we implement resolves; anything else gets 4.2.5's text
// for an unimportable spec.
func resolvePythonSpec(spec, want, section string) (string, error) {
	m := entryPointRe.FindStringSubmatch("x=" + spec)
	if m == nil {
		return "", fmt.Errorf("(%s, %s)", pyRepr("EntryPoint must be in 'name=module:attrs [extras]' format"), pyRepr("x="+spec))
	}
	if m[2]+":"+m[3] != want {
		return "", fmt.Errorf("%s cannot be resolved within [%s]", spec, section)
	}
	return want, nil
}

// rpcInterfaces reads [rpcinterface:x] sections (CFG-95).
func (l *cfgLoader) rpcInterfaces() ([]string, error) {
	const key = "supervisor.rpcinterface_factory"
	var spaces []string
	for _, s := range l.ini.withPrefix("rpcinterface:") {
		r := l.reader(s, nil)
		spec, ok := r.opt(key)
		if r.err != nil {
			return nil, r.err
		}
		if !ok {
			return nil, fmt.Errorf("section [%s] does not specify a %s", s, key)
		}
		if _, err := resolvePythonSpec(spec, mainRPCFactory, s); err != nil {
			return nil, err
		}
		for _, k := range l.ini.options(s) {
			if k != key {
				r.opt(k)
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		spaces = append(spaces, iniSectionName(s))
	}
	return spaces, nil
}

// iniSectionName is the part of a section name after the first ':'.
func iniSectionName(section string) string {
	_, name, _ := strings.Cut(section, ":")
	return name
}

// groups builds every process group: [group:x] first, then the programs
// not in one, then event listener pools, then FastCGI programs, sorted by
// priority and name at the end, like 4.2.5.
func (l *cfgLoader) groups() ([]*GroupConfig, error) {
	var groups []*GroupConfig
	inGroup := map[string]bool{}
	steps := []func() error{
		func() error { return l.heterogeneous(&groups, inGroup) },
		func() error { return l.programs(&groups, inGroup) },
		func() error { return l.listeners(&groups) },
		func() error { return l.fcgiPrograms(&groups, inGroup) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(groups, func(i, j int) bool {
		return configLess(groups[i].Priority, groups[i].Name, groups[j].Priority, groups[j].Name)
	})
	return groups, nil
}

func configLess(p1 int, n1 string, p2 int, n2 string) bool {
	if p1 != p2 {
		return p1 < p2
	}
	return n1 < n2
}

// heterogeneous reads [group:x] sections (CFG-80..81).
func (l *cfgLoader) heterogeneous(groups *[]*GroupConfig, inGroup map[string]bool) error {
	for _, s := range l.ini.withPrefix("group:") {
		name, err := processOrGroupName(iniSectionName(s))
		if err != nil {
			return err
		}
		r := l.reader(s, pyNamesOf("here", l.here))
		programs, _ := r.opt("programs")
		priority := cfgConv(r, r.str("priority", "999"), pyInt)
		if r.err != nil {
			return r.err
		}
		g := &GroupConfig{Name: name, Kind: KindProgram, Priority: priority}
		// 4.2.5 names the previous member's section, not the group, in
		// errors about the second and later members.
		label := s
		for _, p := range listOfStrings(programs) {
			prog, fcgi := "program:"+p, "fcgi-program:"+p
			switch {
			case !l.ini.has(prog) && !l.ini.has(fcgi):
				return fmt.Errorf("[%s] names unknown program or fcgi-program %s", label, p)
			case l.ini.has(prog) && l.ini.has(fcgi):
				return fmt.Errorf("[%s] name %s is ambiguous (exists as program and fcgi-program)", label, p)
			case !l.ini.has(prog):
				prog = fcgi
			}
			label = prog
			inGroup[prog] = true
			procs, err := l.processes(prog, name)
			if err != nil {
				return err
			}
			g.Processes = append(g.Processes, procs...)
		}
		*groups = append(*groups, finishGroup(g))
	}
	return nil
}

// finishGroup records 4.2.5's process order, then sorts the processes.
func finishGroup(g *GroupConfig) *GroupConfig {
	for _, p := range g.Processes {
		g.listed = append(g.listed, p.Name)
	}
	sort.SliceStable(g.Processes, func(i, j int) bool {
		a, b := g.Processes[i], g.Processes[j]
		return configLess(a.Priority, a.Name, b.Priority, b.Name)
	})
	return g
}

// programs reads the [program:x] sections not listed in a [group:x].
func (l *cfgLoader) programs(groups *[]*GroupConfig, inGroup map[string]bool) error {
	for _, s := range l.ini.withPrefix("program:") {
		if inGroup[s] {
			continue
		}
		name, err := processOrGroupName(iniSectionName(s))
		if err != nil {
			return err
		}
		r := l.reader(s, pyNamesOf("here", l.here))
		priority := cfgConv(r, r.str("priority", "999"), pyInt)
		if r.err != nil {
			return r.err
		}
		procs, err := l.processes(s, name)
		if err != nil {
			return err
		}
		*groups = append(*groups, finishGroup(&GroupConfig{Name: name, Kind: KindProgram, Priority: priority, Processes: procs}))
	}
	return nil
}

// listenerEventNames are the names events= accepts (EVT-01).
var listenerEventNames = map[string]bool{
	"EVENT": true, "PROCESS_STATE": true, "PROCESS_STATE_STOPPED": true,
	"PROCESS_STATE_EXITED": true, "PROCESS_STATE_STARTING": true,
	"PROCESS_STATE_STOPPING": true, "PROCESS_STATE_BACKOFF": true,
	"PROCESS_STATE_FATAL": true, "PROCESS_STATE_RUNNING": true,
	"PROCESS_STATE_UNKNOWN": true, "PROCESS_COMMUNICATION": true,
	"PROCESS_COMMUNICATION_STDOUT": true, "PROCESS_COMMUNICATION_STDERR": true,
	"PROCESS_LOG": true, "PROCESS_LOG_STDOUT": true, "PROCESS_LOG_STDERR": true,
	"REMOTE_COMMUNICATION": true, "SUPERVISOR_STATE_CHANGE": true,
	"SUPERVISOR_STATE_CHANGE_RUNNING": true, "SUPERVISOR_STATE_CHANGE_STOPPING": true,
	"TICK": true, "TICK_5": true, "TICK_60": true, "TICK_3600": true,
	"PROCESS_GROUP": true, "PROCESS_GROUP_ADDED": true, "PROCESS_GROUP_REMOVED": true,
}

// listeners reads [eventlistener:x] sections (CFG-90..94).
func (l *cfgLoader) listeners(groups *[]*GroupConfig) error {
	for _, s := range l.ini.withPrefix("eventlistener:") {
		g := &GroupConfig{Name: iniSectionName(s), Kind: KindListener}
		r := l.reader(s, pyNamesOf("here", l.here))
		g.Priority = cfgConv(r, r.str("priority", "-1"), pyInt)
		g.BufferSize = cfgConv(r, r.str("buffer_size", "10"), pyInt)
		if r.err == nil && g.BufferSize < 1 {
			r.fail(fmt.Errorf("[%s] section sets invalid buffer_size (%d)", s, g.BufferSize))
		}
		handler := r.str("result_handler", defaultResultHandler)
		g.ResultHandler = cfgConv(r, handler, func(v string) (string, error) { return resolvePythonSpec(v, defaultResultHandler, s) })
		events := r.str("events", "")
		if r.err != nil {
			return r.err
		}
		seen := map[string]bool{}
		for _, e := range listOfStrings(events) {
			if e = strings.ToUpper(e); !seen[e] {
				seen[e] = true
				g.Events = append(g.Events, e)
			}
		}
		if len(g.Events) == 0 {
			return fmt.Errorf("[%s] section requires an \"events\" line", s)
		}
		for _, e := range g.Events {
			if !listenerEventNames[e] {
				return fmt.Errorf("Unknown event type %s in [%s] events", e, s)
			}
		}
		if cfgConv(r, r.str("redirect_stderr", "false"), parseBool) {
			return fmt.Errorf("[%s] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", s)
		}
		if r.err != nil {
			return r.err
		}
		procs, err := l.processes(s, g.Name)
		if err != nil {
			return err
		}
		g.Processes = procs
		*groups = append(*groups, finishGroup(g))
	}
	return nil
}

// fcgiPrograms reads [fcgi-program:x] sections not listed in a [group:x]
// (CFG-85..88).
func (l *cfgLoader) fcgiPrograms(groups *[]*GroupConfig, inGroup map[string]bool) error {
	for _, s := range l.ini.withPrefix("fcgi-program:") {
		if inGroup[s] {
			continue
		}
		name, err := processOrGroupName(iniSectionName(s))
		if err != nil {
			return err
		}
		g := &GroupConfig{Name: name, Kind: KindFCGI}
		r := l.reader(s, pyNamesOf("here", l.here))
		g.Priority = cfgConv(r, r.str("priority", "999"), pyInt)
		if r.err != nil {
			return r.err
		}
		if g.Socket, err = l.fcgiSocket(s, name); err != nil {
			return err
		}
		procs, err := l.processes(s, name)
		if err != nil {
			return err
		}
		g.Processes = procs
		*groups = append(*groups, finishGroup(g))
	}
	return nil
}

// fcgiSocket reads socket= and its companions, with 4.2.5's texts (some of
// them Python tuple reprs).
func (l *cfgLoader) fcgiSocket(s, program string) (*FCGISocketConfig, error) {
	r := l.reader(s, pyNamesOf("here", l.here))
	procUID := -1
	if u, ok := r.opt("user"); ok {
		procUID = cfgConv(r, u, func(v string) (int, error) { uid, _, err := lookupUser(v); return uid, err })
	}
	sc := &FCGISocketConfig{UID: -1, GID: -1, Mode: -1}
	if v, ok := r.opt("socket_backlog"); ok {
		sc.Backlog = cfgConv(r, v, pyInt)
		if r.err == nil && (sc.Backlog < 1 || sc.Backlog > 65535) {
			r.fail(fmt.Errorf("Invalid socket_backlog value %d", sc.Backlog))
		}
	}
	owner, hasOwner := r.opt("socket_owner")
	if hasOwner && r.err == nil {
		var err error
		if sc.UID, sc.GID, err = parseUserGroup(owner); err != nil {
			r.fail(fmt.Errorf("Invalid socket_owner value %s", owner))
		}
	}
	mode, hasMode := r.opt("socket_mode")
	if hasMode && r.err == nil {
		var err error
		if sc.Mode, err = parseOctal(mode); err != nil {
			r.fail(fmt.Errorf("Invalid socket_mode value %s", mode))
		}
	}
	r.extra = pyNamesOf("program_name", program, "here", l.here)
	sock, _ := r.opt("socket")
	if r.err != nil {
		return nil, r.err
	}
	if sock == "" {
		return nil, fmt.Errorf("[%s] section requires a \"socket\" line", s)
	}
	if err := sc.parse(sock, procUID, hasOwner, hasMode); err != nil {
		return nil, fmt.Errorf("%s in [%s] socket", err, s)
	}
	return sc, nil
}

// parse reads "unix:///abs/path" or "tcp://host:port".
func (sc *FCGISocketConfig) parse(sock string, procUID int, hasOwner, hasMode bool) error {
	if path, ok := strings.CutPrefix(sock, "unix://"); ok {
		if !strings.HasPrefix(path, "/") {
			return fmt.Errorf("(%s, %s)", pyRepr("Unix socket path %s is not an absolute path"), pyRepr(path))
		}
		sc.URL = "unix://" + pyNormalizePath(path)
		if !hasOwner && procUID >= 0 && procUID != os.Getuid() {
			_, gid, err := lookupUser(strconv.Itoa(procUID))
			if err != nil {
				return err
			}
			sc.UID, sc.GID = procUID, gid
		}
		if !hasMode {
			sc.Mode = 0o700
		}
		return nil
	}
	if hasOwner || hasMode {
		return errors.New("socket_owner and socket_mode params should only be used with a Unix domain socket")
	}
	sc.Mode = 0
	if addr, ok := strings.CutPrefix(sock, "tcp://"); ok {
		host, port, found := strings.Cut(addr, ":")
		if found && host != "" && !strings.ContainsFunc(host, pyIsSpace) && port != "" && strings.Trim(port, "0123456789") == "" {
			n, err := parsePortNumber(port)
			if err != nil {
				return err
			}
			sc.URL = fmt.Sprintf("tcp://%s:%d", strings.ToLower(host), n)
			return nil
		}
	}
	return fmt.Errorf("(%s, %s)", pyRepr("Bad socket format %s"), pyRepr(sock))
}

// processes builds the processes of one program-like section. Errors get
// 4.2.5's " in section 'x' (file: 'f')" suffix (CFG-71), naming the
// included file the section came from, else the main file as given.
func (l *cfgLoader) processes(section, group string) ([]*ProcessConfig, error) {
	procs, err := l.buildProcesses(section, group)
	if err != nil {
		file, ok := l.ini.fileOf[section]
		if !ok {
			file = l.path
		}
		return nil, fmt.Errorf("%w in section %s (file: %s)", err, pyRepr(section), pyRepr(file))
	}
	return procs, nil
}

// buildProcesses reads the options shared by all processes of a section
// (without process_num/numprocs names, CFG-03), then one process per
// process_num.
func (l *cfgLoader) buildProcesses(section, group string) ([]*ProcessConfig, error) {
	program, err := processOrGroupName(iniSectionName(section))
	if err != nil {
		return nil, err
	}
	r := l.reader(section, pyNamesOf("here", l.here, "program_name", program, "host_node_name", l.node, "group_name", group))
	b := &ProcessConfig{Program: program, Section: section, UID: -1, Umask: -1}
	b.Priority = cfgConv(r, r.str("priority", "999"), pyInt)
	b.Autostart = cfgConv(r, r.str("autostart", "true"), parseBool)
	b.Autorestart = cfgConv(r, r.str("autorestart", "unexpected"), parseAutoRestart)
	b.StartSecs = cfgConv(r, r.str("startsecs", "1"), pyInt)
	b.StartRetries = cfgConv(r, r.str("startretries", "3"), pyInt)
	b.StopSignal = cfgConv(r, r.str("stopsignal", "TERM"), parseSignal)
	b.StopWaitSecs = cfgConv(r, r.str("stopwaitsecs", "10"), pyInt)
	b.StopAsGroup = cfgConv(r, r.str("stopasgroup", "false"), parseBool)
	b.KillAsGroup = cfgConv(r, r.str("killasgroup", strconv.FormatBool(b.StopAsGroup)), parseBool)
	b.ExitCodes = cfgConv(r, r.str("exitcodes", "0"), parseExitCodes)
	b.RedirectStderr = cfgConv(r, r.str("redirect_stderr", "false"), parseBool)
	numprocs := cfgConv(r, r.str("numprocs", "1"), pyInt)
	start := cfgConv(r, r.str("numprocs_start", "0"), pyInt)
	b.Stdout.CaptureMaxBytes = cfgConv(r, r.str("stdout_capture_maxbytes", "0"), parseByteSize)
	b.Stdout.EventsEnabled = cfgConv(r, r.str("stdout_events_enabled", "false"), parseBool)
	b.Stderr.CaptureMaxBytes = cfgConv(r, r.str("stderr_capture_maxbytes", "0"), parseByteSize)
	b.Stderr.EventsEnabled = cfgConv(r, r.str("stderr_events_enabled", "false"), parseBool)
	if url, ok := r.opt("serverurl"); ok && strings.ToUpper(pyStrip(url)) != "AUTO" {
		b.ServerURL = url
	}
	if u, ok := r.opt("user"); ok {
		b.User = u
		b.UID = cfgConv(r, u, func(v string) (int, error) { uid, _, err := lookupUser(v); return uid, err })
	}
	if m, ok := r.opt("umask"); ok {
		b.Umask = cfgConv(r, m, parseOctal)
	}
	if r.err != nil {
		return nil, r.err
	}
	processName, err := processOrGroupName(r.raw("process_name", "%(program_name)s"))
	switch {
	case err != nil:
		return nil, err
	case numprocs > 1 && !strings.Contains(processName, "%(process_num)"):
		return nil, errors.New("%(process_num) must be present within process_name when numprocs > 1")
	case b.StopAsGroup && !b.KillAsGroup:
		return nil, errors.New("Cannot set stopasgroup=true and killasgroup=false")
	}
	var procs []*ProcessConfig
	for num := start; num < start+numprocs; num++ {
		p, err := l.process(r, b, processName, num, numprocs)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	sort.SliceStable(procs, func(i, j int) bool { return procs[i].Name < procs[j].Name })
	return procs, nil
}

// process reads the per-process options for one process_num. Like 4.2.5
// the name table grows as it goes: process_num and numprocs, then ENV_*
// from this section's environment= for the options read after it.
func (l *cfgLoader) process(r *cfgReader, b *ProcessConfig, processName string, num, numprocs int) (*ProcessConfig, error) {
	common := r.extra
	common.set("process_num", num)
	common.set("numprocs", numprocs)
	common.update(l.env)
	envStr, err := pyExpand(r.raw("environment", ""), common, "environment")
	if err != nil {
		return nil, err
	}
	p := *b
	p.ExitCodes = slices.Clone(b.ExitCodes)
	if p.Environment, err = parseEnvironment(envStr); err != nil {
		return nil, err
	}
	for _, k := range pySortedKeys(p.Environment) {
		common.set("ENV_"+k, p.Environment[k])
	}
	p.Directory, _ = r.opt("directory")
	l.logConfig(r, "stdout", &p.Stdout)
	l.logConfig(r, "stderr", &p.Stderr)
	if r.err != nil {
		return nil, r.err
	}
	if p.RedirectStderr {
		if p.Stderr.File != "" {
			l.warns = append(l.warns, fmt.Sprintf("For [%s], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", p.Section))
		}
		p.Stderr.File, p.Stderr.Auto = "", false
	}
	cmd, ok := r.opt("command")
	if r.err != nil {
		return nil, r.err
	}
	if !ok {
		return nil, fmt.Errorf("program section %s does not specify a command", p.Section)
	}
	p.Command = cmd
	if p.Name, err = pyExpand(processName, common, "process_name"); err != nil {
		return nil, err
	}
	return &p, nil
}

// logConfig reads one channel's *_logfile options (CFG-64..69). The file
// name is expanded twice, as 4.2.5 does.
func (l *cfgLoader) logConfig(r *cfgReader, ch string, lc *LogConfig) {
	key := ch + "_logfile"
	file, present := r.opt(key)
	if present {
		var err error
		file, err = pyExpand(file, r.extra, key)
		r.fail(err)
	}
	magic := "auto"
	if present {
		magic = strings.ToLower(file)
	}
	switch magic {
	case "none", "off", "syslog":
	case "auto":
		lc.Auto = true
	default:
		lc.File = cfgConv(r, file, existingDirPath)
	}
	lc.Backups = cfgConv(r, r.str(ch+"_logfile_backups", "10"), pyInt)
	lc.MaxBytes = cfgConv(r, r.str(ch+"_logfile_maxbytes", "50MB"), parseByteSize)
	lc.Syslog = cfgConv(r, r.str(ch+"_syslog", "false"), parseBool)
	if r.err != nil {
		return
	}
	if magic == "syslog" {
		l.warns = append(l.warns, fmt.Sprintf("For [%s], %s=syslog but this is deprecated and will be removed.  Use %s_syslog=true to enable syslog instead.", r.section, key, ch))
		lc.Syslog = true
	}
	if lc.Auto && lc.MaxBytes == 0 {
		l.warns = append(l.warns, fmt.Sprintf("For [%s], AUTO logging used for %s without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally", r.section, key))
	}
}

// servers reads [inet_http_server*] then [unix_http_server*] (CFG-10..17).
func (l *cfgLoader) servers(cfg *Config) error {
	for _, s := range l.ini.withPrefix("inet_http_server") {
		r := l.reader(s, nil)
		srv := InetServerConfig{Section: s}
		srv.Username, srv.Password = l.auth(r)
		port, ok := r.opt("port")
		if r.err != nil {
			return r.err
		}
		if !ok {
			return fmt.Errorf("section [%s] has no port value", s)
		}
		var err error
		if srv.Host, srv.Port, err = parseInetAddress(port); err != nil {
			return err
		}
		cfg.InetServers = append(cfg.InetServers, srv)
	}
	for _, s := range l.ini.withPrefix("unix_http_server") {
		r := l.reader(s, pyNamesOf("here", l.here))
		file, ok := r.opt("file")
		if r.err != nil {
			return r.err
		}
		if !ok {
			return fmt.Errorf("section [%s] has no file value", s)
		}
		srv := UnixServerConfig{Section: s, File: pyNormalizePath(pyStrip(file)), Chmod: 0o700, ChownUID: -1, ChownGID: -1}
		r.extra = nil
		srv.Username, srv.Password = l.auth(r)
		if chown, ok := r.opt("chown"); ok && r.err == nil {
			var err error
			if srv.ChownUID, srv.ChownGID, err = parseUserGroup(chown); err != nil {
				r.fail(fmt.Errorf("Invalid sockchown value %s", chown))
			}
		}
		if chmod, ok := r.opt("chmod"); ok && r.err == nil {
			var err error
			if srv.Chmod, err = parseOctal(chmod); err != nil {
				r.fail(fmt.Errorf("Invalid chmod value %s", chmod))
			}
		}
		if r.err != nil {
			return r.err
		}
		cfg.UnixServers = append(cfg.UnixServers, srv)
	}
	return nil
}

// auth reads username= and password=, which must come together.
func (l *cfgLoader) auth(r *cfgReader) (user, pass string) {
	user, hasUser := r.opt("username")
	pass, hasPass := r.opt("password")
	if r.err == nil && hasUser != hasPass {
		r.fail(fmt.Errorf("Section [%s] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified", r.section))
	}
	return user, pass
}

// loadCtlConfig reads what supervisorctl takes from a config file
// (CFG-40..44); path "" gives the built-in defaults.
func loadCtlConfig(path string) (*CtlConfig, error) {
	cc := &CtlConfig{ServerURL: "http://localhost:9001", Prompt: "supervisor"}
	if path == "" {
		return cc, nil
	}
	l := newCfgLoader(path, pyDirname(pyNormalizePath(path)))
	data, err := readConfigSource(path)
	if err != nil {
		return nil, err
	}
	if err := l.ini.read(data, path); err != nil {
		return nil, err
	}
	if !l.ini.has("supervisorctl") {
		return nil, errors.New(".ini file does not include supervisorctl section")
	}
	here := pyNamesOf("here", l.here)
	r := l.reader("supervisorctl", here)
	cc.ServerURL = r.str("serverurl", cc.ServerURL)
	if sock, ok := strings.CutPrefix(cc.ServerURL, "unix://"); ok {
		cc.ServerURL = "unix://" + pyNormalizePath(sock)
	}
	r.extra = nil
	cc.Prompt = r.str("prompt", cc.Prompt)
	cc.Username, _ = r.opt("username")
	cc.Password, _ = r.opt("password")
	r.extra = here
	if hist, _ := r.opt("history_file"); hist != "" {
		cc.HistoryFile = pyNormalizePath(hist)
	}
	if r.err != nil {
		return nil, r.err
	}
	// [ctlplugin:x] factories are Python code we cannot load; only the
	// missing-factory error is reproduced and the sections are ignored.
	for _, s := range l.ini.withPrefix("ctlplugin:") {
		if _, ok := l.ini.get(s, "supervisor.ctl_factory"); !ok {
			return nil, fmt.Errorf("section [%s] does not specify a supervisor.ctl_factory", s)
		}
	}
	return cc, nil
}

// Equal reports whether two group configs are the same by 4.2.5's rules,
// which decide "changed" on reread: an AUTO log file on either side
// matches any file, environments are compared after the [supervisord]
// merge, a FastCGI socket is compared by URL only.
func (g *GroupConfig) Equal(o *GroupConfig) bool {
	if g == nil || o == nil {
		return g == o
	}
	if g.Kind != o.Kind || g.Name != o.Name || g.Priority != o.Priority || len(g.Processes) != len(o.Processes) {
		return false
	}
	if g.listed != nil && o.listed != nil && !slices.Equal(g.listed, o.listed) {
		return false
	}
	for i, p := range g.Processes {
		if !p.equal(o.Processes[i]) {
			return false
		}
	}
	switch g.Kind {
	case KindListener:
		return g.BufferSize == o.BufferSize && g.ResultHandler == o.ResultHandler && sameStringSet(g.Events, o.Events)
	case KindFCGI:
		return (g.Socket == nil) == (o.Socket == nil) && (g.Socket == nil || g.Socket.URL == o.Socket.URL)
	}
	return true
}

func sameStringSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func (p *ProcessConfig) equal(o *ProcessConfig) bool {
	return p.Name == o.Name && p.UID == o.UID && p.Command == o.Command &&
		p.Directory == o.Directory && p.Umask == o.Umask && p.Priority == o.Priority &&
		p.Autostart == o.Autostart && p.Autorestart == o.Autorestart &&
		p.StartSecs == o.StartSecs && p.StartRetries == o.StartRetries &&
		p.Stdout.equal(o.Stdout) && p.Stderr.equal(o.Stderr) &&
		p.StopSignal == o.StopSignal && p.StopWaitSecs == o.StopWaitSecs &&
		p.StopAsGroup == o.StopAsGroup && p.KillAsGroup == o.KillAsGroup &&
		slices.Equal(p.ExitCodes, o.ExitCodes) && p.RedirectStderr == o.RedirectStderr &&
		maps.Equal(p.Environment, o.Environment) && p.ServerURL == o.ServerURL
}

func (c LogConfig) equal(o LogConfig) bool {
	if !c.Auto && !o.Auto && c.File != o.File {
		return false
	}
	return c.MaxBytes == o.MaxBytes && c.Backups == o.Backups &&
		c.CaptureMaxBytes == o.CaptureMaxBytes && c.EventsEnabled == o.EventsEnabled &&
		c.Syslog == o.Syslog
}
