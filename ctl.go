// supervisorctl: the client side, driving a supervisord over XML-RPC with
// 4.2.5's options, texts and exit codes (spec section 4, CTL-01..40). This
// file owns the command line, the settings and the command dispatcher; the
// actions, the transport, the shell and the log streaming have their own
// ctl_*.go files.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// LSB init-script exit statuses used by supervisorctl (CTL-40).
const (
	exitSuccess       = 0
	exitGeneric       = 1
	exitInvalidArgs   = 2
	exitUnimplemented = 3
	exitNoPrivileges  = 4
	exitNotInstalled  = 5
	exitNotRunning    = 7

	// status uses the LSB status-action codes instead.
	exitStatusNotRunning = 3
	exitStatusUnknown    = 4
)

// XML-RPC fault codes supervisorctl reacts to (RPC-05).
const (
	ctlFaultUnknownMethod       = 1
	ctlFaultShutdownState       = 6
	ctlFaultBadName             = 10
	ctlFaultBadSignal           = 11
	ctlFaultNoFile              = 20
	ctlFaultNotExecutable       = 21
	ctlFaultFailed              = 30
	ctlFaultAbnormalTermination = 40
	ctlFaultSpawnError          = 50
	ctlFaultAlreadyStarted      = 60
	ctlFaultNotRunning          = 70
	ctlFaultSuccess             = 80
	ctlFaultAlreadyAdded        = 90
	ctlFaultStillRunning        = 91
	ctlFaultCantReread          = 92
)

// Process state codes supervisorctl looks at (PROC-01).
const (
	ctlStateStopped = 0
	ctlStateRunning = 20
	ctlStateExited  = 100
	ctlStateFatal   = 200
	ctlStateUnknown = 1000
)

// ctlAPIVersion is the server API version this client speaks (RPC-20).
const ctlAPIVersion = "3.0"

// ctlDefaultServerURL is used when neither -s nor a config file names one.
const ctlDefaultServerURL = "http://localhost:9001"

// ctlUsage is printed by -h with every "%s" replaced by the program name.
const ctlUsage = `supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default "http://localhost:9001").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like "tail" or "stop".  If -i is specified or no action is
specified on the command line, a "shell" interpreting actions typed
interactively is started.  Use the action "help" to find out about available
actions.
`

// ctlMain runs supervisorctl with the arguments after the program name and
// returns the exit status. progname appears in the usage texts.
func ctlMain(progname string, args []string) int {
	settings, status, done := ctlSettingsFromArgs(progname, args, os.Stdout, os.Stderr)
	if done {
		return status
	}
	c := newController(settings, os.Stdin, os.Stdout, os.Stderr)
	defer c.close()
	if len(settings.args) > 0 {
		return c.runOneShot(strings.Join(settings.args, " "))
	}
	c.runShell()
	return exitSuccess // the shell always exits 0 (CTL-03)
}

// ctlSettings is everything the controller needs from the command line and
// the [supervisorctl] section, command line first (CTL-01, CFG-40..44).
type ctlSettings struct {
	serverURL   string
	username    string
	password    string
	prompt      string
	historyFile string
	interactive bool
	args        []string
}

// ctlOption describes one getopt option the way 4.2.5 declares it.
type ctlOption struct {
	short    byte
	long     string // "" when there is no long form
	takesArg bool
	attr     string // the setting it fills; "" for help
}

// ctlOptions is in 4.2.5's declaration order, which getopt's long-prefix
// matching and error texts depend on.
var ctlOptions = []ctlOption{
	{'h', "help", false, ""},
	{'?', "", false, ""},
	{'c', "configuration", true, "configfile"},
	{'i', "interactive", false, "interactive"},
	{'s', "serverurl", true, "serverurl"},
	{'u', "username", true, "username"},
	{'p', "password", true, "password"},
	{'r', "history_file", true, "history"}, // parsed, then ignored (CFG-44)
}

// ctlSettingsFromArgs parses the command line and reads the config file. When
// done is true the caller must exit with status: help was printed (0) or a
// usage error was reported (2).
func ctlSettingsFromArgs(progname string, args []string, stdout, stderr io.Writer) (s *ctlSettings, status int, done bool) {
	usage := func(msg string) (*ctlSettings, int, bool) {
		fmt.Fprintf(stderr, "Error: %s\nFor help, use %s -h\n", msg, progname)
		return nil, exitInvalidArgs, true
	}
	opts, rest, err := ctlGetopt(args)
	if err != nil {
		return usage(err.Error())
	}
	given := map[string]string{}
	for _, o := range opts {
		opt := ctlLookupOption(o.name)
		if opt.attr == "" {
			io.WriteString(stdout, strings.ReplaceAll(ctlUsage, "%s", progname)+"\n")
			return nil, exitSuccess, true
		}
		if opt.attr == "serverurl" {
			if err := ctlCheckURL(o.value); err != nil {
				return usage(fmt.Sprintf("invalid value for %s %s: %v", o.name, pyRepr(o.value), err))
			}
		}
		if _, dup := given[opt.attr]; dup {
			return usage("conflicting command line option " + pyRepr(o.name))
		}
		given[opt.attr] = o.value
	}
	cfg, err := ctlConfig(given)
	if err != nil {
		return usage(err.Error())
	}
	s = &ctlSettings{
		serverURL:   cfg.ServerURL,
		username:    cfg.Username,
		password:    cfg.Password,
		prompt:      cfg.Prompt,
		historyFile: cfg.HistoryFile,
		args:        rest,
	}
	if v, ok := given["serverurl"]; ok {
		s.serverURL = v
	}
	if v, ok := given["username"]; ok {
		s.username = v
	}
	if v, ok := given["password"]; ok {
		s.password = v
	}
	_, s.interactive = given["interactive"]
	s.interactive = s.interactive || len(rest) == 0
	return s, exitSuccess, false
}

// ctlConfig reads the -c file, or the first file of the search path, or
// returns the built-in defaults when there is none (CFG-01: a config file is
// optional for supervisorctl).
func ctlConfig(given map[string]string) (*CtlConfig, error) {
	path, ok := given["configfile"]
	if !ok {
		found, err := findConfigFile(progPath(os.Args[0]))
		if err != nil || found == "" {
			return &CtlConfig{ServerURL: ctlDefaultServerURL, Prompt: "supervisor"}, nil
		}
		path = found
	}
	return loadCtlConfig(path)
}

// ctlGetopt parses args with getopt's rules (getopt.go) against 4.2.5's
// supervisorctl option table.
func ctlGetopt(args []string) ([]option, []string, error) {
	var short string
	var long []string
	for _, o := range ctlOptions {
		short += string(o.short)
		suffix := ""
		if o.takesArg {
			short += ":"
			suffix = "="
		}
		if o.long != "" {
			long = append(long, o.long+suffix)
		}
	}
	return getopt(args, short, long)
}

// ctlLookupOption finds the table entry of an option returned by ctlGetopt.
func ctlLookupOption(name string) ctlOption {
	for _, o := range ctlOptions {
		if name == "--"+o.long || name == "-"+string(o.short) {
			return o
		}
	}
	return ctlOption{}
}

// ctlCheckURL accepts what 4.2.5's url() option type accepts: a scheme and
// a network location or a path (e.g. "http://h:1", "unix:///p", "a:b").
func ctlCheckURL(value string) error {
	u, err := pyURLSplit(value)
	if err != nil {
		return err
	}
	if u.scheme != "" && (u.netloc != "" || u.path != "") {
		return nil
	}
	return fmt.Errorf("value %s is not a URL", pyRepr(value))
}

// controller runs actions against one supervisord and keeps the exit
// status: the last failing result decides it (CTL-40).
type controller struct {
	settings   *ctlSettings
	exitStatus int
	stdout     io.Writer
	stderr     io.Writer
	input      *lineReader // stdin when no line editor owns it
	term       *terminal   // nil unless stdin and stdout are terminals
	rpc        *rpcClient  // for settings.serverURL; replaced by "open"
	intr       *interrupts

	// completeInfo caches getAllProcessInfo for tab completion until the
	// next command, as readline asks for completions many times per tab.
	completeInfo []ctlProcessInfo
}

func newController(s *ctlSettings, stdin *os.File, stdout, stderr io.Writer) *controller {
	return &controller{
		settings: s,
		stdout:   stdout,
		stderr:   stderr,
		input:    newLineReader(stdin),
		intr:     newInterrupts(),
	}
}

func (c *controller) close() {
	c.intr.stop()
	if c.rpc != nil {
		c.rpc.close()
	}
}

// output prints one message line to stdout.
func (c *controller) output(msg string) {
	io.WriteString(c.stdout, msg+"\n")
}

// outputf prints one formatted message line to stdout.
func (c *controller) outputf(format string, args ...any) {
	c.output(fmt.Sprintf(format, args...))
}

// setExitFromFault applies CTL-40 to one result code: success and the
// ignored code leave the status alone, dead-program faults give 7, any
// other fault gives 1.
func (c *controller) setExitFromFault(code, ignored int) {
	switch code {
	case ignored, ctlFaultSuccess:
	case ctlFaultSpawnError, ctlFaultAbnormalTermination, ctlFaultNotRunning:
		c.exitStatus = exitNotRunning
	default:
		c.exitStatus = exitGeneric
	}
}

// supervisor returns the XML-RPC client for the current server URL. It
// fails like 4.2.5 does for a URL that is neither http:// nor unix://.
func (c *controller) supervisor() (*rpcClient, error) {
	if c.rpc != nil && c.rpc.serverURL == c.settings.serverURL {
		return c.rpc, nil
	}
	client, err := newRPCClient(c.settings.serverURL, c.credentials)
	if err != nil {
		return nil, err
	}
	if c.rpc != nil {
		c.rpc.close()
	}
	c.rpc = client
	return client, nil
}

// credentials are read at every request, so that the ones typed after a 401
// in the shell are used by the retry.
func (c *controller) credentials() (user, password string, ok bool) {
	s := c.settings
	return s.username, s.password, s.username != "" && s.password != ""
}

// runOneShot executes one command line and returns its exit status (CTL-02).
func (c *controller) runOneShot(line string) int {
	if c.intr.run(func() { c.onecmd(line) }) {
		c.intr.dieOfInterrupt()
		return 128 + int(syscall.SIGINT)
	}
	return c.exitStatus
}

// parseLine splits a command line the way Python's cmd module does: "?" is
// help, the command is the leading run of identifier characters. ok is
// false when the line has no command word at all (e.g. "!x").
func parseLine(line string) (cmd, arg, stripped string, ok bool) {
	line = pyStrip(line)
	if line == "" {
		return "", "", "", true
	}
	if line[0] == '?' {
		line = "help " + line[1:]
	} else if line[0] == '!' {
		return "", "", line, false
	}
	i := 0
	for i < len(line) && isIdentChar(line[i]) {
		i++
	}
	return line[:i], pyStrip(line[i:]), line, true
}

func isIdentChar(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// onecmd executes one command line and reports whether the shell should
// stop. Errors no action handles become 4.2.5's generic "error:" line with
// exit status 1 (CTL-05); a 401 asks for credentials in the shell and is
// reported otherwise (CTL-06).
func (c *controller) onecmd(line string) (stop bool) {
	cmd, arg, line, ok := parseLine(line)
	if line == "" {
		return false
	}
	if !ok || cmd == "" {
		return c.unknownSyntax(line)
	}
	c.completeInfo = nil
	if cmd == "EOF" {
		c.output("")
		return true
	}
	a, found := ctlActions[cmd]
	if !found {
		return c.unknownSyntax(line)
	}
	stop, err := a.run(c, arg)
	if err == nil || errors.Is(err, errInterrupted) {
		return stop
	}
	var perr *protocolError
	if errors.As(err, &perr) && perr.code == 401 {
		c.output("Server requires authentication")
		if c.settings.interactive {
			if err = c.askCredentials(); err == nil {
				return c.onecmd(line)
			}
		} else {
			c.exitStatus = exitGeneric
			_, err = a.run(c, arg)
		}
	}
	if err != nil {
		c.output("error: " + pyErrorText(err))
		c.exitStatus = exitGeneric
	}
	return false
}

func (c *controller) unknownSyntax(line string) bool {
	c.output("*** Unknown syntax: " + line)
	c.exitStatus = exitGeneric
	return false
}

// askCredentials prompts for a username and a password after a 401 in the
// shell and keeps them for the rest of the session.
func (c *controller) askCredentials() error {
	user, err := c.ask("Username:")
	if err != nil {
		return err
	}
	password, err := c.askPassword("Password:")
	if err != nil {
		return err
	}
	c.output("")
	c.settings.username, c.settings.password = user, password
	return nil
}

// upcheck verifies that the server answers and speaks API 3.0 (CTL-04).
// false means a message was printed and the action must stop; a non-nil
// error is one 4.2.5 lets through to the generic error line.
func (c *controller) upcheck() (bool, error) {
	s, err := c.supervisor()
	if err != nil {
		return false, err
	}
	var api string
	err = s.call("supervisor.getVersion", &api)
	switch {
	case err == nil && api != ctlAPIVersion:
		c.outputf("Sorry, this version of supervisorctl expects to talk to a server with API version %s, but the remote version is %s.", ctlAPIVersion, api)
		c.exitStatus = exitNotInstalled
		return false, nil
	case err == nil:
		return true, nil
	case faultCode(err) == ctlFaultUnknownMethod:
		c.output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).")
		c.exitStatus = exitUnimplemented
		return false, nil
	case isConnRefused(err):
		c.output(c.settings.serverURL + " refused connection")
		c.exitStatus = exitNoPrivileges
		return false, nil
	case isNoSuchFile(err):
		c.output(c.settings.serverURL + " no such file")
		c.exitStatus = exitNotRunning
		return false, nil
	}
	c.exitStatus = exitGeneric
	return false, err
}
