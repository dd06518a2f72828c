// Command supervisord is a drop-in replacement for Supervisor 4.2.5's
// supervisord and supervisorctl in one binary. Invoked as "supervisorctl"
// (or as "supervisord ctl ...") it is the client; otherwise the daemon.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

const supervisorVersion = "4.2.5"

func main() {
	os.Exit(run(os.Args))
}

// run dispatches on the program name and returns the exit status.
func run(args []string) int {
	if code, ok := runChildHelper(args); ok {
		return code
	}
	prog := progPath(args[0])
	if filepath.Base(args[0]) == "supervisorctl" {
		return ctlMain(prog, args[1:])
	}
	if len(args) > 1 && args[1] == "ctl" {
		return ctlMain(prog+" ctl", args[2:])
	}
	return supervisordMain(prog, args[1:])
}

// progPath is the program's name as 4.2.5 prints it in "For help, use
// ... -h": Python sees the script path the shell found on PATH.
func progPath(argv0 string) string {
	if strings.Contains(argv0, "/") {
		return argv0
	}
	if p, err := exec.LookPath(argv0); err == nil {
		return p
	}
	return argv0
}

const daemonUsage = `supervisord -- run a set of programs as daemons (Supervisor 4.2.5 compatible).

Usage: %s [options]

Options:
-c/--configuration FILENAME -- the configuration file (searched for if not given)
-n/--nodaemon -- stay in the foreground (nodaemon=true)
-s/--silent -- do not echo the log to stdout in the foreground (silent=true)
-h/--help -- show this help and exit
-v/--version -- show the Supervisor version this is compatible with and exit
-u/--user USER -- run as this user name or numeric uid
-m/--umask UMASK -- umask of the daemon when it daemonizes (default 022)
-d/--directory DIRECTORY -- directory to change to when daemonizing
-l/--logfile FILENAME -- path of the main log file
-y/--logfile_maxbytes BYTES -- rotate the main log at this size
-z/--logfile_backups NUM -- how many rotated main logs to keep
-e/--loglevel LEVEL -- critical, error, warn, info, debug, trace or blather
-j/--pidfile FILENAME -- where to write the daemon's pid
-i/--identifier STR -- the identifier of this supervisord
-q/--childlogdir DIRECTORY -- directory of AUTO child logs
-k/--nocleanup -- keep old AUTO child logs at start
-a/--minfds NUM -- file descriptors needed to start
-t/--strip_ansi -- strip ANSI escape sequences from child output
--minprocs NUM -- processes needed to start
--profile_options OPTIONS -- accepted for compatibility and ignored
`

// usageError is a command-line or configuration error: printed as
// "Error: <msg>" with a pointer to -h, exit status 2 (SEC-07).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// daemonFlags are supervisord's command-line options (SUP-01). A nil
// pointer or empty string means "not given": the config file decides.
type daemonFlags struct {
	config          string
	nodaemon        bool
	silent          bool
	nocleanup       bool
	stripANSI       bool
	user            string
	umask           *int
	directory       string
	logfile         string
	logfileMaxBytes *int64
	logfileBackups  *int
	loglevel        *LogLevel
	pidfile         string
	identifier      *string
	childlogdir     string
	minfds          *int
	minprocs        *int

	helpOrVersion string // text to print and exit 0 with
}

var daemonShortOpts = "hc:?vnu:m:d:l:y:z:e:j:i:q:a:kts"
var daemonLongOpts = []string{
	"help", "configuration=", "version", "nodaemon", "user=", "umask=", "directory=",
	"logfile=", "logfile_maxbytes=", "logfile_backups=", "loglevel=", "pidfile=",
	"identifier=", "childlogdir=", "minfds=", "minprocs=", "nocleanup", "strip_ansi",
	"profile_options=", "silent",
}

// parseDaemonFlags reads the options in order, as 4.2.5 does: -h and -v
// act when reached; giving an option twice is an error.
func parseDaemonFlags(progname string, args []string) (*daemonFlags, error) {
	opts, rest, err := getopt(args, daemonShortOpts, daemonLongOpts)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	if len(rest) > 0 {
		return nil, usagef("positional arguments are not supported: %s", pyStringList(rest))
	}
	f := &daemonFlags{}
	seen := map[string]bool{}
	for _, o := range opts {
		name := longName(o.name)
		switch name {
		case "help":
			f.helpOrVersion = strings.ReplaceAll(daemonUsage, "%s", progname)
			return f, nil
		case "version":
			f.helpOrVersion = supervisorVersion + "\n"
			return f, nil
		}
		// The value is checked before the repeat, as 4.2.5 converts first.
		if err := f.set(name, o.value); err != nil {
			return nil, usagef("invalid value for %s %s: %v", o.name, pyRepr(o.value), err)
		}
		if seen[name] {
			return nil, usagef("conflicting command line option %s", pyRepr(o.name))
		}
		seen[name] = true
	}
	return f, nil
}

// longName maps a short option to its long name.
func longName(opt string) string {
	if strings.HasPrefix(opt, "--") {
		return opt[2:]
	}
	short := map[string]string{
		"h": "help", "?": "help", "c": "configuration", "v": "version", "n": "nodaemon",
		"u": "user", "m": "umask", "d": "directory", "l": "logfile", "y": "logfile_maxbytes",
		"z": "logfile_backups", "e": "loglevel", "j": "pidfile", "i": "identifier",
		"q": "childlogdir", "a": "minfds", "k": "nocleanup", "t": "strip_ansi", "s": "silent",
	}
	return short[opt[1:]]
}

func (f *daemonFlags) set(name, v string) error {
	var err error
	switch name {
	case "configuration":
		f.config = v
	case "nodaemon":
		f.nodaemon = true
	case "silent":
		f.silent = true
	case "nocleanup":
		f.nocleanup = true
	case "strip_ansi":
		f.stripANSI = true
	case "user":
		f.user = v
	case "umask":
		var m int
		m, err = parseOctal(v)
		f.umask = &m
	case "directory":
		f.directory, err = existingDirectory(v)
	case "logfile":
		if f.logfile, err = existingDirPath(v); err == nil && f.logfile != "syslog" {
			f.logfile = pyNormalizePath(f.logfile)
		}
	case "logfile_maxbytes":
		var n int64
		n, err = parseByteSize(v)
		f.logfileMaxBytes = &n
	case "logfile_backups":
		f.logfileBackups, err = intFlag(v)
	case "loglevel":
		var l LogLevel
		l, err = parseLogLevel(v)
		f.loglevel = &l
	case "pidfile":
		if f.pidfile, err = existingDirPath(v); err == nil {
			f.pidfile = pyNormalizePath(f.pidfile)
		}
	case "identifier":
		f.identifier = &v
	case "childlogdir":
		f.childlogdir, err = existingDirectory(v)
	case "minfds":
		f.minfds, err = intFlag(v)
	case "minprocs":
		f.minprocs, err = intFlag(v)
	}
	return err
}

func intFlag(v string) (*int, error) {
	n, err := pyInt(v)
	return &n, err
}

// apply lays the command line over the config file's [supervisord].
func (f *daemonFlags) apply(c *SupervisordConfig) {
	c.Nodaemon = c.Nodaemon || f.nodaemon
	c.Silent = c.Silent || f.silent
	c.Nocleanup = c.Nocleanup || f.nocleanup
	c.StripANSI = c.StripANSI || f.stripANSI
	setIf(&c.User, f.user)
	setIf(&c.Directory, f.directory)
	setIf(&c.Logfile, f.logfile)
	setIf(&c.Pidfile, f.pidfile)
	setIf(&c.Childlogdir, f.childlogdir)
	setPtr(&c.Umask, f.umask)
	setPtr(&c.LogfileMaxBytes, f.logfileMaxBytes)
	setPtr(&c.LogfileBackups, f.logfileBackups)
	setPtr(&c.LogLevel, f.loglevel)
	setPtr(&c.Identifier, f.identifier)
	setPtr(&c.Minfds, f.minfds)
	setPtr(&c.Minprocs, f.minprocs)
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func setPtr[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// pyStringList renders a list of strings like Python's str(list).
func pyStringList(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = pyRepr(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// supervisordMain is the daemon's entry point; it returns the exit status.
func supervisordMain(progname string, args []string) int {
	// Descriptors inherited from whoever started us must not reach the
	// children, which get only 0, 1 and 2 (SUP-13).
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	err := runDaemon(progname, args)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "Error: %s\nFor help, use %s -h\n", ue.msg, progname)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return 1
	}
}

// daemonEnv marks the re-executed child of a daemonizing supervisord.
const daemonEnv = "SUPERVISORD_DAEMONIZED"

func runDaemon(progname string, args []string) error {
	flags, err := parseDaemonFlags(progname, args)
	if err != nil {
		return err
	}
	if flags.helpOrVersion != "" {
		io.WriteString(os.Stdout, flags.helpOrVersion)
		return nil
	}
	daemonized := os.Getenv(daemonEnv) != ""
	if !daemonized {
		// Only the first start raises limits, and a re-executed daemon
		// child is past it.
		go startFileLimit()
	}
	path := flags.config
	if path == "" {
		if os.Getuid() == 0 {
			fmt.Fprintln(os.Stderr, "UserWarning: Supervisord is running as root and it is searching for its configuration file in default locations (including its current working directory); you probably want to specify a \"-c\" argument specifying an absolute path to a configuration file for improved security.")
		}
		if path, err = findConfigFile(progname); err != nil {
			return &usageError{err.Error()}
		}
	}
	d := &daemon{progname: progname, flags: flags, path: path, first: true, daemonized: daemonized}
	os.Unsetenv(daemonEnv)
	return d.run()
}

// daemon is supervisord across reloads: each pass of run loads the config
// and runs a fresh Supervisor, as 4.2.5 does on SIGHUP.
type daemon struct {
	progname   string
	flags      *daemonFlags
	path       string
	first      bool
	daemonized bool // this process is the re-executed daemon, given the listening sockets as fds 3..
	serial     int  // the event serial survives reloads (EVT-02)
	signals    daemonSignals
}

func (d *daemon) loadConfig() (*Config, error) {
	cfg, err := loadConfig(d.path, d.flags.apply)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return cfg, nil
}

func (d *daemon) run() error {
	cfg, err := d.loadConfig()
	if err != nil {
		return err
	}
	d.serial = -1
	d.signals = notifySignals()
	for {
		restart, err := d.runOnce(cfg)
		if err != nil || !restart {
			return err
		}
		d.first = false
		next, err := d.loadConfig()
		if err != nil {
			// 4.2.5 exits here; we keep running the config we have.
			fmt.Fprintf(os.Stderr, "Error: %v (reload refused, keeping the running configuration)\n", err)
			if l, lerr := newLogger(&cfg.Supervisord, nil); lerr == nil {
				l.Errorf("reload refused, configuration is invalid: %v", err)
				l.Close()
			}
			continue
		}
		cfg = next
	}
}

// runOnce is one life of the daemon from startup to shutdown or reload
// (SUP-02). It reports whether a reload was requested.
func (d *daemon) runOnce(cfg *Config) (bool, error) {
	sc := &cfg.Supervisord
	// Like 4.2.5, privileges are dropped (or the root warning queued) on
	// every start, limits raised on the first only.
	msg, err := dropPrivileges(sc.User)
	if err != nil {
		return false, err
	}
	crits, infos := appendNonEmpty(nil, msg.crit), appendNonEmpty(nil, msg.info)
	if d.first && !d.daemonized {
		rl, err := raiseLimits(sc.Minfds, sc.Minprocs)
		if err != nil {
			return false, err
		}
		infos = append(infos, rl...)
	}
	var echo io.Writer
	if sc.Nodaemon && !sc.Silent && !d.daemonized {
		echo = os.Stdout
	}
	log, err := newLogger(sc, echo)
	if err != nil {
		return false, usagef("%v", err)
	}
	defer log.Close()
	if !d.daemonized || !d.first {
		logStartupNotes(log, cfg, crits, infos)
	}

	servers, err := d.openServers(cfg, log)
	if err != nil {
		return false, err
	}
	if d.first && !sc.Nodaemon && !d.daemonized {
		return false, d.daemonize(servers)
	}
	if d.daemonized && d.first {
		becomeDaemon(log, sc)
	}

	if !sc.Nocleanup {
		cleanAutoLogs(log, sc.Childlogdir, sc.Identifier)
	}
	s := newSupervisor(cfg, log)
	if s.mux, err = newOutputMux(); err != nil {
		return false, fmt.Errorf("reading children's output: %w", err)
	}
	defer s.mux.close()
	s.daemonSignals = d.signals
	s.events.serial = d.serial
	s.serverURL = childServerURL(cfg)
	for _, g := range cfg.Groups {
		if err := s.addGroup(g); err != nil {
			return false, &usageError{err.Error()}
		}
	}
	servers.serve(s)
	defer servers.close()
	pidfileWritten := writePidfile(log, sc.Pidfile)

	restart := s.run()

	d.serial = s.events.serial
	if pidfileWritten {
		os.Remove(sc.Pidfile)
	}
	return restart, nil
}

func appendNonEmpty(list []string, s string) []string {
	if s == "" {
		return list
	}
	return append(list, s)
}

// logStartupNotes writes what 4.2.5 collects before its log exists:
// criticals, then parse warnings, then infos (SUP-02 step 4).
func logStartupNotes(log *Logger, cfg *Config, crits, infos []string) {
	for _, m := range crits {
		log.Critf("%s", m)
	}
	for _, n := range cfg.Notes {
		if n.Level >= LevelWarn {
			log.Log(n.Level, n.Text)
		}
	}
	for _, n := range cfg.Notes {
		if n.Level < LevelWarn {
			log.Log(n.Level, n.Text)
		}
	}
	for _, m := range infos {
		log.Infof("%s", m)
	}
}

// childServerURL is the SUPERVISOR_SERVER_URL children get when their
// serverurl is AUTO: the first unix server, else the first inet server.
func childServerURL(cfg *Config) string {
	if len(cfg.UnixServers) > 0 {
		return "unix://" + cfg.UnixServers[0].File
	}
	if len(cfg.InetServers) > 0 {
		s := cfg.InetServers[0]
		host := s.Host
		if host == "" {
			host = "localhost"
		}
		return fmt.Sprintf("http://%s:%d", host, s.Port)
	}
	return ""
}

// privilegeNotes are the log lines dropping privileges produces.
type privilegeNotes struct{ crit, info string }

// dropPrivileges switches to user= before logs and sockets are opened
// (SUP-07).
func dropPrivileges(user string) (privilegeNotes, error) {
	if user == "" {
		if os.Getuid() == 0 {
			return privilegeNotes{crit: "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."}, nil
		}
		return privilegeNotes{}, nil
	}
	uid, gid, err := lookupUser(user)
	if err != nil {
		return privilegeNotes{}, &usageError{err.Error()}
	}
	if os.Getuid() != uid {
		if os.Getuid() != 0 {
			return privilegeNotes{}, usagef("Can't drop privilege as nonroot user")
		}
		groups := userGroups(uid, gid)
		if err := syscall.Setgroups(groups); err != nil {
			return privilegeNotes{}, usagef("Could not set groups of effective user")
		}
		if err := syscall.Setgid(gid); err != nil {
			return privilegeNotes{}, usagef("Could not set group id of effective user")
		}
		if err := syscall.Setuid(uid); err != nil {
			return privilegeNotes{}, usagef("Could not set user id of effective user")
		}
	}
	return privilegeNotes{info: fmt.Sprintf("Set uid to user %d succeeded", uid)}, nil
}

// raiseLimits raises RLIMIT_NOFILE and RLIMIT_NPROC to minfds and
// minprocs (SUP-08), for supervisord and so for its children.
func raiseLimits(minfds, minprocs int) ([]string, error) {
	var infos []string
	limits := []struct {
		res  int
		min  int
		name string
		msg  string
	}{
		{unix.RLIMIT_NOFILE, minfds, "RLIMIT_NOFILE", "The minimum number of file descriptors required to run this process is %[1]d as per the \"minfds\" command-line argument or config file setting. The current environment will only allow you to open %[1]d file descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) or lower the minfds setting in the config file to allow the process to start."},
		{unix.RLIMIT_NPROC, minprocs, "RLIMIT_NPROC", "The minimum number of available processes required to run this program is %[1]d as per the \"minprocs\" command-line argument or config file setting. The current environment will only allow you to open %[1]d processes.  Either raise the number of usable processes in your environment (see README.rst) or lower the minprocs setting in the config file to allow the program to start."},
	}
	for _, l := range limits {
		var rl unix.Rlimit
		if err := unix.Getrlimit(l.res, &rl); err != nil {
			continue
		}
		if l.res == unix.RLIMIT_NOFILE {
			rl.Cur = startFileLimit()
		}
		want := uint64(l.min)
		if rl.Cur == unix.RLIM_INFINITY || rl.Cur >= want {
			continue
		}
		if rl.Max != unix.RLIM_INFINITY && rl.Max < want {
			rl.Max = want
		}
		rl.Cur = want
		if err := unix.Setrlimit(l.res, &rl); err != nil {
			return nil, usagef(l.msg, l.min)
		}
		infos = append(infos, fmt.Sprintf("Increased %s limit to %d", l.name, l.min))
	}
	return infos, nil
}

// startFileLimit is the soft RLIMIT_NOFILE supervisord was started with.
// The Go runtime raises its own soft limit to just under the hard one
// before main runs, and hands children the original value back; a child
// stopped right after exec shows what that value is. When the probe is not
// possible the current value stands. supervisordMain starts the probe
// early so it overlaps reading the config. The probe runs this binary as
// a helper that does nothing, should it ever get past the stop.
var startFileLimit = sync.OnceValue(func() uint64 {
	var now unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &now); err != nil {
		return unix.RLIM_INFINITY
	}
	if now.Max == unix.RLIM_INFINITY || now.Cur != now.Max-1 {
		return now.Cur
	}
	pid, err := syscall.ForkExec("/proc/self/exe", []string{"supervisord", limitProbeArg},
		&syscall.ProcAttr{Sys: &syscall.SysProcAttr{Ptrace: true}})
	if err != nil {
		return now.Cur
	}
	var orig unix.Rlimit
	err = unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &orig)
	syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, 0, nil)
	if err != nil {
		return now.Cur
	}
	return orig.Cur
})

// writePidfile writes "<pid>\n" and logs the start (SUP-09).
func writePidfile(log *Logger, path string) bool {
	pid := os.Getpid()
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d\n", pid)), 0o644); err != nil {
		log.Critf("could not write pidfile %s", path)
		return false
	}
	log.Infof("supervisord started with pid %d", pid)
	return true
}

// daemonize starts this binary again as the daemon, detached in its own
// session with the listening sockets already open, and returns so the
// caller exits 0 (SUP-03). Go cannot fork without exec.
func (d *daemon) daemonize(servers *httpServers) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("daemonize: %w", err)
	}
	files := servers.files()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("daemonize: %w", err)
	}
	defer devnull.Close()
	attr := &os.ProcAttr{
		Env:   append(os.Environ(), daemonEnv+"=1"),
		Files: append([]*os.File{devnull, devnull, devnull}, files...),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	proc, err := os.StartProcess(exe, append([]string{d.progname}, os.Args[1:]...), attr)
	if err != nil {
		return fmt.Errorf("daemonize: %w", err)
	}
	proc.Release()
	servers.closeListenersOnly()
	return nil
}

// becomeDaemon finishes daemonizing in the re-executed process: umask and
// directory apply only here (CFG-25, CFG-33).
func becomeDaemon(log *Logger, sc *SupervisordConfig) {
	log.Infof("daemonizing the supervisord process")
	if sc.Directory != "" {
		if err := os.Chdir(sc.Directory); err != nil {
			log.Critf("can't chdir into %s: %v", pyRepr(sc.Directory), err)
		} else {
			log.Infof("set current directory: %s", pyRepr(sc.Directory))
		}
	}
	unix.Umask(sc.Umask)
}
