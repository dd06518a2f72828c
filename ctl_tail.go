// supervisorctl's log actions: tail, maintail (CTL-31, CTL-32) and fg
// (CTL-34), including the HTTP log streams (/logtail, /mainlogtail) that
// "-f" and fg follow until Ctrl-C.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ctlTailBytes is how much tail and maintail show by default.
const ctlTailBytes = 1600

// xmlrpcMaxInt is the largest integer an XML-RPC <int> may carry.
const xmlrpcMaxInt = 1<<31 - 1

// tailSize parses a "-N" modifier. ok is false for text Python's int()
// rejects; an error is returned for a number XML-RPC cannot carry.
func tailSize(what string) (n int64, ok bool, err error) {
	n, perr := pyAtoi(what)
	if errors.Is(perr, errPyIntOverflow) || perr == nil && (-n > xmlrpcMaxInt || -n < -xmlrpcMaxInt-1) {
		return 0, true, &pyError{"OverflowError", "int exceeds XML-RPC limits"}
	}
	return n, perr == nil, nil
}

// doTail prints the end of a process log or follows it (CTL-31).
func (c *controller) doTail(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	args := pySplit(arg)
	switch {
	case len(args) < 1:
		return c.usageError("Error: too few arguments", "tail", exitGeneric)
	case len(args) > 3:
		return c.usageError("Error: too many arguments", "tail", exitGeneric)
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	if len(args) == 0 {
		c.output("Error: tail requires process name")
		c.exitStatus = exitGeneric
		return nil
	}
	name, channel := args[0], "stdout"
	if len(args) > 1 {
		channel = strings.ToLower(args[len(args)-1])
		if channel != "stdout" && channel != "stderr" {
			c.output("Error: bad channel " + pyRepr(channel))
			c.exitStatus = exitGeneric
			return nil
		}
	}
	size := int64(ctlTailBytes)
	if modifier != "" {
		if modifier[1:] == "f" {
			return c.tailFollow("/logtail/" + name + "/" + channel)
		}
		n, ok, err := tailSize(modifier[1:])
		if !ok {
			c.output("Error: bad argument " + modifier)
			c.exitStatus = exitGeneric
			return nil
		}
		if err != nil {
			return err
		}
		size = n
	}
	method := "supervisor.readProcessStdoutLog"
	if channel == "stderr" {
		method = "supervisor.readProcessStderrLog"
	}
	s, _ := c.supervisor()
	var text string
	if err := s.call(method, &text, name, int(-size), 0); err != nil {
		return c.logReadFault(err, name, "no such process name")
	}
	c.output(text)
	return nil
}

// logReadFault reports a failed log read as "<who>: ERROR (...)"; faults
// without a message there go to the generic error line (CTL-11).
func (c *controller) logReadFault(err error, who, badName string) error {
	code := faultCode(err)
	if code < 0 {
		return err
	}
	c.exitStatus = exitGeneric
	switch {
	case code == ctlFaultNoFile:
		c.output(who + ": ERROR (no log file)")
	case code == ctlFaultFailed:
		c.output(who + ": ERROR (unknown error reading log)")
	case code == ctlFaultBadName && badName != "":
		c.output(who + ": ERROR (" + badName + ")")
	default:
		return err
	}
	return nil
}

// doMaintail prints the end of supervisord's log or follows it (CTL-32).
func (c *controller) doMaintail(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	args := pySplit(arg)
	size := int64(ctlTailBytes)
	switch {
	case len(args) > 1:
		return c.usageError("Error: too many arguments", "maintail", exitGeneric)
	case len(args) == 1:
		if !strings.HasPrefix(args[0], "-") {
			c.output("Error: bad argument " + args[0])
			c.exitStatus = exitGeneric
			return nil
		}
		if args[0] == "-f" {
			return c.tailFollow("/mainlogtail")
		}
		n, ok, err := tailSize(args[0][1:])
		if !ok {
			c.output("Error: bad argument " + args[0])
			c.exitStatus = exitGeneric
			return nil
		}
		if err != nil {
			return err
		}
		size = n
	}
	s, _ := c.supervisor()
	var text string
	if err := s.call("supervisor.readLog", &text, int(-size), 0); err != nil {
		return c.logReadFault(err, "supervisord", "")
	}
	c.output(text)
	return nil
}

// tailFollow streams one log until the server ends it or Ctrl-C.
func (c *controller) tailFollow(path string) error {
	c.output("==> Press Ctrl-C to exit <==")
	intr, release := c.intr.catch()
	defer release()
	stream := c.openLogStream(path)
	done := make(chan struct{})
	go func() {
		defer close(done)
		stream.copyTo(c.stdout, c.stderr)
	}()
	select {
	case <-done:
	case <-intr:
		stream.close()
		<-done
		c.output("")
	}
	return nil
}

// doFg attaches to a running process: both its logs stream to stdout and
// each line typed is sent to its stdin (CTL-34).
func (c *controller) doFg(arg string) error {
	if ok, err := c.upcheck(); !ok {
		return err
	}
	names := pySplit(arg)
	switch {
	case len(names) == 0:
		return c.usageError("ERROR: no process name supplied", "fg", exitGeneric)
	case len(names) > 1:
		c.output("ERROR: too many process names supplied")
		c.exitStatus = exitGeneric
		return nil
	}
	name := names[0]
	s, _ := c.supervisor()
	running, err := c.fgRunning(s, name)
	if !running || err != nil {
		return err
	}
	c.output("==> Press Ctrl-C to exit <==")
	intr, release := c.intr.catch()
	defer release()
	streams := []*logStream{c.openLogStream("/logtail/" + name + "/stdout"), c.openLogStream("/logtail/" + name + "/stderr")}
	var wg sync.WaitGroup
	for _, st := range streams {
		wg.Go(func() { st.copyTo(c.stdout, c.stderr) })
	}
	stop := func(msgs ...string) {
		for _, st := range streams {
			st.close()
		}
		wg.Wait()
		for _, m := range msgs {
			c.output(m)
		}
	}
	for {
		line, err := c.input.readLine(intr)
		if err != nil {
			stop("Exiting foreground")
			if errors.Is(err, errInterrupted) || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := s.call("supervisor.sendProcessStdin", nil, name, line+"\n"); err != nil {
			switch code := faultCode(err); {
			case code == ctlFaultNotRunning:
				stop("Process got killed", "Exiting foreground")
			case code >= 0:
				stop("ERROR: "+pyFaultTextOf(err), "Exiting foreground")
			default:
				stop()
				return err
			}
			return nil
		}
		var info ctlProcessInfo
		if err := s.call("supervisor.getProcessInfo", &info, name); err != nil {
			stop()
			return err
		}
		if info.State != ctlStateRunning {
			stop("Process got killed", "Exiting foreground")
			return nil
		}
	}
}

// fgRunning checks that name is a RUNNING process, printing why not.
func (c *controller) fgRunning(s *rpcClient, name string) (bool, error) {
	var info ctlProcessInfo
	err := s.call("supervisor.getProcessInfo", &info, name)
	switch code := faultCode(err); {
	case code == ctlFaultBadName:
		c.output("ERROR: bad process name supplied")
		c.exitStatus = exitGeneric
		return false, nil
	case code >= 0:
		c.output("ERROR: " + pyFaultTextOf(err))
		return false, nil
	case err != nil:
		return false, err
	}
	if info.State != ctlStateRunning {
		c.output("ERROR: process not running")
		c.exitStatus = exitGeneric
		return false, nil
	}
	return true, nil
}

// logStream is one HTTP GET of a log tail, read with a minimal HTTP/1.1
// client so that each chunk is written as it arrives, like 4.2.5's.
type logStream struct {
	url  string // server URL + path, for messages
	path string
	host string
	dial func() (net.Conn, error)
	auth func() (string, string, bool)

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

func (c *controller) openLogStream(path string) *logStream {
	serverURL := c.settings.serverURL
	st := &logStream{url: serverURL + path, path: path, auth: c.credentials}
	if socket, ok := strings.CutPrefix(serverURL, "unix://"); ok {
		st.host = "localhost"
		st.dial = func() (net.Conn, error) { return net.Dial("unix", socket) }
		return st
	}
	u, _ := pyURLSplit(serverURL)
	st.host = u.netloc
	host, port, err := u.hostPort()
	st.dial = func() (net.Conn, error) {
		if err != nil {
			return nil, err
		}
		return net.Dial("tcp", net.JoinHostPort(host, port))
	}
	return st
}

// close ends the stream; copyTo then returns without reporting an error.
func (st *logStream) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	if st.conn != nil {
		st.conn.Close()
	}
}

func (st *logStream) isClosed() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.closed
}

// copyTo connects, sends the request and writes the body to out until the
// server ends it. Errors go to errOut in 4.2.5's words.
func (st *logStream) copyTo(out, errOut io.Writer) {
	conn, err := st.dial()
	if err == nil {
		st.mu.Lock()
		if st.closed {
			conn.Close()
		}
		st.conn = conn
		st.mu.Unlock()
		err = st.exchange(conn, out, errOut)
	}
	if err != nil && !st.isClosed() {
		fmt.Fprintf(errOut, "%s Cannot connect, error: %s\n", st.url, pyConnectErrorText(err))
	}
}

// pyConnectErrorText renders an error as "<class 'X'> (message)".
func pyConnectErrorText(err error) string {
	class, msg := pyException(err)
	return fmt.Sprintf("<class '%s'> (%s)", class, msg)
}

func (st *logStream) exchange(conn net.Conn, out, errOut io.Writer) error {
	req := "GET " + st.path + " HTTP/1.1\r\nHost: " + st.host + "\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\n"
	if user, password, ok := st.auth(); ok {
		req += "Authorization: " + basicAuth(user, password) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	status, err := readStatusLine(r)
	if err != nil {
		return err
	}
	if status != 200 {
		fmt.Fprintf(errOut, "%s Cannot read, status code %d\n", st.url, status)
		return nil
	}
	chunked, length, err := readHeaders(r)
	if err != nil {
		return err
	}
	if chunked {
		return copyChunks(r, out)
	}
	return copyBody(r, length, out)
}

// readStatusLine returns the status code of an HTTP response.
func readStatusLine(r *bufio.Reader) (int, error) {
	line, err := readCRLFLine(r)
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return 0, &pyError{"ValueError", pyRepr(line)}
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, &pyError{"ValueError", fmt.Sprintf("invalid literal for int() with base 10: %s", pyRepr(fields[1]))}
	}
	return code, nil
}

// readHeaders reads the header block and returns how the body is framed.
func readHeaders(r *bufio.Reader) (chunked bool, length int64, err error) {
	for {
		line, err := readCRLFLine(r)
		if err != nil || line == "" {
			return chunked, length, err
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "transfer-encoding":
			chunked = value == "chunked"
		case "content-length":
			length, _ = strconv.ParseInt(value, 10, 64)
		}
	}
}

func readCRLFLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// copyChunks writes each chunk of a chunked body as one piece.
func copyChunks(r *bufio.Reader, out io.Writer) error {
	for {
		line, err := readCRLFLine(r)
		if err != nil {
			return endOfStream(err)
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		size, err := strconv.ParseInt(fields[0], 16, 64)
		if err != nil || size < 0 {
			return &pyError{"ValueError", fmt.Sprintf("invalid literal for int() with base 16: %s", pyRepr(fields[0]))}
		}
		if size == 0 {
			return nil
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return endOfStream(err)
		}
		writeLogData(out, chunk)
	}
}

// copyBody writes a Content-Length body as it arrives. Like 4.2.5, a body
// without a length ends the stream at once.
func copyBody(r *bufio.Reader, length int64, out io.Writer) error {
	buf := make([]byte, 65536)
	for length > 0 {
		n, err := r.Read(buf[:min(int64(len(buf)), length)])
		if n > 0 {
			writeLogData(out, buf[:n])
			length -= int64(n)
		}
		if err != nil {
			return endOfStream(err)
		}
	}
	return nil
}

// endOfStream treats the server closing the connection as the normal end.
func endOfStream(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// writeLogData writes log bytes; data that is not UTF-8 is shown as a
// Python bytes repr, as 4.2.5 does.
func writeLogData(out io.Writer, data []byte) {
	if utf8.Valid(data) {
		out.Write(data)
		return
	}
	io.WriteString(out, "Undecodable: "+pyBytesRepr(data))
}
