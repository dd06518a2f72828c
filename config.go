// Config: supervisord.conf read the way Supervisor 4.2.5 reads it, once,
// into typed structs with 4.2.5's defaults. Nothing outside this file looks
// at raw option strings.
package main

import (
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
	// is open (CFG-70), in the order 4.2.5 logs them.
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
	Childlogdir     string
	User            string // "" = none
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

	// Event listener pools only (CFG-90..92).
	Events        []string // upper-case event type names, as listed (deduplicated)
	BufferSize    int
	ResultHandler string

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
	Directory      string // "" = none
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
	File            string // path; "" = NONE (or redirected stderr)
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
