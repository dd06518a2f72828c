// HTTP: the unix and inet servers of [unix_http_server] and
// [inet_http_server], Basic auth, XML-RPC at /RPC2, and the log tails
// (RPC-01..08, WEB-04/05, SUP-10/11, SEC-01..04). Handlers run in their own
// goroutines and reach the supervisor only through its inbox.
package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// maxRequestBody bounds an XML-RPC request; 4.2.5 has no limit.
const maxRequestBody = 16 << 20

// httpServer is one configured listener with its credentials.
type httpServer struct {
	section    string
	listener   net.Listener
	unixPath   string // socket file to remove at close; "" for inet
	username   string
	password   string
	srv        *http.Server
	supervisor bool // [rpcinterface:supervisor] is configured
}

// httpServers are all the servers of one daemon life.
type httpServers struct {
	list []*httpServer
}

// openServers binds every configured server (SUP-10/11), or adopts the
// sockets a daemonizing parent passed down. It logs what 4.2.5 logs then.
func (d *daemon) openServers(cfg *Config, log *Logger) (*httpServers, error) {
	hs := &httpServers{}
	adopt := d.daemonized && d.first
	fd := 3
	hasSupervisor := slices.Contains(cfg.RPCInterfaces, "supervisor")
	open := func(section, path, user, pass string, listen func() (net.Listener, error)) error {
		var l net.Listener
		var err error
		if adopt {
			l, err = net.FileListener(os.NewFile(uintptr(fd), section))
			fd++
		} else {
			l, err = listen()
		}
		if err != nil {
			hs.close()
			return err
		}
		hs.list = append(hs.list, &httpServer{section: section, listener: l, unixPath: path,
			username: user, password: pass, supervisor: hasSupervisor})
		if adopt {
			return nil
		}
		for _, ns := range cfg.RPCInterfaces {
			log.Infof("RPC interface %s initialized", pyRepr(ns))
		}
		if user == "" {
			log.Critf("Server %s running without any HTTP authentication checking", pyRepr(section))
		}
		return nil
	}
	for _, c := range cfg.InetServers {
		if err := open(c.Section, "", c.Username, c.Password, func() (net.Listener, error) {
			return listenInet(c.Host, c.Port)
		}); err != nil {
			return nil, err
		}
	}
	for _, c := range cfg.UnixServers {
		if err := open(c.Section, c.File, c.Username, c.Password, func() (net.Listener, error) {
			return listenUnix(c)
		}); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

var errAddrInUse = usagef("Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.")

func listenInet(host string, port int) (net.Listener, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		return nil, socketError(err)
	}
	return l, nil
}

func socketError(err error) error {
	var errno syscall.Errno
	if errors.Is(err, syscall.EADDRINUSE) {
		return errAddrInUse
	}
	if errors.As(err, &errno) {
		return usagef("Cannot open an HTTP server: socket.error reported errno.%s (%d)", errnoName(errno), int(errno))
	}
	return usagef("Cannot open an HTTP server: socket.error reported %v", err)
}

// listenUnix creates the socket under a temporary name, sets its mode and
// links it into place, so the final path never has the default mode; a
// stale socket nobody answers on is replaced (SUP-11, SEC-03).
func listenUnix(c UnixServerConfig) (net.Listener, error) {
	tmp := fmt.Sprintf("%s.%d", c.File, os.Getpid())
	for {
		os.Remove(tmp)
		l, err := net.Listen("unix", tmp)
		if err != nil {
			return nil, socketError(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		if err := os.Chmod(tmp, os.FileMode(c.Chmod)); err != nil {
			l.Close()
			os.Remove(tmp)
			return nil, socketError(err)
		}
		err = os.Link(tmp, c.File)
		os.Remove(tmp)
		if err == nil {
			if err := chownSocket(c); err != nil {
				l.Close()
				os.Remove(c.File)
				return nil, err
			}
			return l, nil
		}
		l.Close()
		if socketInUse(c.File) {
			return nil, errAddrInUse
		}
		fmt.Fprintf(os.Stderr, "Unlinking stale socket %s\n", c.File)
		os.Remove(c.File)
	}
}

func chownSocket(c UnixServerConfig) error {
	if c.ChownUID < 0 && c.ChownGID < 0 {
		return nil
	}
	if err := os.Chown(c.File, c.ChownUID, c.ChownGID); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return usagef("Not permitted to chown %s to uid/gid (%d, %d); adjust \"sockchown\" value in config file or on command line to values that the current user (%s) can successfully chown",
				c.File, c.ChownUID, c.ChownGID, currentUserName())
		}
		return usagef("Cannot open an HTTP server: %v", err)
	}
	return nil
}

// socketInUse reports whether something answers on the socket file.
func socketInUse(path string) bool {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
		return false
	}
	var b [1]byte
	_, err = conn.Read(b[:])
	return err == nil
}

// serve starts serving on every listener for supervisor s.
func (hs *httpServers) serve(s *Supervisor) {
	for _, h := range hs.list {
		h.srv = &http.Server{
			Handler:           &httpHandler{sup: s, server: h},
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          nil,
		}
		go h.srv.Serve(h.listener)
	}
}

// close stops the servers and removes their socket files.
func (hs *httpServers) close() {
	for _, h := range hs.list {
		if h.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			h.srv.Shutdown(ctx)
			cancel()
			h.srv.Close()
		}
		h.listener.Close()
		if h.unixPath != "" {
			os.Remove(h.unixPath)
		}
	}
}

// files returns the listening sockets as files to pass to a child.
func (hs *httpServers) files() []*os.File {
	var out []*os.File
	for _, h := range hs.list {
		type filer interface{ File() (*os.File, error) }
		if f, err := h.listener.(filer).File(); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// closeListenersOnly closes the sockets without removing socket files: the
// daemonized child serves them now.
func (hs *httpServers) closeListenersOnly() {
	for _, h := range hs.list {
		h.listener.Close()
	}
}

// httpHandler routes one server's requests (WEB handler precedence).
type httpHandler struct {
	sup    *Supervisor
	server *httpServer
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// 4.2.5's HTTP server names itself; tools that fingerprint it see the
	// same header.
	w.Header().Set("Server", "Medusa/1.12")
	if !h.authorized(w, r) {
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/RPC2"):
		h.serveRPC(w, r)
	case strings.HasPrefix(path, "/logtail"):
		h.serveLogtail(w, r)
	case strings.HasPrefix(path, "/mainlogtail"):
		h.serveMainLogtail(w, r)
	default:
		h.serveWeb(w, r)
	}
}

// httpError writes medusa's small HTML error page, as 4.2.5 does.
func httpError(w http.ResponseWriter, code int) {
	body := fmt.Sprintf("<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code %d.\r\n<p>Message: %s.\r\n</body>\r\n", code, http.StatusText(code))
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// authorized checks Basic auth when the server has credentials (RPC-02).
func (h *httpHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	if h.server.username == "" {
		return true
	}
	scheme, blob, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "basic") {
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(blob))
		if err != nil {
			httpError(w, http.StatusBadRequest)
			return false
		}
		user, pass, _ := strings.Cut(string(decoded), ":")
		if checkCredentials(h.server.username, h.server.password, user, pass) {
			return true
		}
	}
	w.Header().Set("Connection", "close")
	// Assigned directly: Header.Set would write it as "Www-Authenticate".
	w.Header()["WWW-Authenticate"] = []string{`Basic realm="default"`}
	httpError(w, http.StatusUnauthorized)
	return false
}

// checkCredentials compares in constant time; a stored "{SHA}" password is
// the hex SHA-1 of the real one (SEC-02).
func checkCredentials(wantUser, wantPass, user, pass string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(wantUser), []byte(user)) == 1
	var passOK bool
	if hash, ok := strings.CutPrefix(wantPass, "{SHA}"); ok {
		sum := sha1.Sum([]byte(pass))
		passOK = subtle.ConstantTimeCompare([]byte(hash), []byte(hex.EncodeToString(sum[:]))) == 1
	} else {
		passOK = subtle.ConstantTimeCompare([]byte(wantPass), []byte(pass)) == 1
	}
	return userOK && passOK
}

// serveRPC answers an XML-RPC POST (RPC-01).
func (h *httpHandler) serveRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		httpError(w, http.StatusBadRequest)
		return
	}
	if r.ContentLength < 0 {
		httpError(w, http.StatusLengthRequired)
		return
	}
	if r.ContentLength > maxRequestBody {
		httpError(w, http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		httpError(w, http.StatusBadRequest)
		return
	}
	method, params, err := decodeCall(body)
	if err != nil {
		reason := reasonUnmarshallable
		var de *decodeError
		if errors.As(err, &de) {
			reason = de.Reason
		}
		h.sup.log.Errorf("XML-RPC request data %s is invalid: %s", pyRepr(string(body)), reason)
		httpError(w, http.StatusBadRequest)
		return
	}
	result, rerr := h.call(r.Context(), method, params)
	var buf bytes.Buffer
	var f *rpcFault
	switch {
	case errors.As(rerr, &f):
		err = encodeFault(&buf, f.code, f.text)
	case rerr != nil:
		httpError(w, http.StatusInternalServerError)
		return
	default:
		err = encodeResponse(&buf, result)
	}
	if err != nil {
		h.sup.log.Critf("Handling XML-RPC request with data %s raised an unexpected exception: %v", pyRepr(string(body)), err)
		httpError(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.Write(buf.Bytes())
}

// serveLogtail streams a process log: the last 1024 bytes, then whatever
// is appended, following rotation and truncation (WEB-04).
func (h *httpHandler) serveLogtail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		httpError(w, http.StatusBadRequest)
		return
	}
	rest := strings.TrimLeft(r.URL.Path, "/")
	_, rest, _ = strings.Cut(rest, "/") // drop "logtail"
	name, channel, ok := strings.Cut(rest, "/")
	if !ok {
		channel = "stdout"
	}
	path := call(h.sup, func(s *Supervisor) string {
		_, p, err := s.findProcess(name)
		if err != nil || p == nil {
			return ""
		}
		var l *logFile
		switch channel {
		case "stdout":
			l = p.stdoutLog
		case "stderr":
			l = p.stderrLog
		}
		if l == nil {
			return ""
		}
		return l.path
	})
	h.tail(w, r, path, true)
}

// serveMainLogtail streams the main log (WEB-05).
func (h *httpHandler) serveMainLogtail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		httpError(w, http.StatusBadRequest)
		return
	}
	h.tail(w, r, call(h.sup, func(s *Supervisor) string { return s.log.Path() }), false)
}

// tail follows path until the client goes away.
func (h *httpHandler) tail(w http.ResponseWriter, r *http.Request, path string, accel bool) {
	st, err := os.Stat(path)
	if path == "" || err != nil {
		httpError(w, http.StatusNotFound)
		return
	}
	t, err := openTail(path, 1024)
	if err != nil {
		httpError(w, http.StatusNotFound)
		return
	}
	defer t.close()
	w.Header().Set("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	if accel {
		w.Header().Set("X-Accel-Buffering", "no")
	}
	w.WriteHeader(http.StatusOK)
	h.follow(w, r, t)
}

// follow copies what is appended to the file until the client or the
// daemon goes away.
func (h *httpHandler) follow(w http.ResponseWriter, r *http.Request, t *tailFollower) {
	flush := func() {}
	if f, ok := w.(http.Flusher); ok {
		flush = f.Flush
	}
	flush() // the headers, so the client knows the stream is open
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		if data := t.more(); len(data) > 0 {
			if _, err := w.Write(data); err != nil {
				return
			}
			flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.sup.done:
			return
		case <-ticker.C:
		}
	}
}

// tailFollower reads what is appended to a file, reopening it when it is
// replaced (rotation) and noting truncation, as 4.2.5's tail does.
type tailFollower struct {
	path string
	f    *os.File
	ino  uint64
	sz   int64
}

func openTail(path string, head int64) (*tailFollower, error) {
	t := &tailFollower{path: path}
	if err := t.open(); err != nil {
		return nil, err
	}
	if sz := t.size(); sz >= head {
		t.sz = sz - head
	}
	return t, nil
}

func (t *tailFollower) open() error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return err
	}
	t.f, t.ino, t.sz = f, st.Ino, 0
	return nil
}

func (t *tailFollower) size() int64 {
	st, err := t.f.Stat()
	if err != nil {
		return -1
	}
	return st.Size()
}

func (t *tailFollower) more() []byte {
	var st syscall.Stat_t
	if syscall.Stat(t.path, &st) == nil && st.Ino != t.ino {
		t.f.Close()
		if t.open() != nil {
			return nil
		}
	}
	sz := t.size()
	if sz < 0 {
		return nil
	}
	if sz < t.sz {
		t.sz = 0
		return []byte("==> File truncated <==\n")
	}
	if sz == t.sz {
		return nil
	}
	buf := make([]byte, sz-t.sz)
	n, _ := t.f.ReadAt(buf, t.sz)
	t.sz += int64(n)
	return buf[:n]
}

func (t *tailFollower) close() { t.f.Close() }
