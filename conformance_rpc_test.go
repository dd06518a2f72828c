// The conformance harness's own HTTP and XML-RPC client. It is independent
// of the production codec on purpose: it writes requests by hand, reads
// responses byte for byte (so status lines and headers are observed as sent),
// and decodes every XML-RPC type without losing information (empty strings,
// base64, untyped values, struct member order).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// confServer says where a daemon's HTTP server is and how to log in to it.
type confServer struct {
	network string // "unix" or "tcp"
	addr    string // socket path or host:port
	user    string
	pass    string
}

// confParseServerURL accepts the two forms supervisorctl accepts in serverurl.
func confParseServerURL(url string) (confServer, error) {
	switch {
	case strings.HasPrefix(url, "unix://"):
		return confServer{network: "unix", addr: strings.TrimPrefix(url, "unix://")}, nil
	case strings.HasPrefix(url, "http://"):
		hostport := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
		if !strings.Contains(hostport, ":") {
			hostport += ":80"
		}
		return confServer{network: "tcp", addr: hostport}, nil
	}
	return confServer{}, fmt.Errorf("server url %q: want unix:// or http://", url)
}

// confRawResponse is one HTTP response as it came off the wire.
type confRawResponse struct {
	status  string      // the status line without the trailing CRLF
	headers [][2]string // in the order sent
	body    []byte      // de-chunked
}

// header returns the first value of the named header, or "".
func (r *confRawResponse) header(name string) string {
	for _, h := range r.headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// code returns the numeric status code, or 0 if the status line is odd.
func (r *confRawResponse) code() int {
	f := strings.Fields(r.status)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// confHTTPRequest describes one request of the harness.
type confHTTPRequest struct {
	method  string
	path    string
	headers [][2]string
	body    []byte
	auth    bool           // send Basic credentials of the server
	until   *regexp.Regexp // for endless bodies: stop reading once the body matches
	timeout time.Duration
}

// do sends one request on a fresh connection and reads one response.
func (s confServer) do(req confHTTPRequest) (*confRawResponse, error) {
	if req.timeout == 0 {
		req.timeout = 20 * time.Second
	}
	conn, err := net.DialTimeout(s.network, s.addr, req.timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(req.timeout))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\n", req.method, req.path)
	if req.auth && (s.user != "" || s.pass != "") {
		cred := base64.StdEncoding.EncodeToString([]byte(s.user + ":" + s.pass))
		fmt.Fprintf(&b, "Authorization: Basic %s\r\n", cred)
	}
	for _, h := range req.headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if req.body != nil || req.method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(req.body))
	}
	b.WriteString("\r\n")
	b.Write(req.body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, fmt.Errorf("write request: %w", err)
	}
	resp, err := confReadResponse(bufio.NewReader(conn), req.method, req.until)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	return resp, nil
}

// confReadResponse reads a status line, headers and a body delimited by
// Content-Length, chunked encoding, or the end of the connection.
func confReadResponse(r *bufio.Reader, method string, until *regexp.Regexp) (*confRawResponse, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("read status line: %w", err)
	}
	resp := &confRawResponse{status: strings.TrimRight(line, "\r\n")}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read headers: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		resp.headers = append(resp.headers, [2]string{name, strings.TrimSpace(value)})
	}
	if method == "HEAD" || resp.code() == 204 || resp.code() == 304 {
		return resp, nil
	}
	switch {
	case strings.EqualFold(resp.header("Transfer-Encoding"), "chunked"):
		resp.body, err = confReadChunked(r, until)
	case resp.header("Content-Length") != "":
		n, convErr := strconv.Atoi(resp.header("Content-Length"))
		if convErr != nil {
			return nil, fmt.Errorf("bad Content-Length %q", resp.header("Content-Length"))
		}
		resp.body = make([]byte, n)
		_, err = io.ReadFull(r, resp.body)
	default:
		resp.body, err = confReadUntil(r, until)
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return resp, nil
}

// confReadChunked decodes a chunked body, stopping early once until matches.
func confReadChunked(r *bufio.Reader, until *regexp.Regexp) ([]byte, error) {
	var body []byte
	for {
		if until != nil && until.Match(body) {
			return body, nil
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return body, err
		}
		size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
		if err != nil {
			return body, fmt.Errorf("bad chunk size line %q", line)
		}
		if size == 0 {
			_, err := r.ReadString('\n')
			return body, err
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return body, err
		}
		body = append(body, chunk...)
		if _, err := r.ReadString('\n'); err != nil {
			return body, err
		}
	}
}

// confReadUntil reads to EOF, or until the body matches until.
func confReadUntil(r *bufio.Reader, until *regexp.Regexp) ([]byte, error) {
	var body []byte
	buf := make([]byte, 4096)
	for {
		if until != nil && until.Match(body) {
			return body, nil
		}
		n, err := r.Read(buf)
		body = append(body, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return body, nil
		}
		if err != nil {
			return body, err
		}
	}
}

// confValue is a decoded (or to-be-encoded) XML-RPC value.
type confValue struct {
	kind    string // int, boolean, string, double, dateTime.iso8601, base64, array, struct, nil
	text    string // scalar payload; decoded bytes for base64
	items   []confValue
	members []confMember // in wire order
}

type confMember struct {
	name  string
	value confValue
}

func (v confValue) composite() bool { return v.kind == "array" || v.kind == "struct" }

// confEncodeCall renders a methodCall the way Python's xmlrpc.client does.
func confEncodeCall(method string, params []confValue) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	xml.EscapeText(&b, []byte(method))
	b.WriteString("</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param>\n")
		confEncodeValue(&b, p)
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes()
}

func confEncodeValue(b *bytes.Buffer, v confValue) {
	b.WriteString("<value>")
	switch v.kind {
	case "array":
		b.WriteString("<array><data>\n")
		for _, it := range v.items {
			confEncodeValue(b, it)
		}
		b.WriteString("</data></array>")
	case "struct":
		b.WriteString("<struct>\n")
		for _, m := range v.members {
			b.WriteString("<member>\n<name>")
			xml.EscapeText(b, []byte(m.name))
			b.WriteString("</name>\n")
			confEncodeValue(b, m.value)
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct>")
	case "nil":
		b.WriteString("<nil/>")
	case "base64":
		fmt.Fprintf(b, "<base64>%s</base64>", base64.StdEncoding.EncodeToString([]byte(v.text)))
	default:
		fmt.Fprintf(b, "<%s>", v.kind)
		xml.EscapeText(b, []byte(v.text))
		fmt.Fprintf(b, "</%s>", v.kind)
	}
	b.WriteString("</value>\n")
}

// confRPCResult is a decoded methodResponse: a value or a fault.
type confRPCResult struct {
	value       confValue
	fault       bool
	faultCode   string
	faultString string
}

// confDecodeResponse parses a methodResponse body.
func confDecodeResponse(body []byte) (confRPCResult, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	root, err := confNextStart(d)
	if err != nil || root.Name.Local != "methodResponse" {
		return confRPCResult{}, fmt.Errorf("not a methodResponse: %q", body)
	}
	el, err := confNextStart(d)
	if err != nil {
		return confRPCResult{}, err
	}
	switch el.Name.Local {
	case "params":
		if _, err := confExpectStart(d, "param"); err != nil {
			return confRPCResult{}, err
		}
		if _, err := confExpectStart(d, "value"); err != nil {
			return confRPCResult{}, err
		}
		v, err := confDecodeValue(d)
		return confRPCResult{value: v}, err
	case "fault":
		if _, err := confExpectStart(d, "value"); err != nil {
			return confRPCResult{}, err
		}
		v, err := confDecodeValue(d)
		if err != nil {
			return confRPCResult{}, err
		}
		res := confRPCResult{fault: true}
		for _, m := range v.members {
			switch m.name {
			case "faultCode":
				res.faultCode = m.value.text
			case "faultString":
				res.faultString = m.value.text
			}
		}
		return res, nil
	}
	return confRPCResult{}, fmt.Errorf("unexpected <%s> in methodResponse", el.Name.Local)
}

func confNextStart(d *xml.Decoder) (xml.StartElement, error) {
	el, ok, err := confStartOrEnd(d)
	if err == nil && !ok {
		err = errors.New("unexpected end tag")
	}
	return el, err
}

// confStartOrEnd returns the next start tag (ok) or reports an end tag (!ok).
func confStartOrEnd(d *xml.Decoder) (xml.StartElement, bool, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, true, nil
		case xml.EndElement:
			return xml.StartElement{}, false, nil
		}
	}
}

func confExpectStart(d *xml.Decoder, name string) (xml.StartElement, error) {
	el, err := confNextStart(d)
	if err == nil && el.Name.Local != name {
		err = fmt.Errorf("want <%s>, got <%s>", name, el.Name.Local)
	}
	return el, err
}

// confDecodeValue decodes the content of a <value> element whose start tag has
// been consumed, up to and including its end tag.
func confDecodeValue(d *xml.Decoder) (confValue, error) {
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return confValue{}, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement: // untyped <value>text</value> is a string
			return confValue{kind: "string", text: text.String()}, nil
		case xml.StartElement:
			v, err := confDecodeTyped(d, t)
			if err != nil {
				return confValue{}, err
			}
			return v, confSkipToEnd(d)
		}
	}
}

// confSkipToEnd consumes tokens up to the end tag of the current element.
func confSkipToEnd(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			return fmt.Errorf("unexpected <%s>", t.Name.Local)
		}
	}
}

func confDecodeTyped(d *xml.Decoder, start xml.StartElement) (confValue, error) {
	kind := start.Name.Local
	switch kind {
	case "array":
		return confDecodeArray(d)
	case "struct":
		return confDecodeStruct(d)
	}
	var text string
	if err := d.DecodeElement(&text, &start); err != nil {
		return confValue{}, fmt.Errorf("<%s>: %w", kind, err)
	}
	switch kind {
	case "i4", "i8", "int":
		return confValue{kind: "int", text: strings.TrimSpace(text)}, nil
	case "base64":
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return confValue{}, fmt.Errorf("<base64>: %w", err)
		}
		return confValue{kind: "base64", text: string(raw)}, nil
	case "boolean", "string", "double", "dateTime.iso8601", "nil":
		return confValue{kind: kind, text: text}, nil
	}
	return confValue{}, fmt.Errorf("unknown value type <%s>", kind)
}

func confDecodeArray(d *xml.Decoder) (confValue, error) {
	arr := confValue{kind: "array", items: []confValue{}}
	if _, err := confExpectStart(d, "data"); err != nil {
		return arr, err
	}
	for {
		el, ok, err := confStartOrEnd(d)
		if err != nil {
			return arr, err
		}
		if !ok { // </data>
			break
		}
		if el.Name.Local != "value" {
			return arr, fmt.Errorf("want <value> in <data>, got <%s>", el.Name.Local)
		}
		v, err := confDecodeValue(d)
		if err != nil {
			return arr, err
		}
		arr.items = append(arr.items, v)
	}
	return arr, confSkipToEnd(d) // </array>
}

func confDecodeStruct(d *xml.Decoder) (confValue, error) {
	st := confValue{kind: "struct", members: []confMember{}}
	for {
		_, ok, err := confStartOrEnd(d) // <member> or </struct>
		if err != nil || !ok {
			return st, err
		}
		var m confMember
		nameEl, err := confExpectStart(d, "name")
		if err != nil {
			return st, err
		}
		if err := d.DecodeElement(&m.name, &nameEl); err != nil {
			return st, err
		}
		if _, err := confExpectStart(d, "value"); err != nil {
			return st, err
		}
		v, err := confDecodeValue(d)
		if err != nil {
			return st, err
		}
		m.value = v
		st.members = append(st.members, m)
		if err := confSkipToEnd(d); err != nil { // </member>
			return st, err
		}
	}
}

// render writes v in the transcript's Python-repr-like notation. Scalars
// and flat containers stay on one line; containers holding containers, and
// structs with more than four members, put one element per line in the
// style of Python's pprint, so transcripts diff line by line.
func (v confValue) render(depth int) string {
	switch v.kind {
	case "array":
		return v.renderArray(depth)
	case "struct":
		return v.renderStruct(depth)
	}
	return v.renderScalar()
}

func (v confValue) renderScalar() string {
	switch v.kind {
	case "int":
		return v.text
	case "boolean":
		if strings.TrimSpace(v.text) == "1" {
			return "True"
		}
		return "False"
	case "double":
		return v.text
	case "dateTime.iso8601":
		return "<DateTime " + confPyQuote(v.text) + ">"
	case "base64":
		return "b" + confPyQuote(v.text)
	case "nil":
		return "None"
	}
	return confPyQuote(v.text)
}

func (v confValue) flat() bool {
	for _, it := range v.items {
		if it.composite() {
			return false
		}
	}
	for _, m := range v.members {
		if m.value.composite() {
			return false
		}
	}
	return true
}

func (v confValue) renderArray(depth int) string {
	parts := make([]string, len(v.items))
	for i, it := range v.items {
		parts[i] = it.render(depth + 1)
	}
	if v.flat() {
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "[" + strings.Join(parts, ",\n"+strings.Repeat(" ", depth+1)) + "]"
}

func (v confValue) renderStruct(depth int) string {
	multi := !v.flat() || len(v.members) > 4
	parts := make([]string, len(v.members))
	for i, m := range v.members {
		key := confPyQuote(m.name) + ": "
		parts[i] = key + m.value.render(depth+1+len(key))
	}
	if !multi {
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "{" + strings.Join(parts, ",\n"+strings.Repeat(" ", depth+1)) + "}"
}

// confPyQuote quotes s in single quotes with backslash escapes for quotes,
// backslashes and control characters; other characters are kept as is.
func confPyQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}

// confParseCall parses `method(arg, ...)` (or a bare `method`) where the
// arguments are Python-like literals: 'str' or "str", ints, floats, True,
// False, None, [lists], {'key': value} structs and b'bytes' (base64).
func confParseCall(s string) (string, []confValue, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if strings.ContainsAny(s, " \t") {
			return "", nil, fmt.Errorf("rpc call %q: want method(args...)", s)
		}
		return s, nil, nil
	}
	if !strings.HasSuffix(s, ")") {
		return "", nil, fmt.Errorf("rpc call %q: missing closing parenthesis", s)
	}
	p := &confLiteralParser{s: s[open+1 : len(s)-1]}
	args, err := p.list(0)
	if err != nil {
		return "", nil, fmt.Errorf("rpc call %q: %w", s, err)
	}
	return s[:open], args, nil
}

type confLiteralParser struct {
	s   string
	pos int
}

func (p *confLiteralParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// list parses comma-separated values up to the closing byte (0 = end).
func (p *confLiteralParser) list(closing byte) ([]confValue, error) {
	vals := []confValue{}
	for {
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] == closing {
			break
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		break
	}
	p.skipSpace()
	if closing == 0 && p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %q", p.s[p.pos:])
	}
	if closing != 0 {
		if p.pos >= len(p.s) || p.s[p.pos] != closing {
			return nil, fmt.Errorf("missing %q", closing)
		}
		p.pos++
	}
	return vals, nil
}

func (p *confLiteralParser) value() (confValue, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return confValue{}, errors.New("missing value")
	}
	switch c := p.s[p.pos]; {
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return confValue{kind: "string", text: s}, err
	case c == 'b' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"'):
		p.pos++
		s, err := p.quoted()
		return confValue{kind: "base64", text: s}, err
	case c == '[':
		p.pos++
		items, err := p.list(']')
		return confValue{kind: "array", items: items}, err
	case c == '{':
		p.pos++
		return p.structBody()
	}
	return p.word()
}

func (p *confLiteralParser) structBody() (confValue, error) {
	st := confValue{kind: "struct", members: []confMember{}}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return st, nil
		}
		key, err := p.value()
		if err != nil {
			return st, err
		}
		if key.kind != "string" {
			return st, errors.New("struct keys must be strings")
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return st, errors.New("missing ':' in struct")
		}
		p.pos++
		val, err := p.value()
		if err != nil {
			return st, err
		}
		st.members = append(st.members, confMember{name: key.text, value: val})
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
		}
	}
}

func (p *confLiteralParser) quoted() (string, error) {
	q := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == q:
			return b.String(), nil
		case c == '\\' && p.pos < len(p.s):
			e := p.s[p.pos]
			p.pos++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x':
				if p.pos+2 > len(p.s) {
					return "", errors.New(`short \x escape`)
				}
				n, err := strconv.ParseUint(p.s[p.pos:p.pos+2], 16, 8)
				if err != nil {
					return "", fmt.Errorf(`bad \x escape: %w`, err)
				}
				b.WriteByte(byte(n))
				p.pos += 2
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated string")
}

func (p *confLiteralParser) word() (confValue, error) {
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(" \t,)]}:", rune(p.s[p.pos])) {
		p.pos++
	}
	w := p.s[start:p.pos]
	switch w {
	case "True":
		return confValue{kind: "boolean", text: "1"}, nil
	case "False":
		return confValue{kind: "boolean", text: "0"}, nil
	case "None":
		return confValue{kind: "nil"}, nil
	}
	if _, err := strconv.ParseInt(w, 10, 64); err == nil {
		return confValue{kind: "int", text: w}, nil
	}
	if _, err := strconv.ParseFloat(w, 64); err == nil {
		return confValue{kind: "double", text: w}, nil
	}
	return confValue{}, fmt.Errorf("bad literal %q", w)
}
