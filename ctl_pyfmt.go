// Python-compatible text for supervisorctl: 4.2.5 prints Python reprs,
// Python string splitting and padding, and Python exception classes in its
// error lines, so a drop-in has to produce the same characters.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/kolo/xmlrpc"
)

// pyError is an error 4.2.5 reports as a Python exception of class class.
type pyError struct {
	class string // e.g. "ValueError", "xmlrpc.client.Fault"
	msg   string // str() of the exception
}

func (e *pyError) Error() string { return e.msg }

// protocolError is a non-200 HTTP answer to an XML-RPC request.
type protocolError struct {
	code   int
	reason string
}

// Error renders like Python's xmlrpc.client.ProtocolError. 4.2.5 always
// names 127.0.0.1 there, whatever the server URL is.
func (e *protocolError) Error() string {
	return fmt.Sprintf("<ProtocolError for 127.0.0.1/RPC2: %d %s>", e.code, e.reason)
}

// errInterrupted is returned by prompts that saw Ctrl-C in the line editor.
var errInterrupted = errors.New("interrupted")

// pyErrorText renders err as "<class 'X'>, message", the part after
// "error: " in 4.2.5's generic error line (CTL-05). 4.2.5 appends the
// Python file and line that raised; we have no Python source to name.
func pyErrorText(err error) string {
	class, msg := pyException(err)
	return fmt.Sprintf("<class '%s'>, %s", class, msg)
}

// pyException maps err to the Python exception class and text 4.2.5 would
// show for the same failure.
func pyException(err error) (class, msg string) {
	var pe *pyError
	var fault xmlrpc.FaultError
	var proto *protocolError
	var errno syscall.Errno
	var dns *net.DNSError
	switch {
	case errors.As(err, &pe):
		return pe.class, pe.msg
	case errors.As(err, &fault):
		return "xmlrpc.client.Fault", pyFaultText(fault)
	case errors.As(err, &proto):
		return "xmlrpc.client.ProtocolError", proto.Error()
	case errors.As(err, &errno):
		return pyErrnoClass(errno), pyErrnoText(errno)
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "socket.gaierror", "[Errno -2] Name or service not known"
		}
		return "socket.gaierror", "[Errno -3] Temporary failure in name resolution"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "http.client.RemoteDisconnected", "Remote end closed connection without response"
	}
	return "OSError", err.Error()
}

// pyFaultText is str() of a Python xmlrpc.client.Fault.
func pyFaultText(f xmlrpc.FaultError) string {
	return fmt.Sprintf("<Fault %d: %s>", f.Code, pyRepr(f.String))
}

// pyFaultTextOf is str() of the fault carried by err.
func pyFaultTextOf(err error) string {
	var fault xmlrpc.FaultError
	errors.As(err, &fault)
	return pyFaultText(fault)
}

// pyErrnoClass is the OSError subclass Python raises for an errno.
func pyErrnoClass(e syscall.Errno) string {
	switch e {
	case syscall.ECONNREFUSED:
		return "ConnectionRefusedError"
	case syscall.ECONNRESET:
		return "ConnectionResetError"
	case syscall.ECONNABORTED:
		return "ConnectionAbortedError"
	case syscall.EPIPE, syscall.ESHUTDOWN:
		return "BrokenPipeError"
	case syscall.ENOENT:
		return "FileNotFoundError"
	case syscall.EACCES, syscall.EPERM:
		return "PermissionError"
	case syscall.ETIMEDOUT:
		return "TimeoutError"
	case syscall.ENOTDIR:
		return "NotADirectoryError"
	case syscall.EISDIR:
		return "IsADirectoryError"
	case syscall.EINTR:
		return "InterruptedError"
	case syscall.EAGAIN, syscall.EINPROGRESS, syscall.EALREADY:
		return "BlockingIOError"
	}
	return "OSError"
}

// pyErrnoText is str() of an OSError: "[Errno N] Strerror". Go's errno
// texts are the C library's with a lower-case first letter.
func pyErrnoText(e syscall.Errno) string {
	text := e.Error()
	if text != "" {
		r, size := utf8.DecodeRuneInString(text)
		text = string(unicode.ToUpper(r)) + text[size:]
	}
	return fmt.Sprintf("[Errno %d] %s", int(e), text)
}

// pyOSErrorText renders a system error as Python's OSError prints it:
// "[Errno 98] Address already in use", plus ": 'path'" when it names a file.
func pyOSErrorText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	text := pyErrnoText(errno)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		text += ": " + pyRepr(pe.Path)
	}
	return text
}

// faultCode returns the XML-RPC fault code carried by err, or -1.
func faultCode(err error) int {
	var fault xmlrpc.FaultError
	if errors.As(err, &fault) {
		return fault.Code
	}
	return -1
}

// faultString returns the fault text carried by err, or "".
func faultString(err error) string {
	var fault xmlrpc.FaultError
	if errors.As(err, &fault) {
		return fault.String
	}
	return ""
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func isNoSuchFile(err error) bool { return errors.Is(err, syscall.ENOENT) }

// pyBytesRepr is Python's repr() of a bytes object.
func pyBytesRepr(data []byte) string {
	quote := byte('\'')
	if strings.ContainsRune(string(data), '\'') && !strings.ContainsRune(string(data), '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(quote)
	for _, c := range data {
		switch {
		case c == '\\' || c == quote:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pySplit is Python's str.split() without arguments.
func pySplit(s string) []string { return strings.FieldsFunc(s, pyIsSpace) }

// pyLjust pads s with spaces to width characters, like "%-Ns".
func pyLjust(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// errPyIntOverflow reports a valid Python integer too large for int64.
var errPyIntOverflow = errors.New("integer out of range")

// pyAtoi parses a decimal integer the way Python's int() does: optional
// surrounding whitespace, a sign, and single underscores between digits.
func pyAtoi(s string) (int64, error) {
	t := pyStrip(s)
	sign := ""
	if t != "" && (t[0] == '+' || t[0] == '-') {
		sign, t = t[:1], t[1:]
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
	}
	digits := strings.ReplaceAll(t, "_", "")
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
		}
	}
	n, err := strconv.ParseInt(sign+digits, 10, 64)
	if err != nil {
		return 0, errPyIntOverflow
	}
	return n, nil
}

// pyURL holds the parts of a URL supervisorctl looks at.
type pyURL struct {
	scheme, netloc, path string
}

// pyURLSplit splits a URL like Python 3.11's urllib.parse.urlsplit.
func pyURLSplit(raw string) (pyURL, error) {
	url := strings.TrimLeftFunc(raw, func(r rune) bool { return r <= ' ' })
	url = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(url)
	var u pyURL
	if i := strings.IndexByte(url, ':'); i > 0 && isASCIILetter(url[0]) && isSchemeText(url[:i]) {
		u.scheme, url = strings.ToLower(url[:i]), url[i+1:]
	}
	if strings.HasPrefix(url, "//") {
		end := len(url)
		if i := strings.IndexAny(url[2:], "/?#"); i >= 0 {
			end = i + 2
		}
		u.netloc, url = url[2:end], url[end:]
		if strings.Contains(u.netloc, "[") != strings.Contains(u.netloc, "]") {
			return pyURL{}, errors.New("Invalid IPv6 URL")
		}
	}
	url, _, _ = strings.Cut(url, "#")
	url, _, _ = strings.Cut(url, "?")
	u.path = url
	return u, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isSchemeText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isASCIILetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// hostPort returns the host and port of an http:// netloc as Python's
// urlsplit().hostname and .port do, with port 80 when none is given.
func (u pyURL) hostPort() (host, port string, err error) {
	_, hostinfo, _ := cutLast(u.netloc, "@")
	if _, bracketed, ok := strings.Cut(hostinfo, "["); ok {
		var rest string
		host, rest, _ = strings.Cut(bracketed, "]")
		_, port, _ = strings.Cut(rest, ":")
	} else {
		host, port, _ = strings.Cut(hostinfo, ":")
	}
	if h, zone, ok := strings.Cut(host, "%"); ok {
		host = strings.ToLower(h) + "%" + zone
	} else {
		host = strings.ToLower(host)
	}
	if port == "" {
		return host, "80", nil
	}
	n, convErr := strconv.Atoi(port)
	if convErr != nil || strings.ContainsAny(port, "+-") {
		return "", "", &pyError{"ValueError", "Port could not be cast to integer value as " + pyRepr(port)}
	}
	if n > 65535 {
		return "", "", &pyError{"ValueError", "Port out of range 0-65535"}
	}
	return host, strconv.Itoa(n), nil
}

// cutLast is strings.Cut at the last occurrence of sep; like Python's
// rpartition, before is "" when sep is absent.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}
