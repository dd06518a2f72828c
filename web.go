// The web page (WEB-01..07): 4.2.5's status and tail views with their
// URLs, actions, messages and redirects, and what 4.2.5 lacks: the table
// keeps itself current by polling a JSON snapshot, the tail view follows
// the log, groups get headings and small screens get a readable layout.
// Everything is embedded and escaped by html/template; every action still
// works as a plain link when JavaScript is off.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed web
var webFiles embed.FS

var webPages = template.Must(template.ParseFS(webFiles, "web/page.html"))

// webAsset is a static file served under /ui/.
type webAsset struct {
	data  []byte
	ctype string
	etag  string
}

// assetTypes are fixed here rather than taken from the system's MIME
// tables, which differ between machines.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// webAssets are the embedded files other than the template, by URL path.
var webAssets = loadWebAssets()

func loadWebAssets() map[string]webAsset {
	entries, err := webFiles.ReadDir("web")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	assets := map[string]webAsset{}
	for _, e := range entries {
		if e.Name() == "page.html" {
			continue
		}
		data, err := webFiles.ReadFile("web/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(data)
		assets["ui/"+e.Name()] = webAsset{
			data:  data,
			ctype: assetTypes[path.Ext(e.Name())],
			etag:  `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
	}
	return assets
}

// pageSecurity keeps the pages to their own assets: no inline script can
// run even if escaping were ever missed, and no other site may frame the
// action links.
const pageSecurity = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// serveWeb answers every path that is not RPC or a log tail. The views
// take GET and POST, other files GET and HEAD; anything else is 400, as
// in 4.2.5.
func (h *httpHandler) serveWeb(w http.ResponseWriter, r *http.Request) {
	page := strings.TrimLeft(r.URL.Path, "/")
	if page == "" {
		page = "index.html"
	}
	if r.Method == http.MethodGet || r.Method == http.MethodPost {
		switch page {
		case "index.html":
			h.serveStatus(w, r)
			return
		case "tail.html":
			h.serveTailPage(w, r)
			return
		case "ok.html":
			writeBody(w, "text/plain", []byte("OK"))
			return
		}
	}
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		httpError(w, http.StatusBadRequest)
	case r.Method == http.MethodGet && page == "status.json":
		h.serveSnapshot(w, r)
	case r.Method == http.MethodGet && page == "follow":
		h.serveFollow(w, r)
	default:
		serveAsset(w, r, page)
	}
}

func writeBody(w http.ResponseWriter, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := webAssets[name]
	if !ok {
		httpError(w, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("ETag", a.etag)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}

// maxFormBody bounds a POSTed form; the views need a few short fields.
const maxFormBody = 64 << 10

// webForm merges the query and a POSTed urlencoded body as 4.2.5 does:
// blank values are dropped, the first query value counts, and body values
// override the query.
func webForm(r *http.Request) map[string]string {
	form := map[string]string{}
	query, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range query {
		for _, v := range vs {
			if v != "" {
				form[k] = v
				break
			}
		}
	}
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxFormBody))
		posted, _ := url.ParseQuery(string(body))
		for k, vs := range posted {
			for _, v := range vs {
				if v != "" {
					form[k] = v
				}
			}
		}
	}
	return form
}

func setNoCache(hdr http.Header) {
	hdr.Set("Pragma", "no-cache")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
}

// renderPage writes one of the templates as a 4.2.5 view response.
func (h *httpHandler) renderPage(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := webPages.ExecuteTemplate(&buf, name, data); err != nil {
		h.sup.log.Errorf("Web interface error: %v", err)
		httpError(w, http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	setNoCache(hdr)
	hdr.Set("Content-Security-Policy", pageSecurity)
	hdr.Set("X-Content-Type-Options", "nosniff")
	writeBody(w, "text/html;charset=utf-8", buf.Bytes())
}

// serveStatus is index.html: with an action it performs it and redirects
// to the page showing the result (WEB-02), else it shows the page (WEB-01).
func (h *httpHandler) serveStatus(w http.ResponseWriter, r *http.Request) {
	form := webForm(r)
	if action, ok := form["action"]; ok {
		msg, err := h.runAction(r.Context(), action, form["processname"])
		switch {
		case err != nil:
			httpError(w, http.StatusInternalServerError)
		case wantsJSON(r):
			setNoCache(w.Header())
			body, _ := json.Marshal(map[string]string{"message": msg})
			writeBody(w, "application/json", body)
		default:
			setNoCache(w.Header())
			w.Header().Set("Location", serverURL(r)+"/?message="+pyQuote(msg))
			httpError(w, http.StatusMovedPermanently)
		}
		return
	}
	view, ok := h.snapshot()
	if !ok {
		httpError(w, http.StatusServiceUnavailable)
		return
	}
	view.Message = form["message"]
	h.renderPage(w, "status", view)
}

// wantsJSON tells the page's own script, which asks for the action's
// message as JSON instead of following a redirect, from a browser link.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Accept"), "application/json")
}

// serverURL is where 4.2.5 sends the browser after an action: the Host
// header (without a default port), or the listening address.
func serverURL(r *http.Request) string {
	host := strings.TrimSpace(r.Host)
	if host == "" {
		host = "localhost"
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
			host = net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
		}
	}
	return "http://" + strings.TrimSuffix(host, ":80")
}

// pyQuote percent-encodes like Python's urllib.parse.quote: only letters,
// digits and "_.-~/" stay as they are.
func pyQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var errUnknownAction = errors.New("unknown web action")

// runAction performs a WEB-02 action through the same XML-RPC methods a
// client would call, waiting for them to finish, and returns the message
// to show. An unknown action is an error (HTTP 500 in 4.2.5).
func (h *httpHandler) runAction(ctx context.Context, action, name string) (string, error) {
	switch action {
	case "refresh":
		return "Page refreshed at " + ctime(), nil
	case "stopall":
		if err := h.callMethod(ctx, "supervisor.stopAllProcesses"); err != nil {
			return "", err
		}
		return "All stopped at " + ctime(), nil
	case "restartall":
		h.callMethod(ctx, "supervisor.stopAllProcesses")
		h.callMethod(ctx, "supervisor.startAllProcesses")
		return "All restarted at " + ctime(), nil
	}
	if name == "" {
		return "", errUnknownAction
	}
	if !h.processExists(name) {
		return "No such process named " + name, nil
	}
	switch action {
	case "start":
		if err := h.callMethod(ctx, "supervisor.startProcess", name, true); err != nil {
			return fmt.Sprintf("ERROR: Process %s: %s", name, startFailure(err)), nil
		}
		return "Process " + name + " started", nil
	case "stop":
		if err := h.callMethod(ctx, "supervisor.stopProcess", name, true); err != nil {
			return unexpectedFault(err), nil
		}
		return "Process " + name + " stopped", nil
	case "restart":
		// 4.2.5 runs a multicall here and reports success whatever it says.
		h.callMethod(ctx, "supervisor.stopProcess", name, true)
		h.callMethod(ctx, "supervisor.startProcess", name, true)
		return "Process " + name + " restarted", nil
	case "clearlog":
		if err := h.callMethod(ctx, "supervisor.clearProcessLogs", name); err != nil {
			return unexpectedFault(err), nil
		}
		return "Log for " + name + " cleared", nil
	}
	return "", errUnknownAction
}

func ctime() string { return time.Now().Format(time.ANSIC) }

func (h *httpHandler) callMethod(ctx context.Context, method string, params ...any) error {
	_, err := h.runOnLoop(ctx, rpcMethods[method], params)
	return err
}

// processExists reports whether name is a single process; "group:*" is
// not one.
func (h *httpHandler) processExists(name string) bool {
	return call(h.sup, func(s *Supervisor) bool {
		_, p, err := s.findProcess(name)
		return err == nil && p != nil
	})
}

func startFailure(err error) string {
	var f *rpcFault
	if errors.As(err, &f) {
		switch f.code {
		case faultNoFile:
			return "no such file"
		case faultNotExecutable:
			return "file not executable"
		case faultAlreadyStarted:
			return "already started"
		case faultSpawnError:
			return "spawn error"
		case faultAbnormalTermination:
			return "abnormal termination"
		}
	}
	return unexpectedFault(err)
}

func unexpectedFault(err error) string {
	var f *rpcFault
	if !errors.As(err, &f) {
		f = &rpcFault{faultFailed, "FAILED: " + err.Error()}
	}
	return fmt.Sprintf("unexpected rpc fault [%d] %s", f.code, f.text)
}

// webView is what the status page shows, and what status.json returns.
type webView struct {
	Identification string     `json:"identification"`
	State          string     `json:"state"`
	Version        string     `json:"version"`
	Groups         []webGroup `json:"groups"`
	Message        string     `json:"-"`
}

// webGroup is a run of processes of one group; a group whose only process
// has the group's name needs no heading.
type webGroup struct {
	Name      string       `json:"name"`
	Heading   bool         `json:"heading"`
	Processes []webProcess `json:"processes"`
}

type webProcess struct {
	Namespec    string       `json:"namespec"`
	State       string       `json:"state"` // lower-case state name
	StateClass  string       `json:"stateClass"`
	Description string       `json:"description"`
	TailHref    template.URL `json:"tail"`
	Actions     []webAction  `json:"actions"`
}

// webAction is a link: Name is the action for index.html, or "" for a
// log tail opening in a new tab.
type webAction struct {
	Label string       `json:"label"`
	Href  template.URL `json:"href"`
	Name  string       `json:"action,omitempty"`
}

// snapshot copies what the page shows in one short visit to the loop; it
// reports false once the loop has ended (shutdown or reload).
func (h *httpHandler) snapshot() (webView, bool) {
	v := call(h.sup, func(s *Supervisor) webView { return s.webView(time.Now()) })
	return v, v.State != ""
}

func (s *Supervisor) webView(now time.Time) webView {
	v := webView{Identification: s.cfg.Supervisord.Identifier, State: s.state.String(), Version: supervisorVersion}
	for _, p := range s.lexicalProcesses() {
		g := p.group.cfg.Name
		if len(v.Groups) == 0 || v.Groups[len(v.Groups)-1].Name != g {
			v.Groups = append(v.Groups, webGroup{Name: g})
		}
		last := &v.Groups[len(v.Groups)-1]
		last.Processes = append(last.Processes, p.webProcess(now))
		last.Heading = len(last.Processes) > 1 || p.cfg.Name != g
	}
	return v
}

func (p *Process) webProcess(now time.Time) webProcess {
	ns := p.Namespec()
	q := pyQuote(ns)
	var desc string
	for _, m := range p.info(now) {
		if m.Name == "description" {
			desc, _ = m.Value.(string)
		}
	}
	wp := webProcess{
		Namespec:    ns,
		State:       strings.ToLower(p.state.String()),
		StateClass:  stateClass(p.state),
		Description: desc,
		TailHref:    template.URL("tail.html?processname=" + q),
	}
	action := func(label, name string) webAction {
		return webAction{label, template.URL("index.html?processname=" + q + "&action=" + name), name}
	}
	switch p.state {
	case StateRunning:
		wp.Actions = append(wp.Actions, action("Restart", "restart"), action("Stop", "stop"))
	case StateStopped, StateExited, StateFatal:
		wp.Actions = append(wp.Actions, action("Start", "start"))
	}
	wp.Actions = append(wp.Actions, action("Clear Log", "clearlog"),
		webAction{Label: "Tail -f Stdout", Href: template.URL("logtail/" + q)},
		webAction{Label: "Tail -f Stderr", Href: template.URL("logtail/" + q + "/stderr")})
	return wp
}

// stateClass colours a state as 4.2.5 does: running, error or neutral.
func stateClass(st ProcessState) string {
	switch st {
	case StateRunning:
		return "running"
	case StateFatal, StateBackoff:
		return "error"
	}
	return "nominal"
}

// serveSnapshot is status.json, which the page polls about once a second
// while it is visible: one closure on the loop per request.
func (h *httpHandler) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	view, ok := h.snapshot()
	if !ok {
		httpError(w, http.StatusServiceUnavailable)
		return
	}
	body, err := json.Marshal(view)
	if err != nil {
		httpError(w, http.StatusInternalServerError)
		return
	}
	setNoCache(w.Header())
	writeBody(w, "application/json", body)
}

// tailView is what tail.html shows (WEB-03).
type tailView struct {
	Name    string
	Text    string
	Refresh template.URL
	Follow  template.URL // where the page's script streams more from
}

func (h *httpHandler) serveTailPage(w http.ResponseWriter, r *http.Request) {
	form := webForm(r)
	name, ok := form["processname"]
	if !ok {
		h.renderPage(w, "tail", tailView{Name: "None", Text: "No process name found"})
		return
	}
	limit := tailLimit(form["limit"])
	v := tailView{Name: name, Refresh: template.URL(fmt.Sprintf("tail.html?processname=%s&limit=%d", pyQuote(name), limit))}
	text, end, err := h.readTail(name, limit)
	var f *rpcFault
	switch {
	case errors.As(err, &f) && f.code == faultNoFile:
		v.Text = "No file for " + name
	case err != nil:
		v.Text = "ERROR: " + unexpectedFault(err)
	default:
		v.Text = text
		v.Follow = template.URL(fmt.Sprintf("follow?processname=%s&offset=%d", pyQuote(name), end))
	}
	h.renderPage(w, "tail", v)
}

// tailLimit reads the limit field: at least 1024 bytes, and 1024 unless
// it is all digits.
func tailLimit(s string) int64 {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 1024
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		n = math.MaxInt64
	}
	return max(n, 1024)
}

// stdoutLogPath finds a process's stdout log with readProcessStdoutLog's
// faults.
func (h *httpHandler) stdoutLogPath(name string) (string, error) {
	type found struct {
		path string
		err  error
	}
	res := call(h.sup, func(s *Supervisor) found {
		if err := s.checkState(); err != nil {
			return found{err: err}
		}
		p, err := s.findOneProcess(name)
		if err != nil {
			return found{err: err}
		}
		if p.stdoutLog == nil {
			return found{err: newFault(faultNoFile)}
		}
		return found{path: p.stdoutLog.path}
	})
	if res.path == "" && res.err == nil {
		return "", newFault(faultShutdownState)
	}
	return res.path, res.err
}

// readTail returns the last limit bytes of the process's stdout log and
// the offset they end at. The file is read here, not on the loop.
func (h *httpHandler) readTail(name string, limit int64) (string, int64, error) {
	path, err := h.stdoutLogPath(name)
	if err != nil {
		return "", 0, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, faultf(faultNoFile, path)
	}
	if err != nil {
		return "", 0, newFault(faultFailed)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, newFault(faultFailed)
	}
	end := st.Size()
	start := max(end-limit, 0)
	buf := make([]byte, end-start)
	n, err := f.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return "", 0, newFault(faultFailed)
	}
	return validUTF8(buf[:n]), start + int64(n), nil
}

// serveFollow streams a process's stdout log from a byte offset (where
// tail.html stopped) for the tail page's script; without a usable offset
// it starts 1024 bytes from the end, like /logtail.
func (h *httpHandler) serveFollow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	path, err := h.stdoutLogPath(q.Get("processname"))
	if err != nil {
		httpError(w, http.StatusNotFound)
		return
	}
	t, err := openTail(path, 1024)
	if err != nil {
		httpError(w, http.StatusNotFound)
		return
	}
	defer t.close()
	if off, err := strconv.ParseInt(q.Get("offset"), 10, 64); err == nil && off >= 0 {
		// An offset past the end means the file was truncated or rotated
		// since; more() notices that and starts over.
		t.sz = off
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain;charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	h.follow(w, r, t)
}
