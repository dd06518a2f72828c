// The server side of XML-RPC (RPC-01, RPC-04, RPC-05): decodeCall reads a
// methodCall body with the tolerance of Supervisor 4.2.5's own request
// parser, and encodeResponse/encodeFault write methodResponse documents that
// equal Python's xmlrpc.client.dumps output byte for byte, so clients that
// compare or cache responses cannot tell the daemons apart.
//
// Where 4.2.5 accepts odd input we accept it too: untyped <value>text</value>,
// <boolean> anything but "1" as false, Python int()/float() number syntax
// (surrounding whitespace, "1_000", "inf", "nan"), lenient base64, unknown
// value tags read as their text (so <nil/> is nil), any declared encoding
// (4.2.5 decodes every body as UTF-8 first), text between elements ignored.
// Where it differs, on purpose:
//   - i1, i2, i8 and biginteger decode as int, as Python's xmlrpc.client does;
//     4.2.5 passes their text through as a string.
//   - Integers must fit int64 (Python has no limit), and numbers and dates
//     use ASCII digits (Python's int() also takes other Unicode digits).
//   - A DOCTYPE is refused (4.2.5 expands internal entities), arrays and
//     structs nest at most xmlrpcMaxDepth deep, and misplaced elements (a
//     second element in a <value>, a <param> without <value>, a root other
//     than <methodCall>) are errors where Python's loose walk ignores them.
//   - Responses replace characters XML 1.0 cannot carry (control characters,
//     invalid UTF-8) with U+FFFD; Python writes them raw and its own client
//     then fails to parse the response.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Struct is an XML-RPC struct whose members keep their order on the wire
// (Python dict insertion order), so our responses match 4.2.5's byte for byte.
type Struct []Member

// Member is one named value of a Struct.
type Member struct {
	Name  string
	Value any
}

// xmlrpcMaxDepth bounds how deeply arrays and structs may nest, in requests
// and in responses, so hostile input cannot exhaust the stack. Supervisor's
// deepest legitimate value, a multicall, nests four deep.
const xmlrpcMaxDepth = 32

// The reasons 4.2.5 gives in its log line
// "XML-RPC request data %r is invalid: <reason>" before answering HTTP 400.
const (
	reasonUnmarshallable = "unmarshallable"
	reasonNoMethodName   = "no method name"
)

// decodeError is the only error decodeCall returns. Reason is
// reasonUnmarshallable or reasonNoMethodName; Err holds the parse detail.
type decodeError struct {
	Reason string
	Err    error
}

func (e *decodeError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *decodeError) Unwrap() error { return e.Err }

// decodeCall parses a methodCall. Params come back as int, bool, string,
// float64, []byte (base64, decoded), time.Time (dateTime.iso8601, in UTC),
// nil, []any (array) and map[string]any (struct). A missing <params> gives no
// params. A missing or empty methodName is a decodeError with
// reasonNoMethodName; every other failure has reasonUnmarshallable.
func decodeCall(body []byte) (method string, params []any, err error) {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	// 4.2.5 decodes the body as UTF-8 before parsing, whatever the
	// declaration says, so the declared encoding is ignored here too.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	c := callDecoder{d: d}
	method, params, err = c.document()
	if err != nil {
		return "", nil, &decodeError{Reason: reasonUnmarshallable, Err: err}
	}
	if method == "" {
		return "", nil, &decodeError{Reason: reasonNoMethodName}
	}
	return method, params, nil
}

type callDecoder struct {
	d *xml.Decoder
}

// token returns the next token, refusing DTDs and a document that ends early.
func (c *callDecoder) token() (xml.Token, error) {
	tok, err := c.d.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	if _, ok := tok.(xml.Directive); ok {
		return nil, errors.New("DOCTYPE and other directives are not allowed")
	}
	return tok, nil
}

func (c *callDecoder) document() (method string, params []any, err error) {
	if err := c.prolog(); err != nil {
		return "", nil, err
	}
	err = c.eachChild(func(start xml.StartElement) error {
		var err error
		switch start.Name.Local {
		case "methodName":
			method, _, err = c.leafText(start)
		case "params":
			params, err = c.params()
		default:
			err = c.d.Skip()
		}
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return method, params, c.epilog()
}

// prolog consumes everything before the <methodCall> start tag.
func (c *callDecoder) prolog() error {
	for first := true; ; first = false {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "methodCall" {
				return fmt.Errorf("root element is <%s>, not <methodCall>", t.Name.Local)
			}
			return nil
		case xml.ProcInst:
			if t.Target == "xml" && !first {
				return errors.New("XML declaration not at start of document")
			}
		case xml.CharData:
			if !isXMLSpace(t) {
				return errors.New("text before the root element")
			}
		}
	}
}

// epilog checks that nothing but comments, processing instructions and
// whitespace follows the root element.
func (c *callDecoder) epilog() error {
	for {
		tok, err := c.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return errors.New("junk after document element")
		case xml.CharData:
			if !isXMLSpace(t) {
				return errors.New("junk after document element")
			}
		case xml.Directive:
			return errors.New("DOCTYPE and other directives are not allowed")
		}
	}
}

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// eachChild calls fn for each child element of the element just opened, up
// to its end tag; fn must consume the child's end tag. Text between children
// is ignored, as 4.2.5 ignores it.
func (c *callDecoder) eachChild(fn func(xml.StartElement) error) error {
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// leafText reads the text of an element that must have no child elements.
// hasText is false when there was no character data at all (Python's None).
// Text split by comments or CDATA sections is joined in linear time.
func (c *callDecoder) leafText(start xml.StartElement) (text string, hasText bool, err error) {
	var b strings.Builder
	for {
		tok, err := c.token()
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
			hasText = hasText || len(t) > 0
		case xml.StartElement:
			return "", false, fmt.Errorf("<%s> inside <%s>", t.Name.Local, start.Name.Local)
		case xml.EndElement:
			return b.String(), hasText, nil
		}
	}
}

// only calls fn with the single child element named want of the element just
// opened; any other child element is an error.
func (c *callDecoder) only(parent, want string, fn func(xml.StartElement) error) error {
	seen := false
	err := c.eachChild(func(start xml.StartElement) error {
		if start.Name.Local != want || seen {
			return fmt.Errorf("unexpected <%s> in <%s>", start.Name.Local, parent)
		}
		seen = true
		return fn(start)
	})
	if err == nil && !seen {
		err = fmt.Errorf("<%s> without <%s>", parent, want)
	}
	return err
}

func (c *callDecoder) params() ([]any, error) {
	params := []any{}
	err := c.eachChild(func(start xml.StartElement) error {
		if start.Name.Local != "param" {
			return fmt.Errorf("unexpected <%s> in <params>", start.Name.Local)
		}
		return c.only("param", "value", func(xml.StartElement) error {
			v, err := c.value(0)
			params = append(params, v)
			return err
		})
	})
	return params, err
}

// value reads a <value> whose start tag was just read; depth counts the
// arrays and structs around it. Without a child element the value is its
// text, as a string.
func (c *callDecoder) value(depth int) (any, error) {
	var text strings.Builder
	var v any
	typed := false
	for {
		tok, err := c.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !typed {
				text.Write(t)
			}
		case xml.StartElement:
			if typed {
				return nil, fmt.Errorf("second element <%s> in <value>", t.Name.Local)
			}
			typed = true
			if v, err = c.typed(t, depth); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if !typed {
				return text.String(), nil
			}
			return v, nil
		}
	}
}

// typed reads the typed element inside a <value>.
func (c *callDecoder) typed(start xml.StartElement, depth int) (any, error) {
	tag := start.Name.Local
	if tag == "array" || tag == "struct" {
		if depth >= xmlrpcMaxDepth {
			return nil, fmt.Errorf("arrays and structs nested deeper than %d", xmlrpcMaxDepth)
		}
		if tag == "array" {
			return c.array(depth + 1)
		}
		return c.structMembers(depth + 1)
	}
	text, hasText, err := c.leafText(start)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		return parsePyInt(text)
	case "boolean":
		return text == "1", nil
	case "string":
		return text, nil
	case "double":
		return parsePyFloat(text)
	case "dateTime.iso8601":
		return parseISO8601(text)
	case "base64":
		return decodePyBase64(text)
	}
	// 4.2.5 reads an unknown element as its text, or None without text;
	// that is how <nil/> becomes nil.
	if !hasText {
		return nil, nil
	}
	return text, nil
}

func (c *callDecoder) array(depth int) ([]any, error) {
	items := []any{}
	err := c.only("array", "data", func(xml.StartElement) error {
		return c.eachChild(func(start xml.StartElement) error {
			if start.Name.Local != "value" {
				return fmt.Errorf("unexpected <%s> in <data>", start.Name.Local)
			}
			v, err := c.value(depth)
			items = append(items, v)
			return err
		})
	})
	return items, err
}

// structMembers reads the members of a <struct>; a repeated name keeps the
// last value, as a Python dict does.
func (c *callDecoder) structMembers(depth int) (map[string]any, error) {
	members := map[string]any{}
	err := c.eachChild(func(start xml.StartElement) error {
		if start.Name.Local != "member" {
			return fmt.Errorf("unexpected <%s> in <struct>", start.Name.Local)
		}
		return c.member(depth, members)
	})
	return members, err
}

// member reads <name> then <value>, in that order and nothing else.
func (c *callDecoder) member(depth int, members map[string]any) error {
	var name string
	seen := 0
	err := c.eachChild(func(start xml.StartElement) error {
		var err error
		switch {
		case seen == 0 && start.Name.Local == "name":
			name, _, err = c.leafText(start)
		case seen == 1 && start.Name.Local == "value":
			members[name], err = c.value(depth)
		default:
			return fmt.Errorf("unexpected <%s> in <member>", start.Name.Local)
		}
		seen++
		return err
	})
	if err == nil && seen != 2 {
		err = errors.New("<member> needs <name> and <value>")
	}
	return err
}

// dropUnderscores removes the digit-group underscores Python's int() and
// float() accept, which are only allowed between two digits.
func dropUnderscores(s string) (string, bool) {
	if !strings.Contains(s, "_") {
		return s, true
	}
	isDigit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	for i := range len(s) {
		if s[i] == '_' && !(isDigit(i-1) && isDigit(i+1)) {
			return "", false
		}
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// parsePyInt parses like Python's int(text) in base 10, within int range.
// (strings.TrimSpace strips what Python strips, apart from control
// characters XML cannot carry anyway.)
func parsePyInt(text string) (int, error) {
	s, ok := dropUnderscores(strings.TrimSpace(text))
	if !ok {
		return 0, fmt.Errorf("invalid integer %q", text)
	}
	n, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %q: %w", text, err)
	}
	return int(n), nil
}

// parsePyFloat parses like Python's float(text): decimal notation, inf,
// infinity and nan in any case, each with an optional sign, and values out
// of range rounded to infinity or zero. Go's hexadecimal form is refused.
func parsePyFloat(text string) (float64, error) {
	s, ok := dropUnderscores(strings.TrimSpace(text))
	neg := strings.HasPrefix(s, "-")
	if neg || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if !ok || s == "" || s[0] == '+' || s[0] == '-' || strings.ContainsAny(s, "xX") {
		return 0, fmt.Errorf("invalid double %q", text)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("invalid double %q", text)
	}
	if neg {
		f = -f
	}
	return f, nil
}

// iso8601Pattern is the regular expression Python's time.strptime builds for
// "%Y%m%dT%H:%M:%S", the only dateTime form 4.2.5 accepts.
var iso8601Pattern = regexp.MustCompile(`^(\d{4})(1[0-2]|0[1-9]|[1-9])(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])[Tt]` +
	`(2[0-3]|[01]\d|\d):([0-5]\d|\d):(6[01]|[0-5]\d|\d)$`)

// parseISO8601 reads a dateTime.iso8601 value as a UTC time; like Python's
// datetime it refuses year 0, days past the month's end and leap seconds.
func parseISO8601(text string) (time.Time, error) {
	m := iso8601Pattern.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, fmt.Errorf("invalid dateTime.iso8601 %q", text)
	}
	var f [6]int
	for i := range f {
		f[i], _ = strconv.Atoi(strings.TrimSpace(m[i+1]))
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	if f[0] == 0 || f[5] > 59 || t.Day() != f[2] {
		return time.Time{}, fmt.Errorf("invalid dateTime.iso8601 %q: out of range", text)
	}
	return t, nil
}

// decodePyBase64 decodes like Python's base64.decodebytes: characters outside
// the alphabet are skipped and the first complete padding ends the data.
// 4.2.5 then decodes the bytes as UTF-8, so invalid UTF-8 is refused.
func decodePyBase64(text string) ([]byte, error) {
	out := make([]byte, 0, len(text)*3/4)
	var acc uint32
	quad, pads := 0, 0
	for i := range len(text) {
		ch := text[i]
		if ch == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					quad = 0
					break
				}
			}
			continue
		}
		v := base64Value(ch)
		if v < 0 {
			continue
		}
		pads = 0
		acc = acc<<6 | uint32(v)
		quad++
		if quad > 1 {
			out = append(out, byte(acc>>(8-2*quad)))
		}
		if quad == 4 {
			quad, acc = 0, 0
		}
	}
	switch {
	case quad == 1:
		return nil, errors.New("invalid base64: one data character too many")
	case quad != 0:
		return nil, errors.New("invalid base64: incorrect padding")
	case !utf8.Valid(out):
		return nil, errors.New("base64 data is not UTF-8 text")
	}
	return out, nil
}

func base64Value(ch byte) int {
	switch {
	case ch >= 'A' && ch <= 'Z':
		return int(ch - 'A')
	case ch >= 'a' && ch <= 'z':
		return int(ch-'a') + 26
	case ch >= '0' && ch <= '9':
		return int(ch-'0') + 52
	case ch == '+':
		return 62
	case ch == '/':
		return 63
	}
	return -1
}

// cappedInt clamps n to the 32-bit range XML-RPC integers have, as 4.2.5
// does for the timestamps in process info (RPC-10); encodeResponse refuses
// integers outside it, like Python's marshaller.
func cappedInt(n int64) int {
	return int(min(max(n, math.MinInt32), math.MaxInt32))
}

const xmlrpcHeader = "<?xml version='1.0'?>\n"

var xmlrpcEncoders = sync.Pool{New: func() any { return new(xmlrpcEncoder) }}

// encodeResponse writes a methodResponse carrying v. On error nothing is
// written. Values are int and int64 (within the 32-bit range), bool, string,
// float64, []byte (base64), time.Time, Struct, map[string]any (members sorted
// by name), and slices and string-keyed maps of these. nil cannot be
// encoded: 4.2.5 never sends None, and Python's marshaller refuses it.
func encodeResponse(w io.Writer, v any) error {
	e := xmlrpcEncoders.Get().(*xmlrpcEncoder)
	defer e.release()
	e.buf = append(e.buf, xmlrpcHeader+"<methodResponse>\n<params>\n<param>\n"...)
	if err := e.value(v, 0); err != nil {
		return err
	}
	e.buf = append(e.buf, "</param>\n</params>\n</methodResponse>\n"...)
	_, err := w.Write(e.buf)
	return err
}

// encodeFault writes a methodResponse carrying a fault (RPC-05).
func encodeFault(w io.Writer, code int, text string) error {
	e := xmlrpcEncoders.Get().(*xmlrpcEncoder)
	defer e.release()
	e.buf = append(e.buf, xmlrpcHeader+"<methodResponse>\n<fault>\n"...)
	fault := Struct{{"faultCode", code}, {"faultString", text}}
	if err := e.value(fault, 0); err != nil {
		return err
	}
	e.buf = append(e.buf, "</fault>\n</methodResponse>\n"...)
	_, err := w.Write(e.buf)
	return err
}

// xmlrpcEncoder appends values to buf in the layout of Python's
// xmlrpc.client.Marshaller: one <value> per line, containers opening and
// closing on lines of their own.
type xmlrpcEncoder struct {
	buf []byte
}

// release returns e to the pool, unless a huge response (a long log read)
// grew its buffer: the pool must not pin that memory.
func (e *xmlrpcEncoder) release() {
	if cap(e.buf) > 16<<20 {
		return
	}
	e.buf = e.buf[:0]
	xmlrpcEncoders.Put(e)
}

// The common types are encoded without reflection or boxing; the rest go
// through reflected.
func (e *xmlrpcEncoder) value(v any, depth int) error {
	switch v := v.(type) {
	case string:
		e.str(v)
	case int:
		return e.int(int64(v))
	case int64:
		return e.int(v)
	case int32:
		return e.int(int64(v))
	case bool:
		e.bool(v)
	case float64:
		e.double(v)
	case []byte:
		e.base64(v)
	case time.Time:
		return e.dateTime(v)
	case Struct:
		return e.structValue(v, depth)
	case []Struct:
		return e.array(depth, len(v), func(i int) error { return e.structValue(v[i], depth+1) })
	case []any:
		return e.array(depth, len(v), func(i int) error { return e.value(v[i], depth+1) })
	case []string:
		return e.array(depth, len(v), func(i int) error { e.str(v[i]); return nil })
	case []int:
		return e.array(depth, len(v), func(i int) error { return e.int(int64(v[i])) })
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		return e.structOf(depth, len(keys), func(i int) (string, any) { return keys[i], v[keys[i]] })
	case nil:
		return errors.New("cannot marshal nil")
	default:
		return e.reflected(reflect.ValueOf(v), depth)
	}
	return nil
}

// reflected encodes the less common types: other slices and arrays, maps
// with string keys, and the remaining integer and float kinds.
func (e *xmlrpcEncoder) reflected(rv reflect.Value, depth int) error {
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return e.array(depth, rv.Len(), func(i int) error { return e.value(rv.Index(i).Interface(), depth+1) })
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		return e.structOf(depth, len(keys), func(i int) (string, any) {
			return keys[i].String(), rv.MapIndex(keys[i]).Interface()
		})
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > math.MaxInt32 {
			return fmt.Errorf("cannot marshal %d: exceeds the XML-RPC int range", rv.Uint())
		}
		return e.int(int64(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		e.double(rv.Float())
		return nil
	case reflect.String:
		e.str(rv.String())
		return nil
	case reflect.Bool:
		e.bool(rv.Bool())
		return nil
	}
	return fmt.Errorf("cannot marshal %s", rv.Type())
}

func checkEncodeDepth(depth int) error {
	if depth >= xmlrpcMaxDepth {
		return fmt.Errorf("cannot marshal arrays and structs nested deeper than %d", xmlrpcMaxDepth)
	}
	return nil
}

// array writes n items with item(i), which encodes at depth+1.
func (e *xmlrpcEncoder) array(depth, n int, item func(int) error) error {
	if err := checkEncodeDepth(depth); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><array><data>\n"...)
	for i := range n {
		if err := item(i); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, "</data></array></value>\n"...)
	return nil
}

func (e *xmlrpcEncoder) structValue(s Struct, depth int) error {
	if err := checkEncodeDepth(depth); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><struct>\n"...)
	for _, m := range s {
		if err := e.member(m.Name, m.Value, depth); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, "</struct></value>\n"...)
	return nil
}

func (e *xmlrpcEncoder) structOf(depth, n int, member func(int) (string, any)) error {
	if err := checkEncodeDepth(depth); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><struct>\n"...)
	for i := range n {
		name, v := member(i)
		if err := e.member(name, v, depth); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, "</struct></value>\n"...)
	return nil
}

func (e *xmlrpcEncoder) member(name string, v any, depth int) error {
	e.buf = append(e.buf, "<member>\n<name>"...)
	e.buf = appendXMLText(e.buf, name)
	e.buf = append(e.buf, "</name>\n"...)
	if err := e.value(v, depth+1); err != nil {
		return err
	}
	e.buf = append(e.buf, "</member>\n"...)
	return nil
}
func (e *xmlrpcEncoder) str(s string) {
	e.buf = append(e.buf, "<value><string>"...)
	e.buf = appendXMLText(e.buf, s)
	e.buf = append(e.buf, "</string></value>\n"...)
}

func (e *xmlrpcEncoder) int(n int64) error {
	if n < math.MinInt32 || n > math.MaxInt32 {
		return fmt.Errorf("cannot marshal %d: exceeds the XML-RPC int range", n)
	}
	e.buf = append(e.buf, "<value><int>"...)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.buf = append(e.buf, "</int></value>\n"...)
	return nil
}

func (e *xmlrpcEncoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, "<value><boolean>1</boolean></value>\n"...)
	} else {
		e.buf = append(e.buf, "<value><boolean>0</boolean></value>\n"...)
	}
}

func (e *xmlrpcEncoder) double(f float64) {
	e.buf = append(e.buf, "<value><double>"...)
	e.buf = appendPyFloat(e.buf, f)
	e.buf = append(e.buf, "</double></value>\n"...)
}

// base64 writes lines of 76 characters, each ending in a newline, as
// Python's base64.encodebytes does.
func (e *xmlrpcEncoder) base64(b []byte) {
	e.buf = append(e.buf, "<value><base64>\n"...)
	for len(b) > 0 {
		n := min(len(b), 57)
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b[:n])
		e.buf = append(e.buf, '\n')
		b = b[n:]
	}
	e.buf = append(e.buf, "</base64></value>\n"...)
}

// dateTime writes t's own wall clock, as Python formats a naive datetime,
// and like Python only for years 1 to 9999.
func (e *xmlrpcEncoder) dateTime(t time.Time) error {
	if t.Year() < 1 || t.Year() > 9999 {
		return fmt.Errorf("cannot marshal %v: year out of range", t)
	}
	e.buf = append(e.buf, "<value><dateTime.iso8601>"...)
	e.buf = t.AppendFormat(e.buf, "20060102T15:04:05")
	e.buf = append(e.buf, "</dateTime.iso8601></value>\n"...)
	return nil
}

// appendPyFloat formats f as Python's repr does: the shortest digits that
// round-trip, in fixed notation for exponents from -4 to 15 (always with a
// fractional part) and in exponent notation otherwise.
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	var tmp [32]byte
	sci := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	exp := 0
	digits := sci[bytes.IndexByte(sci, 'e')+2:]
	for _, d := range digits {
		exp = exp*10 + int(d-'0')
	}
	if sci[len(sci)-len(digits)-1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(b, sci...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, ".0"...)
	}
	return b
}

// appendXMLText escapes &, < and > as Python's xmlrpc.client does, and
// replaces what XML 1.0 cannot carry (control characters other than tab, LF
// and CR, U+FFFE, U+FFFF, invalid UTF-8) with U+FFFD so that every response
// parses. CR stays raw like in Python, so clients read it as LF.
func appendXMLText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		width := 1
		var repl string
		switch {
		case c == '&':
			repl = "&amp;"
		case c == '<':
			repl = "&lt;"
		case c == '>':
			repl = "&gt;"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			repl = "\uFFFD"
		case c >= utf8.RuneSelf:
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && width == 1 || r == 0xFFFE || r == 0xFFFF {
				repl = "\uFFFD"
			}
		}
		if repl != "" {
			b = append(b, s[last:i]...)
			b = append(b, repl...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}
