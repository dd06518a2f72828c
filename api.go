// The XML-RPC methods: the supervisor.* namespace of 4.2.5 (RPC-20..41)
// and system.* (RPC-50..54). Methods run on the supervisor loop; a method
// that must wait (wait=true, group operations) returns a deferred that the
// loop re-checks after every pass, while the HTTP request stays open.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Fault codes (RPC-05).
const (
	faultUnknownMethod        = 1
	faultIncorrectParameters  = 2
	faultBadArguments         = 3
	faultSignatureUnsupported = 4
	faultShutdownState        = 6
	faultBadName              = 10
	faultBadSignal            = 11
	faultNoFile               = 20
	faultNotExecutable        = 21
	faultFailed               = 30
	faultAbnormalTermination  = 40
	faultSpawnError           = 50
	faultAlreadyStarted       = 60
	faultNotRunning           = 70
	faultSuccess              = 80
	faultAlreadyAdded         = 90
	faultStillRunning         = 91
	faultCantReread           = 92
)

var faultNames = map[int]string{
	faultUnknownMethod: "UNKNOWN_METHOD", faultIncorrectParameters: "INCORRECT_PARAMETERS",
	faultBadArguments: "BAD_ARGUMENTS", faultSignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	faultShutdownState: "SHUTDOWN_STATE", faultBadName: "BAD_NAME", faultBadSignal: "BAD_SIGNAL",
	faultNoFile: "NO_FILE", faultNotExecutable: "NOT_EXECUTABLE", faultFailed: "FAILED",
	faultAbnormalTermination: "ABNORMAL_TERMINATION", faultSpawnError: "SPAWN_ERROR",
	faultAlreadyStarted: "ALREADY_STARTED", faultNotRunning: "NOT_RUNNING", faultSuccess: "SUCCESS",
	faultAlreadyAdded: "ALREADY_ADDED", faultStillRunning: "STILL_RUNNING", faultCantReread: "CANT_REREAD",
}

// rpcFault is an XML-RPC fault: its text is the fault name, or
// "NAME: detail".
type rpcFault struct {
	code int
	text string
}

func (f *rpcFault) Error() string { return f.text }

func newFault(code int) *rpcFault { return &rpcFault{code, faultNames[code]} }

func faultf(code int, detail any) *rpcFault {
	return &rpcFault{code, fmt.Sprintf("%s: %v", faultNames[code], detail)}
}

// deferred is a result not known yet: the loop calls it after each pass
// until done.
type deferred func(now time.Time) (result any, err error, done bool)

// offLoop is a result whose remaining work, such as reading a log file,
// runs in the HTTP request's goroutine once the loop has answered: the
// loop never waits on a disk.
type offLoop func() (any, error)

// rpcMethod is one XML-RPC method.
type rpcMethod struct {
	sig     []string // return type, then parameter types (methodSignature)
	minArgs int
	help    string
	run     func(s *Supervisor, args []any) (any, error)
}

func (m *rpcMethod) maxArgs() int { return len(m.sig) - 1 }

// rpcMethods is every method by full name.
var rpcMethods map[string]*rpcMethod

func init() {
	rpcMethods = map[string]*rpcMethod{}
	add := func(name string, sig []string, minArgs int, help string, run func(*Supervisor, []any) (any, error)) {
		rpcMethods[name] = &rpcMethod{sig: sig, minArgs: minArgs, help: help, run: run}
	}
	str, b, i, arr, st := "string", "boolean", "int", "array", "struct"
	add("supervisor.getAPIVersion", []string{str}, 0, "Return the version of the XML-RPC API.\n@return string version", apiGetAPIVersion)
	add("supervisor.getVersion", []string{str}, 0, "Deprecated alias of getAPIVersion.\n@return string version", apiGetAPIVersion)
	add("supervisor.getSupervisorVersion", []string{str}, 0, "Return the Supervisor version this daemon is compatible with.\n@return string version", apiGetSupervisorVersion)
	add("supervisor.getIdentification", []string{str}, 0, "Return the identifier of this supervisord.\n@return string identifier", apiGetIdentification)
	add("supervisor.getState", []string{st}, 0, "Return the daemon state as {statecode, statename}.\n@return struct state", apiGetState)
	add("supervisor.getPID", []string{i}, 0, "Return the pid of supervisord.\n@return int pid", apiGetPID)
	add("supervisor.readLog", []string{str, i, i}, 2, "Read length bytes of the main log from offset.\n@param int offset\n@param int length\n@return string log", apiReadLog)
	add("supervisor.readMainLog", []string{str, i, i}, 2, "Deprecated alias of readLog.\n@param int offset\n@param int length\n@return string log", apiReadLog)
	add("supervisor.clearLog", []string{b}, 0, "Empty the main log.\n@return boolean result", apiClearLog)
	add("supervisor.shutdown", []string{b}, 0, "Stop every process and exit.\n@return boolean result", apiShutdown)
	add("supervisor.restart", []string{b}, 0, "Stop every process and start again with the configuration re-read.\n@return boolean result", apiRestart)
	add("supervisor.reloadConfig", []string{arr}, 0, "Re-read the configuration; report [[added, changed, removed]] group names.\n@return array result", apiReloadConfig)
	add("supervisor.addProcessGroup", []string{b, str}, 1, "Activate a group of the configuration.\n@param string name\n@return boolean result", apiAddProcessGroup)
	add("supervisor.removeProcessGroup", []string{b, str}, 1, "Deactivate a stopped group.\n@param string name\n@return boolean result", apiRemoveProcessGroup)
	add("supervisor.startProcess", []string{b, str, b}, 1, "Start a process (name, group:name or group:*).\n@param string name\n@param boolean wait\n@return boolean result", apiStartProcess)
	add("supervisor.startProcessGroup", []string{arr, str, b}, 1, "Start every process of a group.\n@param string name\n@param boolean wait\n@return array result", apiStartProcessGroup)
	add("supervisor.startAllProcesses", []string{arr, b}, 0, "Start every process.\n@param boolean wait\n@return array result", apiStartAllProcesses)
	add("supervisor.stopProcess", []string{b, str, b}, 1, "Stop a process (name, group:name or group:*).\n@param string name\n@param boolean wait\n@return boolean result", apiStopProcess)
	add("supervisor.stopProcessGroup", []string{arr, str, b}, 1, "Stop every process of a group.\n@param string name\n@param boolean wait\n@return array result", apiStopProcessGroup)
	add("supervisor.stopAllProcesses", []string{arr, b}, 0, "Stop every process.\n@param boolean wait\n@return array result", apiStopAllProcesses)
	add("supervisor.signalProcess", []string{b, str, str}, 2, "Send a signal (name or number) to a process.\n@param string name\n@param string signal\n@return boolean result", apiSignalProcess)
	add("supervisor.signalProcessGroup", []string{arr, str, str}, 2, "Send a signal to every process of a group.\n@param string name\n@param string signal\n@return array result", apiSignalProcessGroup)
	add("supervisor.signalAllProcesses", []string{arr, str}, 1, "Send a signal to every process.\n@param string signal\n@return array result", apiSignalAllProcesses)
	add("supervisor.getAllConfigInfo", []string{arr}, 0, "Describe the configuration of every process.\n@return array result", apiGetAllConfigInfo)
	add("supervisor.getProcessInfo", []string{st, str}, 1, "Describe a process.\n@param string name\n@return struct result", apiGetProcessInfo)
	add("supervisor.getAllProcessInfo", []string{arr}, 0, "Describe every process.\n@return array result", apiGetAllProcessInfo)
	add("supervisor.readProcessStdoutLog", []string{str, str, i, i}, 3, "Read a process's stdout log.\n@param string name\n@param int offset\n@param int length\n@return string log", apiReadStdout)
	add("supervisor.readProcessLog", []string{str, str, i, i}, 3, "Deprecated alias of readProcessStdoutLog.\n@param string name\n@param int offset\n@param int length\n@return string log", apiReadStdout)
	add("supervisor.readProcessStderrLog", []string{str, str, i, i}, 3, "Read a process's stderr log.\n@param string name\n@param int offset\n@param int length\n@return string log", apiReadStderr)
	add("supervisor.tailProcessStdoutLog", []string{arr, str, i, i}, 3, "Tail a process's stdout log: [bytes, offset, overflow].\n@param string name\n@param int offset\n@param int length\n@return array result", apiTailStdout)
	add("supervisor.tailProcessLog", []string{arr, str, i, i}, 3, "Deprecated alias of tailProcessStdoutLog.\n@param string name\n@param int offset\n@param int length\n@return array result", apiTailStdout)
	add("supervisor.tailProcessStderrLog", []string{arr, str, i, i}, 3, "Tail a process's stderr log: [bytes, offset, overflow].\n@param string name\n@param int offset\n@param int length\n@return array result", apiTailStderr)
	add("supervisor.clearProcessLogs", []string{b, str}, 1, "Empty a process's logs.\n@param string name\n@return boolean result", apiClearProcessLogs)
	add("supervisor.clearProcessLog", []string{b, str}, 1, "Deprecated alias of clearProcessLogs.\n@param string name\n@return boolean result", apiClearProcessLogs)
	add("supervisor.clearAllProcessLogs", []string{arr}, 0, "Empty the logs of every process.\n@return array result", apiClearAllProcessLogs)
	add("supervisor.sendProcessStdin", []string{b, str, str}, 2, "Write characters to a process's stdin.\n@param string name\n@param string chars\n@return boolean result", apiSendProcessStdin)
	add("supervisor.sendRemoteCommEvent", []string{b, str, str}, 2, "Emit a REMOTE_COMMUNICATION event.\n@param string type\n@param string data\n@return boolean result", apiSendRemoteCommEvent)
	add("system.listMethods", []string{arr}, 0, "List the methods.\n@return array result", sysListMethods)
	add("system.methodHelp", []string{str, str}, 1, "Describe a method.\n@param string name\n@return string result", sysMethodHelp)
	add("system.methodSignature", []string{arr, str}, 1, "Give [return type, parameter types...] of a method.\n@param string name\n@return array result", sysMethodSignature)
	add("system.multicall", []string{arr, arr}, 1, "Run several calls in order; faults are returned inline.\n@param array calls\n@return array result", nil)
}

// lookupMethod applies 4.2.5's dispatch rules (RPC-03): exactly
// "namespace.method", no private names, supervisor.* only when configured.
func lookupMethod(name string, supervisor bool) (*rpcMethod, error) {
	parts := strings.Split(name, ".")
	if len(parts) != 2 || strings.HasPrefix(parts[1], "_") {
		return nil, newFault(faultUnknownMethod)
	}
	if parts[0] == "supervisor" && !supervisor {
		return nil, newFault(faultUnknownMethod)
	}
	m := rpcMethods[name]
	if m == nil {
		return nil, newFault(faultUnknownMethod)
	}
	return m, nil
}

// call runs one method to completion for an HTTP request.
func (h *httpHandler) call(ctx context.Context, method string, params []any) (any, error) {
	m, err := lookupMethod(method, h.server.supervisor)
	if err != nil {
		return nil, err
	}
	if len(params) < m.minArgs || len(params) > m.maxArgs() {
		return nil, newFault(faultIncorrectParameters)
	}
	if method == "system.multicall" {
		return h.multicall(ctx, params[0])
	}
	return h.runOnLoop(ctx, m, params)
}

// runOnLoop runs m on the supervisor loop and waits for its result,
// including a deferred one.
func (h *httpHandler) runOnLoop(ctx context.Context, m *rpcMethod, params []any) (any, error) {
	ch := make(chan reply, 1)
	work := func(s *Supervisor) {
		v, err := m.run(s, params)
		if d, ok := v.(deferred); ok && err == nil {
			s.deferUntil(func(now time.Time) bool {
				v, err, done := d(now)
				if done {
					s.answer(func() { ch <- reply{v, err} })
				}
				return done
			})
			return
		}
		s.answer(func() { ch <- reply{v, err} })
	}
	s := h.sup
	select {
	case s.inbox <- work:
	case <-s.done:
		return nil, newFault(faultShutdownState)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-ch:
		return r.result()
	case <-s.done:
		// The loop answers before it ends, so a reply may be waiting
		// (shutdown's own), and select picks among ready cases at random.
		select {
		case r := <-ch:
			return r.result()
		default:
			return nil, newFault(faultShutdownState)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reply is the loop's answer to one call.
type reply struct {
	v   any
	err error
}

// result finishes the call in the requester's goroutine.
func (r reply) result() (any, error) {
	if f, ok := r.v.(offLoop); ok && r.err == nil {
		return f()
	}
	return r.v, r.err
}

// multicall runs the calls one after another, each awaited before the
// next starts; faults become {faultCode, faultString} entries (RPC-53).
func (h *httpHandler) multicall(ctx context.Context, calls any) (any, error) {
	list, ok := calls.([]any)
	if !ok {
		return nil, newFault(faultIncorrectParameters)
	}
	results := make([]any, 0, len(list))
	for _, c := range list {
		v, err := h.multicallOne(ctx, c)
		var f *rpcFault
		switch {
		case errors.As(err, &f):
			v = Struct{{"faultCode", f.code}, {"faultString", f.text}}
		case err != nil:
			return nil, err
		}
		results = append(results, v)
	}
	return results, nil
}

func (h *httpHandler) multicallOne(ctx context.Context, c any) (any, error) {
	call, ok := c.(map[string]any)
	if !ok {
		return nil, &rpcFault{faultFailed, fmt.Sprintf("FAILED: <class 'AttributeError'>:'%s' object has no attribute 'get'", rpcTypeName(c))}
	}
	name, ok := call["methodName"].(string)
	if !ok {
		return nil, faultf(faultIncorrectParameters, "No methodName")
	}
	if name == "system.multicall" {
		return nil, faultf(faultIncorrectParameters, "Recursive system.multicall forbidden")
	}
	var params []any
	if p, ok := call["params"]; ok {
		if params, ok = p.([]any); !ok {
			return nil, newFault(faultIncorrectParameters)
		}
	}
	m, err := lookupMethod(name, h.server.supervisor)
	if err != nil {
		return nil, err
	}
	if len(params) < m.minArgs || len(params) > m.maxArgs() {
		return nil, newFault(faultIncorrectParameters)
	}
	return h.runOnLoop(ctx, m, params)
}

// rpcTypeName names a decoded XML-RPC value's Python type.
func rpcTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case int:
		return "int"
	case bool:
		return "bool"
	case float64:
		return "float"
	case []any:
		return "list"
	case nil:
		return "NoneType"
	}
	return "object"
}

func sysListMethods(s *Supervisor, _ []any) (any, error) {
	var names []string
	for name := range rpcMethods {
		if strings.HasPrefix(name, "supervisor.") && !s.hasSupervisorAPI() {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func (s *Supervisor) hasSupervisorAPI() bool {
	return slices.Contains(s.cfg.RPCInterfaces, "supervisor")
}

func sysMethodHelp(s *Supervisor, args []any) (any, error) {
	m := s.visibleMethod(args[0])
	if m == nil {
		return nil, newFault(faultSignatureUnsupported)
	}
	return m.help, nil
}

func sysMethodSignature(s *Supervisor, args []any) (any, error) {
	m := s.visibleMethod(args[0])
	if m == nil {
		return nil, newFault(faultSignatureUnsupported)
	}
	return m.sig, nil
}

func (s *Supervisor) visibleMethod(name any) *rpcMethod {
	n, _ := name.(string)
	if strings.HasPrefix(n, "supervisor.") && !s.hasSupervisorAPI() {
		return nil
	}
	return rpcMethods[n]
}

// checkState refuses supervisor.* calls while shutting down or restarting
// (RPC-07).
func (s *Supervisor) checkState() error {
	if s.state < SupRunning {
		return newFault(faultShutdownState)
	}
	return nil
}

// Argument conversions. XML-RPC clients send what they like; these accept
// what Python's duck typing accepts for the common cases.

func argString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", newFault(faultIncorrectParameters)
}

func argInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		return boolInt(x), nil
	case float64:
		return int(x), nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return 0, newFault(faultIncorrectParameters)
}

// argWait reads an optional wait flag with Python truthiness.
func argWait(args []any, i int) bool {
	if len(args) <= i {
		return true
	}
	switch x := args[i].(type) {
	case bool:
		return x
	case int:
		return x != 0
	case string:
		return x != ""
	case nil:
		return false
	}
	return true
}

func apiGetAPIVersion(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return "3.0", nil
}

func apiGetSupervisorVersion(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return supervisorVersion, nil
}

func apiGetIdentification(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return s.cfg.Supervisord.Identifier, nil
}

func apiGetState(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return Struct{{"statecode", int(s.state)}, {"statename", s.state.String()}}, nil
}

func apiGetPID(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return os.Getpid(), nil
}

func apiShutdown(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	s.state = SupShutdown
	return true, nil
}

func apiRestart(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	s.state = SupRestarting
	return true, nil
}

// findProcess resolves a namespec (RPC-06); process is nil for "g:*".
func (s *Supervisor) findProcess(name string) (*Group, *Process, error) {
	gname, pname := splitNamespec(name)
	g := s.group(gname)
	if g == nil {
		return nil, nil, faultf(faultBadName, name)
	}
	if pname == "" {
		return g, nil, nil
	}
	for _, p := range g.procs {
		if p.cfg.Name == pname {
			return g, p, nil
		}
	}
	return nil, nil, faultf(faultBadName, name)
}

// findOneProcess resolves a namespec that must name a single process.
func (s *Supervisor) findOneProcess(arg any) (*Process, error) {
	name, err := argString(arg)
	if err != nil {
		return nil, err
	}
	_, p, err := s.findProcess(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, faultf(faultBadName, name)
	}
	return p, nil
}

func apiGetProcessInfo(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	p, err := s.findOneProcess(args[0])
	if err != nil {
		return nil, err
	}
	return p.info(time.Now()), nil
}

func apiGetAllProcessInfo(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	now := time.Now()
	var out []any
	for _, p := range s.lexicalProcesses() {
		out = append(out, p.info(now))
	}
	return out, nil
}

// lexicalProcesses is every process sorted by group name, then process
// name (RPC-30).
func (s *Supervisor) lexicalProcesses() []*Process {
	var out []*Process
	for _, g := range s.groups {
		out = append(out, g.procs...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.group.cfg.Name != b.group.cfg.Name {
			return a.group.cfg.Name < b.group.cfg.Name
		}
		return a.cfg.Name < b.cfg.Name
	})
	return out
}

// info is the process info struct (RPC-10), members in 4.2.5's order.
func (p *Process) info(now time.Time) Struct {
	stdout, stderr := "", ""
	if p.stdoutLog != nil {
		stdout = p.stdoutLog.path
	}
	if p.stderrLog != nil {
		stderr = p.stderrLog.path
	}
	start, stop := cappedInt(int64(unixSeconds(p.laststart))), cappedInt(int64(unixSeconds(p.laststop)))
	return Struct{
		{"name", p.cfg.Name},
		{"group", p.group.cfg.Name},
		{"start", start},
		{"stop", stop},
		{"now", cappedInt(now.Unix())},
		{"state", int(p.state)},
		{"statename", p.state.String()},
		{"spawnerr", p.spawnerr},
		{"exitstatus", p.exitstatus},
		{"logfile", stdout},
		{"stdout_logfile", stdout},
		{"stderr_logfile", stderr},
		{"pid", p.pid},
		{"description", p.description(start, stop, int(now.Unix()))},
	}
}

func unixSeconds(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	return int(t.Unix())
}

// description is the human text of RPC-11.
func (p *Process) description(start, stop, now int) string {
	switch p.state {
	case StateRunning:
		return fmt.Sprintf("pid %d, uptime %s", p.pid, pyTimedelta(now-start))
	case StateFatal, StateBackoff:
		if p.spawnerr == "" {
			return fmt.Sprintf("unknown error (try \"tail %s\")", p.cfg.Name)
		}
		return p.spawnerr
	case StateStopped, StateExited:
		if start == 0 {
			return "Not started"
		}
		return time.Unix(int64(stop), 0).Format("Jan 02 03:04 PM")
	}
	return ""
}

// pyTimedelta formats seconds like Python's str(timedelta): "0:00:05",
// "1 day, 2:03:04"; negative spans show as "0:00:00".
func pyTimedelta(secs int) string {
	if secs < 0 {
		secs = 0
	}
	days, rest := secs/86400, secs%86400
	hms := fmt.Sprintf("%d:%02d:%02d", rest/3600, rest%3600/60, rest%60)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return fmt.Sprintf("%d days, %s", days, hms)
}

// target reads the (name, wait) arguments of a start or stop call; p is
// nil when name is "group:*".
func (s *Supervisor) target(args []any) (name string, g *Group, p *Process, wait bool, err error) {
	if err = s.checkState(); err != nil {
		return
	}
	if name, err = argString(args[0]); err != nil {
		return
	}
	g, p, err = s.findProcess(name)
	return name, g, p, argWait(args, 1), err
}

func apiStartProcess(s *Supervisor, args []any) (any, error) {
	name, g, p, wait, err := s.target(args)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return s.startGroup(g, wait), nil
	}
	if _, _, err := p.resolveCommand(); err != nil {
		var ce *commandError
		if errors.As(err, &ce) && ce.notFound {
			return nil, faultf(faultNoFile, err)
		}
		return nil, faultf(faultNotExecutable, err)
	}
	if p.state.isRunning() {
		return nil, faultf(faultAlreadyStarted, name)
	}
	if p.state == StateUnknown {
		return nil, faultf(faultFailed, name+" is in an unknown process state")
	}
	p.spawn()
	s.reap()
	if p.spawnerr != "" {
		return nil, faultf(faultSpawnError, name)
	}
	p.transition(time.Now(), s.state == SupRunning)
	if !wait || p.state == StateRunning {
		return true, nil
	}
	return deferred(func(time.Time) (any, error, bool) {
		switch {
		case p.spawnerr != "":
			return nil, faultf(faultSpawnError, name), true
		case p.state != StateStarting && p.state != StateRunning:
			return nil, faultf(faultAbnormalTermination, name), true
		case p.state == StateRunning:
			return true, nil, true
		}
		return nil, nil, false
	}), nil
}

func apiStopProcess(s *Supervisor, args []any) (any, error) {
	name, g, p, wait, err := s.target(args)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return s.stopGroup(g, wait), nil
	}
	if !p.state.isRunning() {
		return nil, faultf(faultNotRunning, name)
	}
	if msg := p.stop(); msg != "" {
		return nil, faultf(faultFailed, msg)
	}
	s.reap()
	if !wait || p.state.isStopped() {
		return true, nil
	}
	return deferred(func(now time.Time) (any, error, bool) {
		p.stopReport(now)
		if !p.state.isStopped() {
			return nil, nil, false
		}
		return true, nil, true
	}), nil
}

// stopReport logs "waiting for x to stop" at most every 2 seconds while a
// client waits (PROC-12).
func (p *Process) stopReport(now time.Time) {
	if p.state == StateStopping && now.Sub(p.laststopreport) > 2*time.Second {
		p.sup.log.Infof("waiting for %s to stop", p.cfg.Name)
		p.laststopreport = now
	}
}

func apiStartProcessGroup(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	g, err := s.argGroup(args[0])
	if err != nil {
		return nil, err
	}
	return s.startGroup(g, argWait(args, 1)), nil
}

func apiStopProcessGroup(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	g, err := s.argGroup(args[0])
	if err != nil {
		return nil, err
	}
	return s.stopGroup(g, argWait(args, 1)), nil
}

func (s *Supervisor) argGroup(arg any) (*Group, error) {
	name, err := argString(arg)
	if err != nil {
		return nil, err
	}
	g := s.group(name)
	if g == nil {
		return nil, faultf(faultBadName, name)
	}
	return g, nil
}

func apiStartAllProcesses(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	wait := argWait(args, 0)
	return s.forEach(s.allProcesses(), func(p *Process) bool { return !p.state.isRunning() },
		func(ns string) (any, error) { return apiStartProcess(s, []any{ns, wait}) }), nil
}

func apiStopAllProcesses(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	wait := argWait(args, 0)
	return s.forEach(s.allProcesses(), func(p *Process) bool { return p.state.isRunning() },
		func(ns string) (any, error) { return apiStopProcess(s, []any{ns, wait}) }), nil
}

func (s *Supervisor) startGroup(g *Group, wait bool) deferred {
	return s.forEach(byPriority(g.procs), func(p *Process) bool { return !p.state.isRunning() },
		func(ns string) (any, error) { return apiStartProcess(s, []any{ns, wait}) })
}

func (s *Supervisor) stopGroup(g *Group, wait bool) deferred {
	return s.forEach(byPriority(g.procs), func(p *Process) bool { return p.state.isRunning() },
		func(ns string) (any, error) { return apiStopProcess(s, []any{ns, wait}) })
}

// byPriority sorts by priority only, keeping config order for ties, as
// 4.2.5's sort of processes does.
func byPriority(procs []*Process) []*Process {
	out := slices.Clone(procs)
	slices.SortStableFunc(out, func(a, b *Process) int { return a.cfg.Priority - b.cfg.Priority })
	return out
}

// forEach applies fn to the processes pred selects and collects the
// multi-process result structs (RPC-12): immediate results first, then
// deferred ones in the order they complete.
func (s *Supervisor) forEach(procs []*Process, pred func(*Process) bool, fn func(namespec string) (any, error)) deferred {
	var results []any
	type pending struct {
		p *Process
		d deferred
	}
	var waits []pending
	for _, p := range procs {
		if !pred(p) {
			continue
		}
		v, err := fn(p.Namespec())
		if d, ok := v.(deferred); ok && err == nil {
			waits = append(waits, pending{p, d})
			continue
		}
		results = append(results, resultStruct(p, err))
	}
	return func(now time.Time) (any, error, bool) {
		remaining := waits[:0]
		for _, w := range waits {
			_, err, done := w.d(now)
			if !done {
				remaining = append(remaining, w)
				continue
			}
			results = append(results, resultStruct(w.p, err))
		}
		waits = remaining
		if len(waits) > 0 {
			return nil, nil, false
		}
		if results == nil {
			results = []any{}
		}
		return results, nil, true
	}
}

func resultStruct(p *Process, err error) Struct {
	code, desc := faultSuccess, "OK"
	var f *rpcFault
	if errors.As(err, &f) {
		code, desc = f.code, f.text
	}
	return Struct{{"name", p.cfg.Name}, {"group", p.group.cfg.Name}, {"status", code}, {"description", desc}}
}

func apiSignalProcess(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	name, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	g, p, err := s.findProcess(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return s.signalAll(byPriority(g.procs), args[1]), nil
	}
	sig, err := argSignal(args[1])
	if err != nil {
		return nil, err
	}
	if !p.state.isSignallable() {
		return nil, faultf(faultNotRunning, name)
	}
	if msg := p.signal(sig); msg != "" {
		return nil, faultf(faultFailed, msg)
	}
	return true, nil
}

func argSignal(v any) (syscall.Signal, error) {
	text := fmt.Sprint(v)
	sig, err := parseSignal(text)
	if err != nil {
		return 0, faultf(faultBadSignal, text)
	}
	return sig, nil
}

func apiSignalProcessGroup(s *Supervisor, args []any) (any, error) {
	name, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	g := s.group(name)
	if err := s.checkState(); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, faultf(faultBadName, name)
	}
	return s.signalAll(byPriority(g.procs), args[1]), nil
}

func apiSignalAllProcesses(s *Supervisor, args []any) (any, error) {
	result := s.signalAll(s.allProcesses(), args[0])
	// 4.2.5 signals first and checks the daemon state afterwards.
	if err := s.checkState(); err != nil {
		return nil, err
	}
	return result, nil
}

// signalAll signals every signallable process, synchronously.
func (s *Supervisor) signalAll(procs []*Process, sig any) []any {
	d := s.forEach(procs, func(p *Process) bool { return p.state.isSignallable() },
		func(ns string) (any, error) { return apiSignalProcess(s, []any{ns, sig}) })
	v, _, _ := d(time.Now())
	return v.([]any)
}

func apiSendProcessStdin(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	var chars []byte
	switch x := args[1].(type) {
	case string:
		chars = []byte(x)
	case []byte:
		chars = x
	default:
		return nil, faultf(faultIncorrectParameters, pyStr(args[1]))
	}
	p, err := s.findOneProcess(args[0])
	if err != nil {
		return nil, err
	}
	if p.pid == 0 || p.killing || p.stdin == nil {
		return nil, faultf(faultNotRunning, args[0])
	}
	if err := p.stdin.write(chars); err != nil {
		return nil, faultf(faultNoFile, args[0])
	}
	return true, nil
}

// pyStr renders a decoded value like Python's str().
func pyStr(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

func apiSendRemoteCommEvent(s *Supervisor, args []any) (any, error) {
	typ, data := pyStr(args[0]), pyStr(args[1])
	if b, ok := args[0].([]byte); ok {
		typ = string(b)
	}
	if b, ok := args[1].([]byte); ok {
		data = string(b)
	}
	s.notify(evRemoteCommunication, "type:"+typ+"\n"+data)
	return true, nil
}

func apiReloadConfig(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	next, err := loadConfig(s.cfg.Path, nil)
	if err != nil {
		return nil, faultf(faultCantReread, err)
	}
	cfg := *s.cfg
	cfg.Groups = next.Groups
	s.cfg = &cfg
	added, changed, removed := []any{}, []any{}, []any{}
	for _, gc := range cfg.Groups {
		g := s.group(gc.Name)
		switch {
		case g == nil:
			added = append(added, gc.Name)
		case !g.cfg.Equal(gc):
			changed = append(changed, gc.Name)
		}
	}
	for _, g := range s.groups {
		if s.configGroup(g.cfg.Name) == nil {
			removed = append(removed, g.cfg.Name)
		}
	}
	return []any{[]any{added, changed, removed}}, nil
}

// configGroup finds a group of the last-read configuration.
func (s *Supervisor) configGroup(name string) *GroupConfig {
	for _, gc := range s.cfg.Groups {
		if gc.Name == name {
			return gc
		}
	}
	return nil
}

func apiAddProcessGroup(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	name, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	gc := s.configGroup(name)
	if gc == nil {
		return nil, faultf(faultBadName, name)
	}
	switch err := s.addGroup(gc); {
	case errors.Is(err, errAlreadyAdded):
		return nil, faultf(faultAlreadyAdded, name)
	case err != nil:
		return nil, faultf(faultFailed, err)
	}
	return true, nil
}

func apiRemoveProcessGroup(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	name, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	if s.group(name) == nil {
		return nil, faultf(faultBadName, name)
	}
	if !s.removeGroup(name) {
		return nil, faultf(faultStillRunning, name)
	}
	return true, nil
}

func apiGetAllConfigInfo(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	var out []Struct
	for _, gc := range s.cfg.Groups {
		active := s.group(gc.Name)
		for _, pc := range gc.Processes {
			var running *Process
			if active != nil && active.cfg == gc {
				for _, p := range active.procs {
					if p.cfg == pc {
						running = p
					}
				}
			}
			out = append(out, configInfo(gc, pc, active != nil, running))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][9].Value.(string) < out[j][9].Value.(string) })
	list := make([]any, len(out))
	for i, st := range out {
		list[i] = st
	}
	return list, nil
}

// configInfo is one entry of getAllConfigInfo (RPC-13), members in 4.2.5's
// order; "name" must stay at index 9 (sorting relies on it).
func configInfo(gc *GroupConfig, pc *ProcessConfig, inuse bool, p *Process) Struct {
	none := func(s string) any {
		if s == "" {
			return "none"
		}
		return s
	}
	var uid any = "none"
	if pc.UID >= 0 {
		uid = pc.UID
	}
	logName := func(lc LogConfig, l *logFile) any {
		switch {
		case lc.Auto && l != nil:
			return l.path
		case lc.Auto:
			return "auto"
		case lc.File == "":
			return "none"
		}
		return lc.File
	}
	var outLog, errLog *logFile
	if p != nil {
		outLog, errLog = p.stdoutLog, p.stderrLog
	}
	exitcodes := make([]any, len(pc.ExitCodes))
	for i, c := range pc.ExitCodes {
		exitcodes[i] = c
	}
	return Struct{
		{"autostart", pc.Autostart},
		{"directory", none(pc.Directory)},
		{"uid", uid},
		{"command", pc.Command},
		{"exitcodes", exitcodes},
		{"group", gc.Name},
		{"group_prio", gc.Priority},
		{"inuse", inuse},
		{"killasgroup", pc.KillAsGroup},
		{"name", pc.Name},
		{"process_prio", pc.Priority},
		{"redirect_stderr", pc.RedirectStderr},
		{"startretries", pc.StartRetries},
		{"startsecs", pc.StartSecs},
		{"stdout_capture_maxbytes", int(pc.Stdout.CaptureMaxBytes)},
		{"stdout_events_enabled", pc.Stdout.EventsEnabled},
		{"stdout_logfile", logName(pc.Stdout, outLog)},
		{"stdout_logfile_backups", pc.Stdout.Backups},
		{"stdout_logfile_maxbytes", int(pc.Stdout.MaxBytes)},
		{"stdout_syslog", pc.Stdout.Syslog},
		{"stopsignal", int(pc.StopSignal)},
		{"stopwaitsecs", pc.StopWaitSecs},
		{"stderr_capture_maxbytes", int(pc.Stderr.CaptureMaxBytes)},
		{"stderr_events_enabled", pc.Stderr.EventsEnabled},
		{"stderr_logfile", logName(pc.Stderr, errLog)},
		{"stderr_logfile_backups", pc.Stderr.Backups},
		{"stderr_logfile_maxbytes", int(pc.Stderr.MaxBytes)},
		{"stderr_syslog", pc.Stderr.Syslog},
		{"serverurl", none(pc.ServerURL)},
	}
}

// Log reading (RPC-32, RPC-39..41).

func apiReadLog(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	path := s.log.Path()
	if path == "" {
		return nil, newFault(faultNoFile)
	}
	return offLoop(func() (any, error) { return readLogFile(path, args[0], args[1]) }), nil
}

func apiReadStdout(s *Supervisor, args []any) (any, error) { return s.readProcessLog(args, true) }
func apiReadStderr(s *Supervisor, args []any) (any, error) { return s.readProcessLog(args, false) }

func (s *Supervisor) readProcessLog(args []any, stdout bool) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	p, err := s.findOneProcess(args[0])
	if err != nil {
		return nil, err
	}
	l := p.channelLog(stdout)
	if l == nil {
		return nil, newFault(faultNoFile)
	}
	path := l.path
	return offLoop(func() (any, error) { return readLogFile(path, args[1], args[2]) }), nil
}

func (p *Process) channelLog(stdout bool) *logFile {
	if stdout {
		return p.stdoutLog
	}
	return p.stderrLog
}

// readLogFile applies 4.2.5's offset/length rules (RPC-40).
func readLogFile(path string, offArg, lenArg any) (any, error) {
	offset, err := argInt(offArg)
	if err != nil {
		return nil, err
	}
	length, err := argInt(lenArg)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, faultf(faultNoFile, path)
		}
		return nil, newFault(faultFailed)
	}
	defer f.Close()
	var data []byte
	switch {
	case offset < 0 && length != 0, length < 0:
		return nil, newFault(faultBadArguments)
	case offset < 0:
		st, err := f.Stat()
		if err != nil {
			return nil, newFault(faultFailed)
		}
		pos := max(st.Size()+int64(offset), 0)
		data, err = readAt(f, pos, -offset)
		if err != nil {
			return nil, newFault(faultFailed)
		}
	default:
		n := length
		if n == 0 {
			n = -1
		}
		data, err = readAt(f, int64(offset), n)
		if err != nil {
			return nil, newFault(faultFailed)
		}
	}
	return validUTF8(data), nil
}

// readAt reads up to n bytes at pos (n < 0: to the end).
func readAt(f *os.File, pos int64, n int) ([]byte, error) {
	if _, err := f.Seek(pos, io.SeekStart); err != nil {
		return nil, err
	}
	r := io.Reader(f)
	if n >= 0 {
		// n comes from the client: the file's own size bounds the buffer.
		r = io.LimitReader(f, int64(n))
	}
	return io.ReadAll(r)
}

// validUTF8 makes log bytes sendable: 4.2.5 fails the whole request with
// HTTP 500 on bytes that are not UTF-8; we substitute U+FFFD instead.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func apiTailStdout(s *Supervisor, args []any) (any, error) { return s.tailProcessLog(args, true) }
func apiTailStderr(s *Supervisor, args []any) (any, error) { return s.tailProcessLog(args, false) }

func (s *Supervisor) tailProcessLog(args []any, stdout bool) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	p, err := s.findOneProcess(args[0])
	if err != nil {
		return nil, err
	}
	offset, err := argInt(args[1])
	if err != nil {
		return nil, err
	}
	length, err := argInt(args[2])
	if err != nil {
		return nil, err
	}
	l := p.channelLog(stdout)
	if l == nil {
		return []any{"", 0, false}, nil
	}
	path := l.path
	return offLoop(func() (any, error) { return tailLogFile(path, offset, length), nil }), nil
}

// tailLogFile implements tail*Log (RPC-41).
func tailLogFile(path string, offset, length int) []any {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return []any{"", 0, false}
	}
	if err != nil {
		return []any{"", offset, false}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return []any{"", offset, false}
	}
	sz := int(st.Size())
	overflow := false
	if sz > offset+length {
		overflow = true
		offset = sz - 1
	}
	if offset+length > sz {
		if offset > sz-1 {
			length = 0
		}
		offset = sz - length
	}
	offset = max(offset, 0)
	length = max(length, 0)
	var data []byte
	if length > 0 {
		data, _ = readAt(f, int64(offset), length)
	}
	return []any{validUTF8(data), sz, overflow}
}

func apiClearLog(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	path := s.log.Path()
	if path == "" {
		return nil, newFault(faultNoFile)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, newFault(faultNoFile)
	}
	if err := s.log.Clear(); err != nil {
		return nil, newFault(faultFailed)
	}
	return true, nil
}

func apiClearProcessLogs(s *Supervisor, args []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	p, err := s.findOneProcess(args[0])
	if err != nil {
		return nil, err
	}
	if err := p.clearLogs(); err != nil {
		return nil, faultf(faultFailed, args[0])
	}
	return true, nil
}

// clearLogs empties the logs of a running process. Like 4.2.5, a process
// that is not running has no open logs and nothing happens (LOG-19).
func (p *Process) clearLogs() error {
	if p.pid == 0 {
		return nil
	}
	for _, l := range []*logFile{p.stdoutLog, p.stderrLog} {
		if l != nil {
			if err := l.Clear(); err != nil {
				return err
			}
		}
	}
	return nil
}

func apiClearAllProcessLogs(s *Supervisor, _ []any) (any, error) {
	if err := s.checkState(); err != nil {
		return nil, err
	}
	results := []any{}
	for _, p := range s.allProcesses() {
		results = append(results, resultStruct(p, p.clearLogsFault()))
	}
	return results, nil
}

func (p *Process) clearLogsFault() error {
	if err := p.clearLogs(); err != nil {
		return faultf(faultFailed, p.Namespec())
	}
	return nil
}
