package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// webDaemon is a supervisord a test runs with an inet HTTP server on a
// free loopback port, plus a unix socket for out-of-band XML-RPC.
type webDaemon struct {
	t    *testing.T
	dir  string
	base string // http://127.0.0.1:PORT
	user string
	pass string
	rpc  *testClient
}

const webTestCredentials = "username=web\npassword=s3cret\n"

// startWebDaemon starts supervisord (this test binary, see TestMain) with
// the given program sections; auth adds Basic-auth credentials.
func startWebDaemon(t *testing.T, auth bool, programs string) *webDaemon {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	d := &webDaemon{t: t, dir: dir, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	creds := ""
	if auth {
		creds = webTestCredentials
		d.user, d.pass = "web", "s3cret"
	}
	conf := fmt.Sprintf(`[supervisord]
logfile=%%(here)s/supervisord.log
pidfile=%%(here)s/supervisord.pid
childlogdir=%%(here)s
[inet_http_server]
port=127.0.0.1:%d
%s[unix_http_server]
file=%%(here)s/sup.sock
%s[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
`, port, creds, creds) + programs
	confPath := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("supervisord")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin, "-n", "-c", confPath)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { stopWebDaemon(t, cmd, exited) })
	d.rpc = unixTestClient(filepath.Join(dir, "sup.sock"))
	if auth {
		d.rpc = unixTestClientAuth(filepath.Join(dir, "sup.sock"), d.user, d.pass)
	}
	if !poll(func() bool { return d.status("/ok.html") == http.StatusOK }) {
		data, _ := os.ReadFile(filepath.Join(dir, "stdout"))
		t.Fatalf("supervisord did not answer on %s; it wrote:\n%s", d.base, data)
	}
	return d
}

func stopWebDaemon(t *testing.T, cmd *exec.Cmd, exited chan struct{}) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(waitDeadline):
		cmd.Process.Kill()
		<-exited
		t.Errorf("supervisord did not stop on SIGTERM")
	}
}

// unixTestClientAuth is unixTestClient sending Basic-auth credentials.
func unixTestClientAuth(sock, user, pass string) *testClient {
	c := unixTestClient(sock)
	c.http.Transport = &authTransport{c.http.Transport, user, pass}
	return c
}

type authTransport struct {
	next       http.RoundTripper
	user, pass string
}

func (b *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.pass)
	return b.next.RoundTrip(r)
}

// do sends a request with the daemon's credentials, never following a
// redirect, and returns the response with its body read.
func (d *webDaemon) do(method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	d.t.Helper()
	req, err := http.NewRequest(method, d.base+path, body)
	if err != nil {
		d.t.Fatal(err)
	}
	if d.user != "" {
		req.SetBasicAuth(d.user, d.pass)
	}
	// Headers given override the credentials; an empty value removes one.
	for i := 0; i+1 < len(hdr); i += 2 {
		switch {
		case hdr[i] == "Host":
			req.Host = hdr[i+1]
		case hdr[i+1] == "":
			req.Header.Del(hdr[i])
		default:
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	client := &http.Client{
		Timeout:       waitDeadline,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, string(data)
}

func (d *webDaemon) get(path string, hdr ...string) (*http.Response, string) {
	d.t.Helper()
	return d.do(http.MethodGet, path, nil, hdr...)
}

// status is the HTTP status of GET path, or 0 when nothing answers.
func (d *webDaemon) status(path string) int {
	req, _ := http.NewRequest(http.MethodGet, d.base+path, nil)
	if d.user != "" {
		req.SetBasicAuth(d.user, d.pass)
	}
	resp, err := (&http.Client{Timeout: time.Second}).Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (d *webDaemon) stateOf(name string) string {
	var info struct {
		Statename string `xmlrpc:"statename"`
	}
	if err := d.rpc.call("supervisor.getProcessInfo", []any{name}, &info); err != nil {
		return err.Error()
	}
	return info.Statename
}

func (d *webDaemon) waitState(name, want string) {
	d.t.Helper()
	last := ""
	if !poll(func() bool { last = d.stateOf(name); return last == want }) {
		d.t.Fatalf("%s did not reach %s (last: %s)", name, want, last)
	}
}

// webPrograms covers every state the page draws and every start error.
const webPrograms = `[program:sleeper]
command=sleep 1000
startsecs=0
[program:idle]
command=sleep 1000
autostart=false
startsecs=0
[program:nofile]
command=/nonexistent/prog
autostart=false
[program:notexec]
command=%(here)s/supervisord.conf
autostart=false
[program:dies]
command=false
autostart=false
startsecs=1
startretries=0
[program:echoer]
command=sh -c 'echo "<script>alert(1)</script>"; exec sleep 1000'
startsecs=0
[program:quiet]
command=sleep 1000
stdout_logfile=NONE
startsecs=0
[group:grp]
programs=ga,gb
[program:ga]
command=sleep 1000
startsecs=0
[program:gb]
command=sleep 1000
autostart=false
`

// hostileName is a valid program name made of markup.
const hostileName = `<b>bold&"x'`

var hostilePrograms = `[program:` + hostileName + `]
command=sh -c 'echo "<i>italic</i>"; exec sleep 1000'
startsecs=0
`

func requireHeader(t *testing.T, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Errorf("%s: %s = %q, want %q", resp.Request.URL, name, got, want)
	}
}

func requireContains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// WEB-01: the status page, its headers, rows, group headings and the
// actions each state offers.
func TestWebStatusPage(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms)
	d.waitState("sleeper", "RUNNING")
	d.waitState("grp:ga", "RUNNING")
	for _, path := range []string{"/", "/index.html", "//index.html"} {
		resp, body := d.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		requireHeader(t, resp, "Content-Type", "text/html;charset=utf-8")
		requireHeader(t, resp, "Pragma", "no-cache")
		requireHeader(t, resp, "Cache-Control", "no-cache")
		requireHeader(t, resp, "Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
		requireContains(t, body, "<title>Supervisor Status</title>",
			">State</th>", ">Description</th>", ">Name</th>", ">Action</th>",
			`href="index.html?action=refresh"`, `href="index.html?action=restartall"`, `href="index.html?action=stopall"`)
	}
	_, body := d.get("/")
	rows := pageRows(body)
	wantOrder := []string{"dies", "echoer", "grp:ga", "grp:gb", "idle", "nofile", "notexec", "quiet", "sleeper"}
	if got := rowOrder(body); strings.Join(got, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("rows %v, want %v", got, wantOrder)
	}
	sleeper := rows["sleeper"]
	requireContains(t, sleeper, `<span class="state running">running</span>`, "pid ", ", uptime ",
		`href="tail.html?processname=sleeper" target="_blank">sleeper</a>`,
		`href="index.html?processname=sleeper&amp;action=restart"`, `href="index.html?processname=sleeper&amp;action=stop"`,
		`href="index.html?processname=sleeper&amp;action=clearlog"`,
		`href="logtail/sleeper" target="_blank">Tail -f Stdout`, `href="logtail/sleeper/stderr" target="_blank">Tail -f Stderr`)
	idle := rows["idle"]
	requireContains(t, idle, `<span class="state nominal">stopped</span>`, "Not started", `action=start"`, `action=clearlog"`)
	if strings.Contains(idle, "action=stop") || strings.Contains(idle, "action=restart") {
		t.Errorf("a stopped process offers stop or restart:\n%s", idle)
	}
	requireContains(t, rows["grp:gb"], `href="index.html?processname=grp%3Agb&amp;action=start"`, `href="tail.html?processname=grp%3Agb"`)
	requireContains(t, body, `<th colspan="4" scope="rowgroup">grp</th>`)
	if strings.Contains(body, `scope="rowgroup">sleeper<`) {
		t.Errorf("a group of one process of the same name got a heading")
	}

	// FATAL is drawn as an error and offers start again.
	d.get("/index.html?processname=dies&action=start")
	d.waitState("dies", "FATAL")
	_, body = d.get("/")
	requireContains(t, pageRows(body)["dies"], `<span class="state error">fatal</span>`, `action=start"`)

	// The message box shows ?message=, and only when there is one.
	_, body = d.get("/?message=Process%20x%20stopped")
	requireContains(t, body, `role="status">Process x stopped</div>`)
	if _, body = d.get("/"); !strings.Contains(body, `role="status" hidden></div>`) {
		t.Errorf("an empty message box is shown")
	}
}

var rowRE = regexp.MustCompile(`(?s)<tr class="process" data-namespec="([^"]*)".*?</tr>`)

// pageRows maps each row's (escaped) namespec to its markup.
func pageRows(body string) map[string]string {
	rows := map[string]string{}
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		rows[m[1]] = m[0]
	}
	return rows
}

// rowOrder lists the rows' namespecs as the page has them.
func rowOrder(body string) []string {
	var names []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	return names
}

// WEB-01: no processes, no table.
func TestWebNoPrograms(t *testing.T) {
	d := startWebDaemon(t, false, "")
	_, body := d.get("/")
	requireContains(t, body, `id="processes" hidden>`, `<p class="empty" id="empty">No programs to manage</p>`)
	_, snap := d.get("/status.json")
	requireContains(t, snap, `"groups":null`)
}

// WEB-02: every action answers 301 to http://<Host>/?message=<quoted
// message>, after the action has completed; unknown ones are 500.
func TestWebActions(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms)
	d.waitState("sleeper", "RUNNING")
	host := strings.TrimPrefix(d.base, "http://")
	steps := []struct {
		query string
		msg   string // regexp of the message; "" for a 500
		name  string // process whose state to check afterwards
		state string
	}{
		{"?processname=sleeper&action=stop", `^Process sleeper stopped$`, "sleeper", "STOPPED"},
		{"?processname=sleeper&action=stop", `^unexpected rpc fault \[70\] NOT_RUNNING: sleeper$`, "sleeper", "STOPPED"},
		{"?processname=sleeper&action=start", `^Process sleeper started$`, "sleeper", "RUNNING"},
		{"?processname=sleeper&action=start", `^ERROR: Process sleeper: already started$`, "sleeper", "RUNNING"},
		{"?processname=sleeper&action=restart", `^Process sleeper restarted$`, "sleeper", "RUNNING"},
		{"?processname=idle&action=restart", `^Process idle restarted$`, "idle", "RUNNING"},
		{"?processname=sleeper&action=clearlog", `^Log for sleeper cleared$`, "", ""},
		{"?processname=idle&action=stop", `^Process idle stopped$`, "idle", "STOPPED"},
		{"?processname=nofile&action=start", `^ERROR: Process nofile: no such file$`, "nofile", "STOPPED"},
		{"?processname=notexec&action=start", `^ERROR: Process notexec: file not executable$`, "", ""},
		{"?processname=dies&action=start", `^ERROR: Process dies: spawn error$`, "dies", "FATAL"}, // as 4.2.5 says
		{"?processname=grp:gb&action=start", `^Process grp:gb started$`, "grp:gb", "RUNNING"},
		{"?processname=nosuch&action=start", `^No such process named nosuch$`, "", ""},
		{"?processname=nosuch&action=bogus", `^No such process named nosuch$`, "", ""},
		{"?processname=grp:*&action=stop", `^No such process named grp:\*$`, "", ""},
		{"?processname=grp&action=stop", `^No such process named grp$`, "", ""},
		{"?action=refresh", `^Page refreshed at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`, "", ""},
		{"?action=stopall", `^All stopped at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`, "sleeper", "STOPPED"},
		{"?action=restartall", `^All restarted at `, "sleeper", "RUNNING"},
		{"?processname=sleeper&action=bogus", "", "", ""},
		{"?action=start", "", "", ""},
		{"?processname=&action=start", "", "", ""},
		{"?action=bogus", "", "", ""},
	}
	for _, st := range steps {
		resp, body := d.get("/index.html" + st.query)
		if st.msg == "" {
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("%s: %s, want 500", st.query, resp.Status)
			}
			continue
		}
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("%s: %s, want 301\n%s", st.query, resp.Status, body)
		}
		requireHeader(t, resp, "Content-Type", "text/html")
		requireHeader(t, resp, "Cache-Control", "no-cache")
		loc := resp.Header.Get("Location")
		prefix := "http://" + host + "/?message="
		if !strings.HasPrefix(loc, prefix) {
			t.Fatalf("%s: Location %q, want prefix %q", st.query, loc, prefix)
		}
		quoted := strings.TrimPrefix(loc, prefix)
		msg, err := url.PathUnescape(quoted)
		if err != nil || pyQuote(msg) != quoted {
			t.Errorf("%s: message %q is not quoted like Python's quote()", st.query, quoted)
		}
		if !regexp.MustCompile(st.msg).MatchString(msg) {
			t.Errorf("%s: message %q, want %s", st.query, msg, st.msg)
		}
		if st.name != "" {
			if got := d.stateOf(st.name); got != st.state {
				t.Errorf("%s: %s is %s right after the reply, want %s", st.query, st.name, got, st.state)
			}
		}
	}
}

// WEB-02: the redirect names the Host the client used, without a default
// port; fields may be POSTed, overriding the query; the first of repeated
// query fields counts.
func TestWebActionRequestForms(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms)
	d.waitState("sleeper", "RUNNING")
	resp, _ := d.get("/?action=refresh", "Host", "example.org:80")
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "http://example.org/?message=Page%20refreshed") {
		t.Errorf("Location %q", loc)
	}
	resp, _ = d.get("/?action=refresh", "Host", "example.org:8080")
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "http://example.org:8080/?message=") {
		t.Errorf("Location %q", loc)
	}
	resp, _ = d.do(http.MethodPost, "/index.html?action=bogus", strings.NewReader("processname=sleeper&action=stop"),
		"Content-Type", "application/x-www-form-urlencoded")
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/?message=Process%20sleeper%20stopped") {
		t.Errorf("POST: %s, Location %q", resp.Status, loc)
	}
	resp, _ = d.get("/?processname=sleeper&processname=idle&action=start")
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/?message=Process%20sleeper%20started") {
		t.Errorf("repeated field: Location %q", loc)
	}
	// The page's script asks for the message as JSON instead.
	resp, body := d.get("/index.html?processname=sleeper&action=stop", "Accept", "application/json")
	if resp.StatusCode != http.StatusOK || body != `{"message":"Process sleeper stopped"}` {
		t.Errorf("JSON action: %s %s", resp.Status, body)
	}
}

// WEB-02 without JavaScript: follow the link, the redirect, and land on
// the page showing the message and the new state.
func TestWebNoScriptFlow(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms)
	d.waitState("sleeper", "RUNNING")
	_, page := d.get("/")
	link := regexp.MustCompile(`href="(index.html\?processname=sleeper&amp;action=stop)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("no stop link for sleeper:\n%s", page)
	}
	href := strings.ReplaceAll(link[1], "&amp;", "&")
	resp, err := http.Get(d.base + "/" + href) // follows the 301 like a browser
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Request.URL.Path != "/" || resp.Request.URL.Query().Get("message") != "Process sleeper stopped" {
		t.Errorf("landed on %s", resp.Request.URL)
	}
	requireContains(t, string(body), `role="status">Process sleeper stopped</div>`)
	requireContains(t, pageRows(string(body))["sleeper"], `<span class="state nominal">stopped</span>`, `action=start"`)
}

// WEB-03: the tail view.
func TestWebTailPage(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms+"[program:long]\ncommand=sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; exec sleep 1000'\nstartsecs=0\n")
	d.waitState("echoer", "RUNNING")
	waitLog := func(path, want string) string {
		var body string
		if !poll(func() bool { _, body = d.get(path); return strings.Contains(body, want) }) {
			t.Fatalf("%s never showed %q:\n%s", path, want, body)
		}
		return body
	}
	resp, body := d.get("/tail.html?processname=echoer")
	requireHeader(t, resp, "Content-Type", "text/html;charset=utf-8")
	requireHeader(t, resp, "Pragma", "no-cache")
	body = waitLog("/tail.html?processname=echoer", "&lt;script&gt;")
	requireContains(t, body, "<title>Supervisor tail of process echoer</title>",
		">\n&lt;script&gt;alert(1)&lt;/script&gt;\n</pre>", `href="tail.html?processname=echoer&amp;limit=1024"`,
		`data-follow="follow?processname=echoer&amp;offset=26"`)
	if strings.Contains(body, "<script>alert") {
		t.Errorf("process output is not escaped")
	}

	// limit: at least 1024 bytes, more when asked, 1024 when not digits.
	for limit, refresh := range map[string]string{"": "1024", "100": "1024", "abc": "1024", "-5": "1024", "2000": "2000"} {
		body = waitLog("/tail.html?processname=long&limit="+limit, "line-299")
		requireContains(t, body, `href="tail.html?processname=long&amp;limit=`+refresh+`"`)
		if got, want := len(logText(body)), mustAtoi(t, refresh); got != want {
			t.Errorf("limit=%s shows %d bytes, want %d", limit, got, want)
		}
	}

	for path, want := range map[string][]string{
		"/tail.html":                       {"<title>Supervisor tail of process None</title>", ">\nNo process name found</pre>"},
		"/tail.html?processname=":          {">\nNo process name found</pre>"},
		"/tail.html?processname=nosuch":    {">\nERROR: unexpected rpc fault [10] BAD_NAME: nosuch</pre>"},
		"/tail.html?processname=grp%3A%2A": {"<title>Supervisor tail of process grp:*</title>", ">\nERROR: unexpected rpc fault [10] BAD_NAME: grp:*</pre>", `href="tail.html?processname=grp%3A%2A&amp;limit=1024"`},
		"/tail.html?processname=quiet":     {">\nNo file for quiet</pre>"},
	} {
		resp, body := d.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
		requireContains(t, body, want...)
		if strings.Contains(body, "data-follow") {
			t.Errorf("%s offers to follow a log it cannot read", path)
		}
	}
	resp, body = d.do(http.MethodPost, "/tail.html", strings.NewReader("processname=echoer"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "tail of process echoer") {
		t.Errorf("POST tail.html: %s", resp.Status)
	}
}

var preRE = regexp.MustCompile(`(?s)<pre class="log" id="log"[^>]*>(.*)</pre>`)

func logText(body string) string {
	m := preRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimPrefix(m[1], "\n")
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The tail page's stream: from the offset the page ended at, following
// what the process writes next.
func TestWebFollow(t *testing.T) {
	d := startWebDaemon(t, false, "[program:counter]\ncommand=sh -c 'i=0; while :; do echo n$i; i=$((i+1)); sleep 0.05; done'\nstartsecs=0\n")
	d.waitState("counter", "RUNNING")
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/follow?processname=counter&offset=0", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	requireHeader(t, resp, "Content-Type", "text/plain;charset=utf-8")
	lines := bufio.NewScanner(resp.Body)
	for i := 0; i < 40; i++ {
		if !lines.Scan() {
			t.Fatalf("stream ended after %d lines: %v", i, lines.Err())
		}
		if got, want := lines.Text(), fmt.Sprintf("n%d", i); got != want {
			t.Fatalf("line %d is %q, want %q", i, got, want)
		}
	}
	for _, path := range []string{"/follow?processname=nosuch", "/follow"} {
		if resp, _ := d.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", path, resp.Status)
		}
	}
}

// WEB-01 live: status.json follows state changes made elsewhere.
func TestWebSnapshot(t *testing.T) {
	d := startWebDaemon(t, false, webPrograms)
	d.waitState("sleeper", "RUNNING")
	resp, body := d.get("/status.json")
	requireHeader(t, resp, "Content-Type", "application/json")
	requireHeader(t, resp, "Cache-Control", "no-cache")
	requireContains(t, body, `"identification":"supervisor"`, `"state":"RUNNING"`,
		`{"name":"grp","heading":true,"processes":[{"namespec":"grp:ga","state":"running","stateClass":"running"`,
		`{"label":"Stop","href":"index.html?processname=sleeper\u0026action=stop","action":"stop"}`,
		`{"label":"Tail -f Stderr","href":"logtail/sleeper/stderr"}`)
	var ok bool
	if err := d.rpc.call("supervisor.stopProcess", []any{"sleeper"}, &ok); err != nil {
		t.Fatal(err)
	}
	_, body = d.get("/status.json")
	requireContains(t, body, `{"namespec":"sleeper","state":"stopped","stateClass":"nominal"`)
}

// WEB-06, WEB-07: the health probe, the embedded files, 404 and 400.
func TestWebOtherPaths(t *testing.T) {
	d := startWebDaemon(t, false, "")
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, body := d.do(method, "/ok.html", nil)
		if resp.StatusCode != http.StatusOK || body != "OK" {
			t.Errorf("%s /ok.html: %s %q", method, resp.Status, body)
		}
		requireHeader(t, resp, "Content-Type", "text/plain")
	}
	for path, ctype := range map[string]string{"/ui/style.css": "text/css; charset=utf-8", "/ui/app.js": "text/javascript; charset=utf-8", "/ui/icon.svg": "image/svg+xml"} {
		resp, body := d.get(path)
		if resp.StatusCode != http.StatusOK || body == "" {
			t.Errorf("%s: %s", path, resp.Status)
		}
		requireHeader(t, resp, "Content-Type", ctype)
		again, _ := d.get(path, "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %s", path, again.Status)
		}
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/nosuch", 404}, {"GET", "/index.htm", 404}, {"GET", "/index.html/", 404},
		{"GET", "/tail.html/x", 404}, {"GET", "/ui/page.html", 404}, {"GET", "/ui/", 404},
		{"HEAD", "/index.html", 404}, {"HEAD", "/ui/style.css", 200},
		{"PUT", "/index.html", 400}, {"DELETE", "/ok.html", 400}, {"POST", "/nosuch", 400},
		{"POST", "/status.json", 400},
	} {
		resp, body := d.do(c.method, c.path, nil)
		if resp.StatusCode != c.code {
			t.Errorf("%s %s: %s, want %d", c.method, c.path, resp.Status, c.code)
		}
		if c.code != 200 && c.method != "HEAD" && !strings.Contains(body, fmt.Sprintf("<p>Error code %d.", c.code)) {
			t.Errorf("%s %s: not the HTML error page:\n%s", c.method, c.path, body)
		}
	}
}

// RPC-02 for the web: every page and file is behind the same Basic auth.
func TestWebAuth(t *testing.T) {
	d := startWebDaemon(t, true, webPrograms)
	d.waitState("sleeper", "RUNNING")
	paths := []string{"/", "/index.html", "/index.html?processname=sleeper&action=stop", "/tail.html?processname=sleeper",
		"/ok.html", "/status.json", "/follow?processname=sleeper", "/ui/app.js", "/nosuch"}
	for _, path := range paths {
		for _, auth := range []string{"", "Basic " + base64Credentials("web", "wrong")} {
			resp, _ := d.get(path, "Authorization", auth)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with %q: %s, want 401", path, auth, resp.Status)
			}
			requireHeader(t, resp, "WWW-Authenticate", `Basic realm="default"`)
		}
	}
	if got := d.stateOf("sleeper"); got != "RUNNING" {
		t.Errorf("an unauthorized stop ran: sleeper is %s", got)
	}
	if resp, _ := d.get("/"); resp.StatusCode != http.StatusOK {
		t.Errorf("with credentials: %s", resp.Status)
	}
	if resp, _ := d.get("/?processname=sleeper&action=stop"); resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("stop with credentials: %s", resp.Status)
	}
}

func base64Credentials(user, pass string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// Names from the config and text from processes are text, never markup,
// in the page, the JSON, the tail and the message box.
func TestWebEscaping(t *testing.T) {
	d := startWebDaemon(t, false, hostilePrograms)
	d.waitState(hostileName, "RUNNING")
	const escaped = `&lt;b&gt;bold&amp;&#34;x&#39;`
	quoted := pyQuote(hostileName)
	if quoted != "%3Cb%3Ebold%26%22x%27" {
		t.Fatalf("pyQuote(%q) = %q", hostileName, quoted)
	}
	_, body := d.get("/?message=" + url.QueryEscape(`<script>alert("m")</script>`))
	requireContains(t, body, `data-namespec="`+escaped+`"`, `target="_blank">`+escaped+`</a>`,
		`href="index.html?processname=`+quoted+`&amp;action=stop"`, `href="logtail/`+quoted+`/stderr"`,
		`role="status">&lt;script&gt;alert(&#34;m&#34;)&lt;/script&gt;</div>`)
	if strings.Contains(body, "<b>") || strings.Contains(body, `<script>alert`) {
		t.Errorf("markup from the config or the query reached the page:\n%s", body)
	}
	_, snap := d.get("/status.json")
	requireContains(t, snap, `"namespec":"\u003cb\u003ebold\u0026\"x'"`)
	var tail string
	poll(func() bool {
		_, tail = d.get("/tail.html?processname=" + quoted)
		return strings.Contains(tail, "italic")
	})
	requireContains(t, tail, "<title>Supervisor tail of process "+escaped+"</title>", "\n&lt;i&gt;italic&lt;/i&gt;")
	if strings.Contains(tail, "<i>") || strings.Contains(tail, "<b>") {
		t.Errorf("markup reached the tail page:\n%s", tail)
	}
	resp, _ := d.get("/?processname=" + quoted + "&action=stop")
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/?message=Process%20"+quoted+"%20stopped") {
		t.Errorf("Location %q", loc)
	}
}

func TestWebPyQuote(t *testing.T) {
	for in, want := range map[string]string{
		"Process x stopped": "Process%20x%20stopped",
		"grp:*":             "grp%3A%2A",
		"a/b_c.d-e~f":       "a/b_c.d-e~f",
		"ü&=?#%+":           "%C3%BC%26%3D%3F%23%25%2B",
	} {
		if got := pyQuote(in); got != want {
			t.Errorf("pyQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

// chromium finds Debian's chromium, or skips the browser tests.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium); skipping the real-browser test")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile; it is shut
// down before the test's temporary directories are removed.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first run starts the browser and ties it to ctx, so it must not
	// carry a timeout; each later step gets its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// browse runs browser steps, failing the test with what was being done.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, waitDeadline)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// evaluate runs a JavaScript expression and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, waitDeadline)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v", expr, err)
	}
	return v
}

// rowState is a JS expression reading a row's state by namespec.
func rowState(namespec string) string {
	return fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('tr.process')].find((r) => r.dataset.namespec === %q); return r ? r.dataset.state : ''; })()`, namespec)
}

// waitJS waits until the expression is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(waitDeadline))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, waitDeadline)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// WEB-01..03 in a real browser: actions run in place, the table follows
// state changes made elsewhere without a reload, names stay text, and the
// tail view follows the log.
func TestWebBrowser(t *testing.T) {
	ctx := newBrowser(t, 1280, 900)
	d := startWebDaemon(t, true, webPrograms+hostilePrograms+
		"[program:counter]\ncommand=sh -c 'i=0; while :; do echo line $i; i=$((i+1)); sleep 0.1; done'\nstartsecs=0\n")
	d.waitState("sleeper", "RUNNING")
	d.waitState("grp:ga", "RUNNING")
	artifacts := t.ArtifactDir()

	// Credentials in the URL: the browser answers the 401 challenge and
	// reuses them for the page's own requests (status.json, actions, the
	// log stream), as it does after a login prompt.
	site := strings.Replace(d.base, "http://", "http://"+d.user+":"+d.pass+"@", 1)
	browse(t, ctx, "open the status page",
		chromedp.Navigate(site+"/"),
		chromedp.WaitVisible(chromedp.CSS(`tr.process[data-namespec="sleeper"]`)),
	)
	evaluate[bool](t, ctx, `window.notReloaded = true`)

	browse(t, ctx, "stop sleeper with its Stop button",
		chromedp.Click(chromedp.CSS(`tr.process[data-namespec="sleeper"] a[data-action="stop"]`)),
		waitJS(rowState("sleeper")+` === 'stopped'`),
		waitJS(`document.getElementById('message').textContent === 'Process sleeper stopped'`),
	)
	if got := d.stateOf("sleeper"); got != "STOPPED" {
		t.Errorf("after Stop, sleeper is %s", got)
	}
	browse(t, ctx, "start sleeper with its Start button",
		chromedp.Click(chromedp.CSS(`tr.process[data-namespec="sleeper"] a[data-action="start"]`)),
		waitJS(rowState("sleeper")+` === 'running'`),
		waitJS(`document.getElementById('message').textContent === 'Process sleeper started'`),
	)

	// A change made over XML-RPC shows up by itself.
	var ok bool
	if err := d.rpc.call("supervisor.stopProcess", []any{"grp:ga"}, &ok); err != nil {
		t.Fatal(err)
	}
	browse(t, ctx, "see grp:ga stop without reloading", waitJS(rowState("grp:ga")+` === 'stopped'`))

	type pageCheck struct {
		NotReloaded bool   `json:"notReloaded"`
		Name        string `json:"name"`
		Markup      int    `json:"markup"`
		Heading     string `json:"heading"`
	}
	check := evaluate[pageCheck](t, ctx, fmt.Sprintf(`(() => {
		const row = [...document.querySelectorAll('tr.process')].find((r) => r.dataset.namespec === %q);
		return {
			notReloaded: window.notReloaded === true,
			name: row ? row.querySelector('.col-name a').textContent : '',
			markup: document.querySelectorAll('#processes b, #processes i, #processes script').length,
			heading: document.querySelector('tbody[data-group="grp"] tr.group').textContent,
		};
	})()`, hostileName))
	if !check.NotReloaded {
		t.Errorf("the page reloaded; live updates should not need that")
	}
	if check.Name != hostileName || check.Markup != 0 {
		t.Errorf("hostile name shown as %q with %d markup elements", check.Name, check.Markup)
	}
	if check.Heading != "grp" {
		t.Errorf("group heading %q", check.Heading)
	}
	screenshot(t, ctx, filepath.Join(artifacts, "status.png"))

	// The tail view follows the log: lines written after the page loaded
	// arrive in order, with nothing missed or repeated at the seam.
	browse(t, ctx, "open the tail view",
		chromedp.Navigate(site+"/tail.html?processname=counter"),
		chromedp.WaitVisible(chromedp.CSS(`#log`)),
	)
	first := evaluate[string](t, ctx, `window.notReloaded = true; document.getElementById('log').textContent`)
	last := lastCounterLine(first)
	if last < 0 {
		t.Fatalf("tail view shows no counter lines:\n%s", first)
	}
	want := fmt.Sprintf("line %d\n", last+10)
	browse(t, ctx, "follow the log",
		waitJS(fmt.Sprintf(`document.getElementById('log').textContent.includes(%q)`, want)),
		waitJS(`document.getElementById('follow-state').textContent === 'following'`),
	)
	text := evaluate[string](t, ctx, `window.notReloaded === true ? document.getElementById('log').textContent : 'reloaded'`)
	requireConsecutiveLines(t, text)
	screenshot(t, ctx, filepath.Join(artifacts, "tail.png"))
}

var counterLineRE = regexp.MustCompile(`(?m)^line (\d+)$`)

func lastCounterLine(text string) int {
	m := counterLineRE.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		return -1
	}
	var n int
	fmt.Sscan(m[len(m)-1][1], &n)
	return n
}

func requireConsecutiveLines(t *testing.T, text string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) > 0 && !counterLineRE.MatchString(lines[0]) {
		lines = lines[1:] // the tail may start mid-line
	}
	prev := -1
	for _, l := range lines {
		var n int
		if _, err := fmt.Sscanf(l, "line %d", &n); err != nil {
			t.Fatalf("unexpected line %q in the followed log", l)
		}
		if prev >= 0 && n != prev+1 {
			t.Fatalf("followed log jumps from line %d to %d", prev, n)
		}
		prev = n
	}
}

// demoPrograms put the screenshot's processes in a spread of states.
const demoPrograms = `[program:web]
command=sleep 1000
startsecs=0
[program:queue]
command=sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=3
startsecs=0
[program:mailer]
command=mailerd --foreground
startretries=0
[program:backup]
command=sleep 1000
startsecs=3600
[program:cleanup]
command=true
startsecs=0
autorestart=false
[program:reports]
command=sleep 1000
autostart=false
`

// TestWebScreenshot writes the pictures of the page for the docs when
// SUPERVISORD_WEB_SCREENSHOT names the PNG to write (a "-phone" twin is
// written beside it), e.g.
//
//	SUPERVISORD_WEB_SCREENSHOT=docs/web-status.png go test -run TestWebScreenshot
func TestWebScreenshot(t *testing.T) {
	out := os.Getenv("SUPERVISORD_WEB_SCREENSHOT")
	if out == "" {
		t.Skip("set SUPERVISORD_WEB_SCREENSHOT=path.png to write the docs screenshot")
	}
	ctx := newBrowser(t, 1100, 640)
	d := startWebDaemon(t, false, demoPrograms)
	for name, state := range map[string]string{"web": "RUNNING", "queue:queue_0": "RUNNING", "mailer": "FATAL",
		"backup": "STARTING", "cleanup": "EXITED", "reports": "STOPPED"} {
		d.waitState(name, state)
	}
	browse(t, ctx, "open the status page",
		chromedp.Navigate(d.base+"/"),
		chromedp.Click(chromedp.CSS(`tr.process[data-namespec="queue:queue_2"] a[data-action="stop"]`)),
		waitJS(rowState("queue:queue_2")+` === 'stopped'`),
		waitJS(`document.getElementById('message').textContent !== ''`),
	)
	// Park the pointer where it highlights nothing.
	if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
		Type: input.DispatchMouseEventTypeMouseMoved, X: 1, Y: 630}); err != nil {
		t.Fatal(err)
	}
	evaluate[bool](t, ctx, `document.activeElement.blur(), true`)
	screenshot(t, ctx, out)
	phone := strings.TrimSuffix(out, ".png") + "-phone.png"
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, phone)
}
