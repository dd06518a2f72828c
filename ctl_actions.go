// supervisorctl actions (CTL-20..38): each one prints 4.2.5's texts and
// sets the exit status by CTL-40. An action returns an error only where
// 4.2.5 lets the failure through to the generic "error:" line.
package main

import (
	"fmt"
	"sort"
	"strings"
)

// ctlAction is one command of the shell.
type ctlAction struct {
	run  func(c *controller, arg string) (stop bool, err error)
	help func(c *controller)
}

// ctlActions maps command names to actions; init fills it because the help
// action lists the table itself.
var ctlActions map[string]ctlAction

func init() {
	ctlActions = map[string]ctlAction{
		"add":      {plain((*controller).doAdd), helpLines("add <name> [...]\tActivates any updates in config for process/group")},
		"avail":    {plain((*controller).doAvail), helpLines("avail\t\t\tDisplay all configured processes")},
		"clear":    {plain((*controller).doClear), helpLines("clear <name>\t\tClear a process' log files.", "clear <name> <name>\tClear multiple process' log files", "clear all\t\tClear all process' log files")},
		"exit":     {(*controller).doQuit, helpLines("exit\tExit the supervisor shell.")},
		"fg":       {plain((*controller).doFg), helpLines("fg <process>\tConnect to a process in foreground mode", "\t\tCtrl-C to exit")},
		"help":     {plain((*controller).doHelp), nil},
		"maintail": {plain((*controller).doMaintail), helpLines("maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\nmaintail\tlast 1600 *bytes* of supervisor main log file\n")},
		"open":     {plain((*controller).doOpen), helpLines("open <url>\tConnect to a remote supervisord process.", "\t\t(for UNIX domain socket, use unix:///socket/path)")},
		"pid":      {plain((*controller).doPid), helpLines("pid\t\t\tGet the PID of supervisord.", "pid <name>\t\tGet the PID of a single child process by name.", "pid all\t\t\tGet the PID of every child process, one per line.")},
		"quit":     {(*controller).doQuit, helpLines("quit\tExit the supervisor shell.")},
		"reload":   {plain((*controller).doReload), helpLines("reload \t\tRestart the remote supervisord.")},
		"remove":   {plain((*controller).doRemove), helpLines("remove <name> [...]\tRemoves process/group from active config")},
		"reread":   {plain((*controller).doReread), helpLines("reread \t\t\tReload the daemon's configuration files without add/remove")},
		"restart":  {plain((*controller).doRestart), helpLines("restart <name>\t\tRestart a process", "restart <gname>:*\tRestart all processes in a group", "restart <name> <name>\tRestart multiple processes or groups", "restart all\t\tRestart all processes", "Note: restart does not reread config files. For that, see reread and update.")},
		"shutdown": {plain((*controller).doShutdown), helpLines("shutdown \tShut the remote supervisord down.")},
		"signal":   {plain((*controller).doSignal), helpLines("signal <signal name> <name>\t\tSignal a process", "signal <signal name> <gname>:*\t\tSignal all processes in a group", "signal <signal name> <name> <name>\tSignal multiple processes or groups", "signal <signal name> all\t\tSignal all processes")},
		"start":    {plain((*controller).doStart), helpLines("start <name>\t\tStart a process", "start <gname>:*\t\tStart all processes in a group", "start <name> <name>\tStart multiple processes or groups", "start all\t\tStart all processes")},
		"status":   {plain((*controller).doStatus), helpLines("status <name>\t\tGet status for a single process", "status <gname>:*\tGet status for all processes in a group", "status <name> <name>\tGet status for multiple named processes", "status\t\t\tGet all process status info")},
		"stop":     {plain((*controller).doStop), helpLines("stop <name>\t\tStop a process", "stop <gname>:*\t\tStop all processes in a group", "stop <name> <name>\tStop multiple processes or groups", "stop all\t\tStop all processes")},
		"tail":     {plain((*controller).doTail), helpLines("tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\ntail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr")},
		"update":   {plain((*controller).doUpdate), helpLines("update\t\t\tReload config and add/remove as necessary, and will restart affected programs", "update all\t\tReload config and add/remove as necessary, and will restart affected programs", "update <gname> [...]\tUpdate specific groups")},
		"version":  {plain((*controller).doVersion), helpLines("version\t\t\tShow the version of the remote supervisord process")},
	}
}

// plain adapts an action that never ends the shell.
func plain(fn func(c *controller, arg string) error) func(*controller, string) (bool, error) {
	return func(c *controller, arg string) (bool, error) { return false, fn(c, arg) }
}

// helpLines makes a help printer that outputs each text as one message.
func helpLines(texts ...string) func(*controller) {
	return func(c *controller) {
		for _, t := range texts {
			c.output(t)
		}
	}
}

func (c *controller) help(name string) { ctlActions[name].help(c) }

// usageError prints an argument error, the action's help and sets status.
func (c *controller) usageError(msg, action string, status int) error {
	c.output(msg)
	c.exitStatus = status
	c.help(action)
	return nil
}

func (c *controller) doQuit(string) (bool, error) {
	c.output("")
	return true, nil
}

// formatStatus renders status lines (CTL-10): the namespec padded to the
// longest one (at least 30) plus 3, the state name padded to 10, then the
// description as the server wrote it.
func formatStatus(infos []ctlProcessInfo) []string {
	width := 30
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = makeNamespec(info.Group, info.Name)
		width = max(width, len([]rune(names[i])))
	}
	lines := make([]string, len(infos))
	for i, info := range infos {
		lines[i] = pyLjust(names[i], width+3) + pyLjust(info.StateName, 10) + info.Description
	}
	return lines
}

func isStoppedState(state int) bool {
	switch state {
	case ctlStateStopped, ctlStateExited, ctlStateFatal, ctlStateUnknown:
		return true
	}
	return false
}

// doStatus shows all processes or the named ones (CTL-20). Its exit status
// follows the LSB status codes: 4 for an unknown name or an unreachable
// server, 3 when a shown process is stopped.
func (c *controller) doStatus(arg string) error {
	ok, err := c.upcheck()
	if !ok {
		if err == nil {
			c.exitStatus = exitStatusUnknown
		}
		return err
	}
	s, _ := c.supervisor()
	var all []ctlProcessInfo
	if err := s.call("supervisor.getAllProcessInfo", &all); err != nil {
		return err
	}
	matching := c.matchStatusNames(all, pySplit(arg))
	for _, line := range formatStatus(matching) {
		c.output(line)
	}
	for _, info := range matching {
		if isStoppedState(info.State) {
			c.exitStatus = exitStatusNotRunning
		}
	}
	return nil
}

// matchStatusNames filters infos by the names typed, reporting the names
// that match nothing.
func (c *controller) matchStatusNames(all []ctlProcessInfo, names []string) []ctlProcessInfo {
	if len(names) == 0 || contains(names, "all") {
		return all
	}
	var matching []ctlProcessInfo
	for _, name := range names {
		group, process := splitNamespec(name)
		found := false
		for _, info := range all {
			if info.Group == group && (process == "" || info.Name == process) {
				found = true
				matching = append(matching, info)
			}
		}
		if found {
			continue
		}
		if process == "" {
			c.output(group + ": ERROR (no such group)")
		} else {
			c.output(name + ": ERROR (no such process)")
		}
		c.exitStatus = exitStatusUnknown
	}
	return matching
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// doPid prints supervisord's pid, every process's pid, or the named ones
// (CTL-30).
func (c *controller) doPid(arg string) error {
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	if ok, err := c.upcheck(); !ok {
		return err
	}
	names := pySplit(arg)
	switch {
	case len(names) == 0:
		var pid int
		if err := s.call("supervisor.getPID", &pid); err != nil {
			return err
		}
		c.output(fmt.Sprint(pid))
	case contains(names, "all"):
		var all []ctlProcessInfo
		if err := s.call("supervisor.getAllProcessInfo", &all); err != nil {
			return err
		}
		for _, info := range all {
			c.output(fmt.Sprint(info.Pid))
		}
	default:
		for _, name := range names {
			if err := c.pidOf(s, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *controller) pidOf(s *rpcClient, name string) error {
	var info ctlProcessInfo
	if err := s.call("supervisor.getProcessInfo", &info, name); err != nil {
		c.exitStatus = exitGeneric
		if faultCode(err) != ctlFaultBadName {
			return err
		}
		c.output("No such process " + name)
		return nil
	}
	c.output(fmt.Sprint(info.Pid))
	if info.Pid == 0 {
		c.exitStatus = exitNotRunning
	}
	return nil
}

// startResultText is the line for one start result (CTL-11).
func startResultText(r ctlResult) (string, error) {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case ctlFaultBadName:
		return name + ": ERROR (no such process)", nil
	case ctlFaultNoFile:
		return name + ": ERROR (no such file)", nil
	case ctlFaultNotExecutable:
		return name + ": ERROR (file is not executable)", nil
	case ctlFaultAlreadyStarted:
		return name + ": ERROR (already started)", nil
	case ctlFaultSpawnError:
		return name + ": ERROR (spawn error)", nil
	case ctlFaultAbnormalTermination:
		return name + ": ERROR (abnormal termination)", nil
	case ctlFaultSuccess:
		return name + ": started", nil
	}
	return "", unknownResultCode(r.Status, name)
}

// signalResultText is the line for one stop or signal result (CTL-11);
// success is "stopped" or "signalled".
func signalResultText(r ctlResult, success string) (string, error) {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case ctlFaultBadName:
		return name + ": ERROR (no such process)", nil
	case ctlFaultBadSignal:
		return name + ": ERROR (bad signal name)", nil
	case ctlFaultNotRunning:
		return name + ": ERROR (not running)", nil
	case ctlFaultSuccess:
		return name + ": " + success, nil
	case ctlFaultFailed:
		return r.Description, nil
	}
	return "", unknownResultCode(r.Status, name)
}

// clearResultText is the line for one clear result (CTL-11).
func clearResultText(r ctlResult) (string, error) {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case ctlFaultBadName:
		return name + ": ERROR (no such process)", nil
	case ctlFaultFailed:
		return name + ": ERROR (failed)", nil
	case ctlFaultSuccess:
		return name + ": cleared", nil
	}
	return "", unknownResultCode(r.Status, name)
}

func unknownResultCode(code int, name string) error {
	return &pyError{"ValueError", fmt.Sprintf("Unknown result code %d for %s", code, name)}
}

// faultResult turns a fault from a single-process call into a result.
func faultResult(err error, group, process string) (ctlResult, bool) {
	code := faultCode(err)
	if code < 0 {
		return ctlResult{}, false
	}
	return ctlResult{Name: process, Group: group, Status: code, Description: faultString(err)}, true
}

// printResults prints each result with text and applies CTL-40, ignoring
// the ignored fault code.
func (c *controller) printResults(results []ctlResult, text func(ctlResult) (string, error), ignored int) error {
	for _, r := range results {
		line, err := text(r)
		if err != nil {
			return err
		}
		c.output(line)
		c.setExitFromFault(r.Status, ignored)
	}
	return nil
}

// doStart starts processes, groups or everything (CTL-21).
func (c *controller) doStart(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	names := pySplit(arg)
	s, _ := c.supervisor()
	if len(names) == 0 {
		return c.usageError("Error: start requires a process name", "start", exitInvalidArgs)
	}
	if contains(names, "all") {
		var results []ctlResult
		if err := s.call("supervisor.startAllProcesses", &results); err != nil {
			return err
		}
		return c.printResults(results, startResultText, ctlFaultAlreadyStarted)
	}
	for _, name := range names {
		if err := c.startOne(s, name); err != nil {
			return err
		}
	}
	return nil
}

func (c *controller) startOne(s *rpcClient, name string) error {
	group, process := splitNamespec(name)
	if process == "" {
		var results []ctlResult
		err := s.call("supervisor.startProcessGroup", &results, group)
		if faultCode(err) == ctlFaultBadName {
			c.output(group + ": ERROR (no such group)")
			c.exitStatus = exitInvalidArgs
			return nil
		}
		if err != nil {
			c.exitStatus = exitGeneric
			return err
		}
		return c.printResults(results, startResultText, ctlFaultAlreadyStarted)
	}
	err := s.call("supervisor.startProcess", nil, name)
	if err == nil {
		c.output(makeNamespec(group, process) + ": started")
		return nil
	}
	r, ok := faultResult(err, group, process)
	if !ok {
		return err
	}
	return c.printResults([]ctlResult{r}, startResultText, ctlFaultAlreadyStarted)
}

// doStop stops processes, groups or everything (CTL-22).
func (c *controller) doStop(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	names := pySplit(arg)
	s, _ := c.supervisor()
	if len(names) == 0 {
		return c.usageError("Error: stop requires a process name", "stop", exitGeneric)
	}
	stopText := func(r ctlResult) (string, error) { return signalResultText(r, "stopped") }
	if contains(names, "all") {
		var results []ctlResult
		if err := s.call("supervisor.stopAllProcesses", &results); err != nil {
			return err
		}
		return c.printResults(results, stopText, ctlFaultNotRunning)
	}
	for _, name := range names {
		if err := c.stopOne(s, name, stopText); err != nil {
			return err
		}
	}
	return nil
}

func (c *controller) stopOne(s *rpcClient, name string, text func(ctlResult) (string, error)) error {
	group, process := splitNamespec(name)
	if process == "" {
		var results []ctlResult
		if err := s.call("supervisor.stopProcessGroup", &results, group); err != nil {
			c.exitStatus = exitGeneric
			if faultCode(err) != ctlFaultBadName {
				return err
			}
			c.output(group + ": ERROR (no such group)")
			return nil
		}
		return c.printResults(results, text, ctlFaultNotRunning)
	}
	err := s.call("supervisor.stopProcess", nil, name)
	if err == nil {
		c.output(makeNamespec(group, process) + ": stopped")
		return nil
	}
	r, ok := faultResult(err, group, process)
	if !ok {
		return err
	}
	return c.printResults([]ctlResult{r}, text, ctlFaultNotRunning)
}

// doSignal sends a signal to processes, groups or everything (CTL-22b).
// NOT_RUNNING is not ignored here.
func (c *controller) doSignal(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	args := pySplit(arg)
	if len(args) < 2 {
		return c.usageError("Error: signal requires a signal name and a process name", "signal", exitGeneric)
	}
	sig, names := args[0], args[1:]
	s, _ := c.supervisor()
	text := func(r ctlResult) (string, error) { return signalResultText(r, "signalled") }
	if contains(names, "all") {
		var results []ctlResult
		if err := s.call("supervisor.signalAllProcesses", &results, sig); err != nil {
			return err
		}
		return c.printResults(results, text, ctlFaultSuccess)
	}
	for _, name := range names {
		if err := c.signalOne(s, sig, name, text); err != nil {
			return err
		}
	}
	return nil
}

func (c *controller) signalOne(s *rpcClient, sig, name string, text func(ctlResult) (string, error)) error {
	group, process := splitNamespec(name)
	if process == "" {
		var results []ctlResult
		err := s.call("supervisor.signalProcessGroup", &results, group, sig)
		if faultCode(err) == ctlFaultBadName {
			c.output(group + ": ERROR (no such group)")
			c.exitStatus = exitGeneric
			return nil
		}
		if err != nil {
			return err
		}
		return c.printResults(results, text, ctlFaultSuccess)
	}
	err := s.call("supervisor.signalProcess", nil, name, sig)
	if err == nil {
		c.output(makeNamespec(group, process) + ": signalled")
		return nil
	}
	r, ok := faultResult(err, group, process)
	if !ok {
		return err
	}
	return c.printResults([]ctlResult{r}, text, ctlFaultSuccess)
}

// doRestart is stop then start of the same names (CTL-22a).
func (c *controller) doRestart(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	if len(pySplit(arg)) == 0 {
		return c.usageError("Error: restart requires a process name", "restart", exitGeneric)
	}
	if err := c.doStop(arg); err != nil {
		return err
	}
	return c.doStart(arg)
}

// doClear clears process logs (CTL-33).
func (c *controller) doClear(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	names := pySplit(arg)
	if len(names) == 0 {
		return c.usageError("Error: clear requires a process name", "clear", exitGeneric)
	}
	s, _ := c.supervisor()
	if contains(names, "all") {
		var results []ctlResult
		if err := s.call("supervisor.clearAllProcessLogs", &results); err != nil {
			return err
		}
		return c.printResults(results, clearResultText, ctlFaultSuccess)
	}
	for _, name := range names {
		group, process := splitNamespec(name)
		if process == "" {
			// 4.2.5 formats the missing process name of "g:*" as None.
			process = "None"
		}
		err := s.call("supervisor.clearProcessLogs", nil, name)
		if err == nil {
			c.output(makeNamespec(group, process) + ": cleared")
			continue
		}
		r, ok := faultResult(err, group, process)
		if !ok {
			return err
		}
		if err := c.printResults([]ctlResult{r}, clearResultText, ctlFaultSuccess); err != nil {
			return err
		}
	}
	return nil
}

// askYes asks a y/N question in the shell; one-shot mode never asks.
func (c *controller) askYes(question string) (bool, error) {
	if !c.settings.interactive {
		return true, nil
	}
	answer, err := c.ask(question)
	if err != nil {
		return false, err
	}
	return strings.HasPrefix(strings.ToLower(answer), "y"), nil
}

// doShutdown asks supervisord to exit (CTL-23).
func (c *controller) doShutdown(arg string) error {
	if arg != "" {
		return c.usageError("Error: shutdown accepts no arguments", "shutdown", exitGeneric)
	}
	really, err := c.askYes("Really shut the remote supervisord process down y/N? ")
	if err != nil || !really {
		return err
	}
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	err = s.call("supervisor.shutdown", nil)
	switch {
	case err == nil:
		c.output("Shut down")
	case faultCode(err) == ctlFaultShutdownState:
		c.output("ERROR: already shutting down")
	case faultCode(err) >= 0:
		c.exitStatus = exitGeneric
		return err
	case isConnRefused(err):
		c.exitStatus = exitGeneric
		c.outputf("ERROR: %s refused connection (already shut down?)", c.settings.serverURL)
	case isNoSuchFile(err):
		c.exitStatus = exitGeneric
		c.outputf("ERROR: %s no such file (already shut down?)", c.settings.serverURL)
	default:
		return err
	}
	return nil
}

// doReload asks supervisord to restart itself (CTL-24).
func (c *controller) doReload(arg string) error {
	if arg != "" {
		return c.usageError("Error: reload accepts no arguments", "reload", exitGeneric)
	}
	really, err := c.askYes("Really restart the remote supervisord process y/N? ")
	if err != nil || !really {
		return err
	}
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	err = s.call("supervisor.restart", nil)
	switch {
	case err == nil:
		c.output("Restarted supervisord")
	case faultCode(err) >= 0:
		c.exitStatus = exitGeneric
		if faultCode(err) != ctlFaultShutdownState {
			return err
		}
		c.output("ERROR: already shutting down")
	default:
		return err
	}
	return nil
}

// doAvail lists every configured process (CTL-29).
func (c *controller) doAvail(arg string) error {
	if arg != "" {
		return c.usageError("Error: avail accepts no arguments", "avail", exitGeneric)
	}
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	var infos []ctlConfigInfo
	if err := s.call("supervisor.getAllConfigInfo", &infos); err != nil {
		return c.shutdownStateFault(err, "ERROR: supervisor shutting down")
	}
	for _, info := range infos {
		c.output(formatAvail(info))
	}
	return nil
}

// shutdownStateFault handles the faults of avail, reread and update: any fault
// sets status 1, SHUTDOWN_STATE prints msg, others go to the error line.
func (c *controller) shutdownStateFault(err error, msg string) error {
	if faultCode(err) < 0 {
		return err
	}
	c.exitStatus = exitGeneric
	if faultCode(err) != ctlFaultShutdownState {
		return err
	}
	c.output(msg)
	return nil
}

func formatAvail(info ctlConfigInfo) string {
	inuse, auto := "avail", "manual"
	if info.InUse {
		inuse = "in use"
	}
	if info.Autostart {
		auto = "auto"
	}
	return fmt.Sprintf("%s %s %s %d:%d", pyLjust(makeNamespec(info.Group, info.Name), 32),
		pyLjust(inuse, 9), pyLjust(auto, 9), info.GroupPrio, info.ProcessPrio)
}

// doReread reloads the daemon's configuration and lists the differences
// (CTL-25).
func (c *controller) doReread(arg string) error {
	if arg != "" {
		return c.usageError("Error: reread accepts no arguments", "reread", exitGeneric)
	}
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	var result [][][]string
	if err := s.call("supervisor.reloadConfig", &result); err != nil {
		if faultCode(err) == ctlFaultCantReread {
			c.exitStatus = exitGeneric
			c.output("ERROR: " + faultString(err))
			return nil
		}
		return c.shutdownStateFault(err, "ERROR: supervisor shutting down")
	}
	added, changed, removed := reloadLists(result)
	c.formatChanges(added, changed, removed)
	return nil
}

// reloadLists unpacks reloadConfig's [[added, changed, removed]].
func reloadLists(result [][][]string) (added, changed, removed []string) {
	if len(result) == 0 {
		return nil, nil, nil
	}
	lists := append(result[0], nil, nil, nil)
	return lists[0], lists[1], lists[2]
}

func (c *controller) formatChanges(added, changed, removed []string) {
	kinds := map[string]string{}
	for _, n := range added {
		kinds[n] = "available"
	}
	for _, n := range changed {
		kinds[n] = "changed"
	}
	for _, n := range removed {
		kinds[n] = "disappeared"
	}
	if len(kinds) == 0 {
		c.output("No config updates to processes")
		return
	}
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.output(n + ": " + kinds[n])
	}
}

// doAdd activates groups from the last-read config (CTL-27).
func (c *controller) doAdd(arg string) error {
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	for _, name := range pySplit(arg) {
		err := s.call("supervisor.addProcessGroup", nil, name)
		switch faultCode(err) {
		case -1:
			if err != nil {
				return err
			}
			c.output(name + ": added process group")
		case ctlFaultShutdownState:
			c.output("ERROR: shutting down")
			c.exitStatus = exitGeneric
		case ctlFaultAlreadyAdded:
			c.output("ERROR: process group already active")
		case ctlFaultBadName:
			c.output("ERROR: no such process/group: " + name)
			c.exitStatus = exitGeneric
		default:
			c.exitStatus = exitGeneric
			return err
		}
	}
	return nil
}

// doRemove deactivates stopped groups (CTL-28).
func (c *controller) doRemove(arg string) error {
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	for _, name := range pySplit(arg) {
		err := s.call("supervisor.removeProcessGroup", nil, name)
		if err == nil {
			c.output(name + ": removed process group")
			continue
		}
		if faultCode(err) < 0 {
			return err
		}
		c.exitStatus = exitGeneric
		switch faultCode(err) {
		case ctlFaultStillRunning:
			c.output("ERROR: process/group still running: " + name)
		case ctlFaultBadName:
			c.output("ERROR: no such process/group: " + name)
		default:
			return err
		}
	}
	return nil
}

// doUpdate rereads the config and applies it: removed groups are stopped
// and removed, changed ones restarted, added ones added (CTL-26).
func (c *controller) doUpdate(arg string) error {
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	var result [][][]string
	if err := s.call("supervisor.reloadConfig", &result); err != nil {
		return c.shutdownStateFault(err, "ERROR: already shutting down")
	}
	added, changed, removed := reloadLists(result)
	wanted, err := c.updateSelection(s, pySplit(arg), added)
	if err != nil {
		return err
	}
	skip := func(g string) bool { return len(wanted) > 0 && !wanted[g] }
	for _, g := range removed {
		if !skip(g) {
			if err := c.updateRemoved(s, g); err != nil {
				return err
			}
		}
	}
	for _, g := range changed {
		if !skip(g) {
			if err := c.updateChanged(s, g); err != nil {
				return err
			}
		}
	}
	for _, g := range added {
		if skip(g) {
			continue
		}
		if err := s.call("supervisor.addProcessGroup", nil, g); err != nil {
			return err
		}
		c.output(g + ": added process group")
	}
	return nil
}

// updateSelection returns the groups named on the update command line
// (none or "all" means every group), reporting names that are neither
// active nor newly added.
func (c *controller) updateSelection(s *rpcClient, names, added []string) (map[string]bool, error) {
	if len(names) == 0 || contains(names, "all") {
		return nil, nil
	}
	var infos []ctlProcessInfo
	if err := s.call("supervisor.getAllProcessInfo", &infos); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, info := range infos {
		known[info.Group] = true
	}
	for _, g := range added {
		known[g] = true
	}
	wanted := map[string]bool{}
	for _, name := range names {
		if wanted[name] {
			continue
		}
		wanted[name] = true
		if !known[name] {
			c.output("ERROR: no such group: " + name)
			c.exitStatus = exitGeneric
		}
	}
	return wanted, nil
}

func (c *controller) updateRemoved(s *rpcClient, g string) error {
	var results []ctlResult
	if err := s.call("supervisor.stopProcessGroup", &results, g); err != nil {
		return err
	}
	c.output(g + ": stopped")
	for _, r := range results {
		if r.Status == ctlFaultFailed {
			c.output(g + ": has problems; not removing")
			c.exitStatus = exitGeneric
			return nil
		}
	}
	if err := s.call("supervisor.removeProcessGroup", nil, g); err != nil {
		return err
	}
	c.output(g + ": removed process group")
	return nil
}

func (c *controller) updateChanged(s *rpcClient, g string) error {
	if err := s.call("supervisor.stopProcessGroup", nil, g); err != nil {
		return err
	}
	c.output(g + ": stopped")
	if err := s.call("supervisor.removeProcessGroup", nil, g); err != nil {
		return err
	}
	if err := s.call("supervisor.addProcessGroup", nil, g); err != nil {
		return err
	}
	c.output(g + ": updated process group")
	return nil
}

// doOpen switches to another server and shows its status (CTL-36); the
// status exit code is discarded.
func (c *controller) doOpen(arg string) error {
	url := pyStrip(arg)
	u, err := pyURLSplit(url)
	if err != nil {
		return &pyError{"ValueError", err.Error()}
	}
	if u.scheme != "unix" && u.scheme != "http" {
		c.output("ERROR: url must be http:// or unix://")
		c.exitStatus = exitGeneric
		return nil
	}
	c.settings.serverURL = url
	old := c.exitStatus
	if err := c.doStatus(""); err != nil {
		return err
	}
	c.exitStatus = old
	return nil
}

// doVersion prints supervisord's version (CTL-35).
func (c *controller) doVersion(arg string) error {
	if arg != "" {
		return c.usageError("Error: version accepts no arguments", "version", exitGeneric)
	}
	if ok, err := c.upcheck(); !ok {
		return err
	}
	s, _ := c.supervisor()
	var version string
	if err := s.call("supervisor.getSupervisorVersion", &version); err != nil {
		return err
	}
	c.output(version)
	return nil
}
