package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kolo/xmlrpc"
)

// Bodies written by Python's xmlrpc.client.dumps (supervisorctl's encoder),
// captured with /usr/bin/python3.
const (
	pyCallNoParams = `<?xml version='1.0'?>
<methodCall>
<methodName>supervisor.getAllProcessInfo</methodName>
<params>
</params>
</methodCall>
`
	pyCallStartGroup = `<?xml version='1.0'?>
<methodCall>
<methodName>supervisor.startProcessGroup</methodName>
<params>
<param>
<value><string>web:*</string></value>
</param>
<param>
<value><boolean>1</boolean></value>
</param>
</params>
</methodCall>
`
	// dumps(..., allow_none=True): Python's client never sends None to
	// Supervisor, but 4.2.5 reads <nil/> as None.
	pyCallAllTypes = `<?xml version='1.0'?>
<methodCall>
<methodName>system.multicall</methodName>
<params>
<param>
<value><int>7</int></value>
</param>
<param>
<value><int>-3</int></value>
</param>
<param>
<value><boolean>1</boolean></value>
</param>
<param>
<value><boolean>0</boolean></value>
</param>
<param>
<value><string>a&lt;&amp;&gt;é</string></value>
</param>
<param>
<value><string></string></value>
</param>
<param>
<value><double>2.5</double></value>
</param>
<param>
<value><base64>
aGkA
</base64></value>
</param>
<param>
<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>
</param>
<param>
<value><nil/></value></param>
<param>
<value><array><data>
<value><int>1</int></value>
<value><array><data>
<value><string>x</string></value>
<value><struct>
</struct></value>
</data></array></value>
</data></array></value>
</param>
<param>
<value><struct>
<member>
<name>methodName</name>
<value><string>supervisor.getState</string></value>
</member>
<member>
<name>params</name>
<value><array><data>
</data></array></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
`
)

// RPC-04: the bodies supervisorctl (Python's xmlrpc.client) sends.
func TestDecodeCallPythonClient(t *testing.T) {
	tests := []struct {
		body   string
		method string
		params []any
	}{
		{pyCallNoParams, "supervisor.getAllProcessInfo", []any{}},
		{pyCallStartGroup, "supervisor.startProcessGroup", []any{"web:*", true}},
		{pyCallAllTypes, "system.multicall", []any{
			7, -3, true, false, "a<&>é", "", 2.5, []byte("hi\x00"),
			time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), nil,
			[]any{1, []any{"x", map[string]any{}}},
			map[string]any{"methodName": "supervisor.getState", "params": []any{}},
		}},
	}
	for _, tt := range tests {
		method, params, err := decodeCall([]byte(tt.body))
		if err != nil {
			t.Fatalf("decodeCall(%s): %v", tt.method, err)
		}
		if method != tt.method || !reflect.DeepEqual(params, tt.params) {
			t.Errorf("decodeCall = %q %#v, want %q %#v", method, params, tt.method, tt.params)
		}
	}
}

// kolo/xmlrpc is our supervisorctl's client; it writes <i4> for unsigned
// ints, escapes newlines as character references and sends no declaration
// Python would write.
func TestDecodeCallKoloClient(t *testing.T) {
	when := time.Date(2023, 11, 23, 19, 4, 0, 0, time.UTC)
	body, err := xmlrpc.EncodeMethodCall("supervisor.readLog", 0, uint(100), "line\nnext & <more>", true, 1.5, when,
		[]any{"a", 2}, map[string]any{"k": []string{"v"}})
	if err != nil {
		t.Fatal(err)
	}
	method, params, err := decodeCall(body)
	if err != nil {
		t.Fatalf("decodeCall(%s): %v", body, err)
	}
	want := []any{0, 100, "line\nnext & <more>", true, 1.5, when, []any{"a", 2}, map[string]any{"k": []any{"v"}}}
	if method != "supervisor.readLog" || !reflect.DeepEqual(params, want) {
		t.Errorf("decodeCall(%s) = %q %#v, want %#v", body, method, params, want)
	}

	body, err = xmlrpc.EncodeMethodCall("supervisor.getState")
	if err != nil {
		t.Fatal(err)
	}
	method, params, err = decodeCall(body)
	if err != nil || method != "supervisor.getState" || len(params) != 0 {
		t.Errorf("decodeCall(%s) = %q %#v %v, want no params", body, method, params, err)
	}
}

// xmlrpcCall wraps param values (XML fragments) into a methodCall body.
func xmlrpcCall(values ...string) []byte {
	var b strings.Builder
	b.WriteString("<methodCall><methodName>m</methodName><params>")
	for _, v := range values {
		fmt.Fprintf(&b, "<param>%s</param>", v)
	}
	b.WriteString("</params></methodCall>")
	return []byte(b.String())
}

// Expectations checked against supervisor_xmlrpc_handler.loads of 4.2.5
// (RPC-04), except where noted.
func TestDecodeCallValues(t *testing.T) {
	tests := []struct {
		value string
		want  any
	}{
		{"<value><int>42</int></value>", 42},
		{"<value><i4>-7</i4></value>", -7},
		{"<value><i8>5000000000</i8></value>", 5000000000}, // 4.2.5: the string "5000000000"
		{"<value><int>\t-0012\n</int></value>", -12},
		{"<value><int>+1_000</int></value>", 1000},
		{"<value><boolean>1</boolean></value>", true},
		{"<value><boolean>0</boolean></value>", false},
		{"<value><boolean>true</boolean></value>", false},
		{"<value><boolean/></value>", false},
		{"<value><string>s</string></value>", "s"},
		{"<value><string></string></value>", ""},
		{"<value><string/></value>", ""},
		{"<value>untyped</value>", "untyped"},
		{"<value>  spaced\n </value>", "  spaced\n "},
		{"<value></value>", ""},
		{"<value/>", ""},
		{"<value>a<!--c-->b<?pi x?>c</value>", "abc"},
		{"<value><![CDATA[<x>]]>&amp;&#65;&#x42;&lt;&gt;&quot;&apos;</value>", "<x>&AB<>\"'"},
		{"<value>a\r\nb\rc</value>", "a\nb\nc"},
		{"<value><string>a&#13;b</string></value>", "a\rb"},
		{"<value> <int>1</int> junk</value>", 1},
		{"<value><double>2.5</double></value>", 2.5},
		{"<value><double> +1E5 </double></value>", 1e5},
		{"<value><double>1_0.5</double></value>", 10.5},
		{"<value><double>.5</double></value>", 0.5},
		{"<value><double>1.</double></value>", 1.0},
		{"<value><double>-Infinity</double></value>", math.Inf(-1)},
		{"<value><double>1e400</double></value>", math.Inf(1)},
		{"<value><double>1e-400</double></value>", 0.0},
		{"<value><base64>aGk=</base64></value>", []byte("hi")},
		{"<value><base64>\naG\nk=\n</base64></value>", []byte("hi")},
		{"<value><base64>a G k= !!</base64></value>", []byte("hi")},
		{"<value><base64>aGk=junk</base64></value>", []byte("hi")},
		{"<value><base64>aG=k=</base64></value>", []byte("hi")},
		{"<value><base64>=aGk=</base64></value>", []byte("hi")},
		{"<value><base64></base64></value>", []byte{}},
		{"<value><base64/></value>", []byte{}},
		{"<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"<value><dateTime.iso8601>2023111t1:2:3</dateTime.iso8601></value>", time.Date(2023, 11, 1, 1, 2, 3, 0, time.UTC)},
		{"<value><dateTime.iso8601>202301 1T1:2:3</dateTime.iso8601></value>", time.Date(2023, 1, 1, 1, 2, 3, 0, time.UTC)},
		{"<value><nil/></value>", nil},
		{"<value><ex:nil xmlns:ex='http://ws.apache.org/xmlrpc/namespaces/extensions'/></value>", nil},
		{"<value><foo>bar</foo></value>", "bar"},
		{"<value><foo></foo></value>", nil},
		{"<value><array><data/></array></value>", []any{}},
		{"<value><array><data>\n<value>1</value> <value><int>2</int></value></data></array></value>", []any{"1", 2}},
		{"<value><struct/></value>", map[string]any{}},
		{"<value><struct><member><name>a</name><value>1</value></member>" +
			"<member><name>a</name><value>2</value></member>" +
			"<member><name/><value/></member></struct></value>", map[string]any{"a": "2", "": ""}},
		{"<value><struct>\n<member>\n<name> k </name>\n<value><array><data><value><struct><member><name>x</name>" +
			"<value><boolean>1</boolean></value></member></struct></value></data></array></value>\n</member>\n</struct></value>",
			map[string]any{" k ": []any{map[string]any{"x": true}}}},
	}
	for _, tt := range tests {
		_, params, err := decodeCall(xmlrpcCall(tt.value))
		if err != nil {
			t.Errorf("decodeCall(%s): %v", tt.value, err)
			continue
		}
		if len(params) != 1 || !reflect.DeepEqual(params[0], tt.want) {
			t.Errorf("decodeCall(%s) = %#v, want [%#v]", tt.value, params, tt.want)
		}
	}
}

// RPC-01: the method name is taken as written (a blank name is a name;
// 4.2.5 then faults UNKNOWN_METHOD), the last <methodName> wins, <params>
// may be omitted, and the declared encoding does not matter.
func TestDecodeCallMethodName(t *testing.T) {
	tests := []struct {
		body   string
		method string
		params int
	}{
		{"<methodCall><methodName>a.b</methodName></methodCall>", "a.b", 0},
		{"<?xml version='1.0' encoding='ISO-8859-1'?>\n<methodCall><methodName>é</methodName></methodCall>\n", "é", 0},
		{"\uFEFF <methodCall><methodName>a</methodName><params/></methodCall>", "a", 0},
		{"<methodCall><methodName> </methodName></methodCall>", " ", 0},
		{"<methodCall><methodName>a&amp;b</methodName></methodCall>", "a&b", 0},
		{"<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>", "b", 0},
		{"<methodCall><params><param><value>1</value></param></params><methodName>a</methodName><!-- c --></methodCall>", "a", 1},
		{"<methodCall><extra><int>x</int></extra><methodName>a</methodName></methodCall><?pi?> ", "a", 0},
	}
	for _, tt := range tests {
		method, params, err := decodeCall([]byte(tt.body))
		if err != nil || method != tt.method || len(params) != tt.params {
			t.Errorf("decodeCall(%q) = %q, %d params, %v; want %q, %d params", tt.body, method, len(params), err, tt.method, tt.params)
		}
	}
}

// RPC-01: 4.2.5 answers HTTP 400 to both kinds of bad body and logs the
// reason. Lines marked "4.2.5 accepts it" are where its loose element walk
// reads a value out of a malformed body and we refuse it (checked with
// supervisor_xmlrpc_handler.loads).
func TestDecodeCallErrors(t *testing.T) {
	tests := []struct {
		body   string
		reason string
	}{
		{"<methodCall><methodName></methodName></methodCall>", reasonNoMethodName},
		{"<methodCall/>", reasonNoMethodName},
		{"<methodCall><params/></methodCall>", reasonNoMethodName},
		{"", reasonUnmarshallable},
		{"garbage", reasonUnmarshallable},
		{"<methodCall><methodName>a</methodName>", reasonUnmarshallable},
		{"<methodCall><methodName>a</methodName></methodCall>junk", reasonUnmarshallable},
		{"<methodCall><methodName>a</methodName></methodCall><methodCall/>", reasonUnmarshallable},
		{"<methodCall><methodName>a</methodName></wrong>", reasonUnmarshallable},
		{" <?xml version='1.0'?><methodCall><methodName>a</methodName></methodCall>", reasonUnmarshallable},
		{"<!DOCTYPE x [<!ENTITY e 'hi'>]><methodCall><methodName>&e;</methodName></methodCall>", reasonUnmarshallable}, // 4.2.5 accepts it
		{"<methodCall><methodName>&e;</methodName></methodCall>", reasonUnmarshallable},
		{"<methodCall><methodName>a\xff</methodName></methodCall>", reasonUnmarshallable},
		{"<methodCall><methodName>a&#1;</methodName></methodCall>", reasonUnmarshallable},
		{"<methodResponse><methodName>a</methodName></methodResponse>", reasonUnmarshallable}, // 4.2.5 accepts it
		{"<methodCall><methodName>a<b/></methodName></methodCall>", reasonUnmarshallable},     // 4.2.5 accepts it
		{string(xmlrpcCall("")), reasonUnmarshallable},
		{string(xmlrpcCall("<value>1</value><value>2</value>")), reasonUnmarshallable},        // 4.2.5 accepts it
		{string(xmlrpcCall("<value><int>1</int><int>2</int></value>")), reasonUnmarshallable}, // 4.2.5 accepts it
		{string(xmlrpcCall("<value><int></int></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><int>1__0</int></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><int>_1</int></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><int>0x10</int></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><int>99999999999999999999</int></value>")), reasonUnmarshallable}, // 4.2.5 accepts it
		{string(xmlrpcCall("<value><int>1<b/></int></value>")), reasonUnmarshallable},                // 4.2.5 accepts it
		{string(xmlrpcCall("<value><double></double></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><double>0x10</double></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><double>1_.5</double></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><double>+-1</double></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><double>inf_</double></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><base64>aGk</base64></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><base64>a===</base64></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><base64>/w==</base64></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601></dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601>20230229T00:00:00</dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601>20230228T00:00:60</dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601>00000101T00:00:00</dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601>2023-02-28T00:00:00</dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><dateTime.iso8601>20230228T00:00:00Z</dateTime.iso8601></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><array></array></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><array><data><int>1</int></data></array></value>")), reasonUnmarshallable},                         // 4.2.5 accepts it
		{string(xmlrpcCall("<value><struct><member><value>1</value><name>a</name></member></struct></value>")), reasonUnmarshallable}, // 4.2.5 accepts it
		{string(xmlrpcCall("<value><struct><member><name>a</name></member></struct></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><struct><value>1</value></struct></value>")), reasonUnmarshallable},
		{string(xmlrpcCall("<value><foo><bar/></foo></value>")), reasonUnmarshallable},                                 // 4.2.5 accepts it
		{"<methodCall><methodName>m</methodName><params><value>1</value></params></methodCall>", reasonUnmarshallable}, // 4.2.5 accepts it
	}
	for _, tt := range tests {
		_, _, err := decodeCall([]byte(tt.body))
		var de *decodeError
		if !errors.As(err, &de) || de.Reason != tt.reason {
			t.Errorf("decodeCall(%q) error = %v, want reason %q", tt.body, err, tt.reason)
		}
	}
}

func xmlrpcNested(open, close string, n int) string {
	return strings.Repeat(open, n) + "<value>x</value>" + strings.Repeat(close, n)
}

// xmlrpcMaxDepth nested arrays or structs decode; one more is refused.
func TestDecodeCallDepthLimit(t *testing.T) {
	kinds := []struct{ open, close string }{
		{"<value><array><data>", "</data></array></value>"},
		{"<value><struct><member><name>n</name>", "</member></struct></value>"},
	}
	for _, k := range kinds {
		if _, _, err := decodeCall(xmlrpcCall(xmlrpcNested(k.open, k.close, xmlrpcMaxDepth))); err != nil {
			t.Errorf("%d nested %s: %v", xmlrpcMaxDepth, k.open, err)
		}
		if _, _, err := decodeCall(xmlrpcCall(xmlrpcNested(k.open, k.close, xmlrpcMaxDepth+1))); err == nil {
			t.Errorf("%d nested %s: no error", xmlrpcMaxDepth+1, k.open)
		}
	}
	// Elements we skip are not depth-limited by us, but must not take
	// more than linear time or recurse.
	deep := "<methodCall><methodName>m</methodName><x>" + strings.Repeat("<x>", 100000) +
		strings.Repeat("</x>", 100000) + "</x></methodCall>"
	if method, _, err := decodeCall([]byte(deep)); err != nil || method != "m" {
		t.Errorf("deep unknown element: %q %v", method, err)
	}
}

// Text split into many tokens (CDATA sections, comments) must be joined in
// linear time: measured as bytes allocated, which quadratic joining would
// multiply by thousands.
func TestDecodeCallLinearText(t *testing.T) {
	const pieces = 20000
	body := []byte("<methodCall><methodName>" + strings.Repeat("<![CDATA[a]]>", pieces) + "</methodName>" +
		"<params><param><value>" + strings.Repeat("b<!---->", pieces) + "</value></param></params></methodCall>")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	method, params, err := decodeCall(body)
	runtime.ReadMemStats(&after)
	if err != nil || len(method) != pieces || len(params) != 1 || len(params[0].(string)) != pieces {
		t.Fatalf("decodeCall: method of %d bytes, %d params, %v", len(method), len(params), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100*uint64(len(body)) {
		t.Errorf("decoding %d bytes allocated %d bytes", len(body), alloc)
	}
}

func TestDecodeErrorText(t *testing.T) {
	_, _, err := decodeCall([]byte("<methodCall/>"))
	if err == nil || err.Error() != "no method name" {
		t.Errorf("error = %v, want %q", err, "no method name")
	}
	_, _, err = decodeCall([]byte(xmlrpcCall("<value><int>x</int></value>")))
	if err == nil || !strings.HasPrefix(err.Error(), "unmarshallable: ") || errors.Unwrap(err) == nil {
		t.Errorf("error = %v, want unmarshallable with a cause", err)
	}
}

const (
	pyResponsePrefix = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
	pyResponseSuffix = "</param>\n</params>\n</methodResponse>\n"
)

// The value part of supervisor.xmlrpc.xmlrpc_marshal(value) from 4.2.5
// under /usr/bin/python3, each wrapped in pyResponsePrefix/Suffix.
var pyResponseGolden = []struct {
	name string
	body string
}{
	{"int", `<value><int>42</int></value>
`},
	{"intMin", `<value><int>-2147483648</int></value>
`},
	{"intMax", `<value><int>2147483647</int></value>
`},
	{"true", `<value><boolean>1</boolean></value>
`},
	{"false", `<value><boolean>0</boolean></value>
`},
	{"string", "<value><string>a &amp; b &lt; c &gt; d \"q\" 'q' é ☃ 😀\ttab\nline\r\n]]&gt;\u007f</string></value>\n"},
	{"emptyString", `<value><string></string></value>
`},
	{"double", `<value><double>0.1</double></value>
`},
	{"doubleWhole", `<value><double>1.0</double></value>
`},
	{"doubleNegZero", `<value><double>-0.0</double></value>
`},
	{"doubleBig", `<value><double>1e+16</double></value>
`},
	{"doubleSmall", `<value><double>1.5e-07</double></value>
`},
	{"doubleNaN", `<value><double>nan</double></value>
`},
	{"doubleInf", `<value><double>-inf</double></value>
`},
	{"base64Empty", `<value><base64>
</base64></value>
`},
	{"base64Lines", `<value><base64>
AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4
OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiYw==
</base64></value>
`},
	{"base64Exact57", `<value><base64>
eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4
</base64></value>
`},
	{"dateTime", `<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>
`},
	{"dateTimeYear5", `<value><dateTime.iso8601>00050607T08:09:10</dateTime.iso8601></value>
`},
	{"array", `<value><array><data>
<value><int>1</int></value>
<value><string>two</string></value>
<value><array><data>
<value><double>3.5</double></value>
<value><boolean>0</boolean></value>
</data></array></value>
<value><array><data>
</data></array></value>
</data></array></value>
`},
	{"emptyStruct", `<value><struct>
</struct></value>
`},
	{"nestedStruct", `<value><struct>
<member>
<name>name</name>
<value><string>x</string></value>
</member>
<member>
<name>group</name>
<value><string>g</string></value>
</member>
<member>
<name>nested</name>
<value><struct>
<member>
<name>z</name>
<value><int>1</int></value>
</member>
<member>
<name>a</name>
<value><array><data>
<value><int>1</int></value>
<value><int>2</int></value>
</data></array></value>
</member>
</struct></value>
</member>
<member>
<name>list</name>
<value><array><data>
</data></array></value>
</member>
<member>
<name>esc&lt;&amp;&gt;</name>
<value><string>v</string></value>
</member>
</struct></value>
`},
}

// RPC-01: responses equal 4.2.5's byte for byte.
func TestEncodeResponseGolden(t *testing.T) {
	values := map[string]any{
		"int":           42,
		"intMin":        int64(math.MinInt32),
		"intMax":        int32(math.MaxInt32),
		"true":          true,
		"false":         false,
		"string":        "a & b < c > d \"q\" 'q' é ☃ 😀\ttab\nline\r\n]]>\x7f",
		"emptyString":   "",
		"double":        0.1,
		"doubleWhole":   1.0,
		"doubleNegZero": math.Copysign(0, -1),
		"doubleBig":     1e16,
		"doubleSmall":   1.5e-7,
		"doubleNaN":     math.NaN(),
		"doubleInf":     math.Inf(-1),
		"base64Empty":   []byte{},
		"base64Lines": func() []byte {
			b := make([]byte, 100)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(),
		"base64Exact57": bytes.Repeat([]byte("x"), 57),
		"dateTime":      time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC),
		"dateTimeYear5": time.Date(5, 6, 7, 8, 9, 10, 0, time.FixedZone("X", 3600)),
		"array":         []any{1, "two", []any{3.5, false}, []int{}},
		"emptyStruct":   map[string]any{},
		"nestedStruct": Struct{
			{"name", "x"}, {"group", "g"},
			{"nested", Struct{{"z", 1}, {"a", []int{1, 2}}}},
			{"list", []string{}}, {"esc<&>", "v"},
		},
	}
	for _, g := range pyResponseGolden {
		v, ok := values[g.name]
		if !ok {
			t.Fatalf("no value for golden %q", g.name)
		}
		var buf bytes.Buffer
		if err := encodeResponse(&buf, v); err != nil {
			t.Errorf("%s: %v", g.name, err)
			continue
		}
		if want := pyResponsePrefix + g.body + pyResponseSuffix; buf.String() != want {
			t.Errorf("%s:\n got %q\nwant %q", g.name, buf.String(), want)
		}
	}
}

// RPC-05: the fault wire format.
func TestEncodeFaultGolden(t *testing.T) {
	tests := []struct {
		code int
		text string
		want string
	}{
		{10, "BAD_NAME: nosuch", `<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>10</int></value>
</member>
<member>
<name>faultString</name>
<value><string>BAD_NAME: nosuch</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
`},
		{2, "INCORRECT_PARAMETERS: <5> & more", `<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>2</int></value>
</member>
<member>
<name>faultString</name>
<value><string>INCORRECT_PARAMETERS: &lt;5&gt; &amp; more</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := encodeFault(&buf, tt.code, tt.text); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("encodeFault(%d, %q):\n got %q\nwant %q", tt.code, tt.text, buf.String(), tt.want)
		}
		if err := xmlrpc.Response(buf.Bytes()).Err(); !reflect.DeepEqual(err, xmlrpc.FaultError{Code: tt.code, String: tt.text}) {
			t.Errorf("kolo reads fault %d as %#v", tt.code, err)
		}
	}
}

// Our value formatting must agree with the golden map/Struct cases for
// every container type we accept.
func TestEncodeResponseContainers(t *testing.T) {
	want := func(v any) string {
		var buf bytes.Buffer
		if err := encodeResponse(&buf, v); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	same := []struct{ a, b any }{
		{map[string]any{"b": 1, "a": "x"}, Struct{{"a", "x"}, {"b", 1}}},
		{map[string]string{"b": "y", "a": "x"}, Struct{{"a", "x"}, {"b", "y"}}},
		{[]string{"a", "b"}, []any{"a", "b"}},
		{[]int{1, 2}, []any{1, 2}},
		{[]int64{1, 2}, []any{1, 2}},
		{[...]uint8{1, 2}, []any{1, 2}},
		{[]bool{true}, []any{true}},
		{[]float32{0.5}, []any{0.5}},
		{[]Struct{{{"a", 1}}}, []any{Struct{{"a", 1}}}},
		{[]map[string]any{{"a": 1}}, []any{Struct{{"a", 1}}}},
		{[][]any{{1}}, []any{[]any{1}}},
		{[]any(nil), []any{}},
		{Struct(nil), Struct{}},
		{uint32(7), 7},
		{int16(-7), 7 - 14},
	}
	for _, s := range same {
		if got, w := want(s.a), want(s.b); got != w {
			t.Errorf("%#v encodes as\n%s\nwant as %#v:\n%s", s.a, got, s.b, w)
		}
	}
}

// Python's marshaller refuses None and ints beyond 32 bits (4.2.5 then
// answers 500); we refuse them too, and write nothing.
func TestEncodeResponseErrors(t *testing.T) {
	loop := []any{nil}
	loop[0] = loop
	tests := []any{
		nil,
		[]any{1, nil},
		Struct{{"pid", nil}},
		int64(math.MaxInt32) + 1,
		math.MinInt32 - 1,
		uint64(math.MaxUint64),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Time{}.Add(-time.Hour),
		struct{ A int }{1},
		map[int]string{1: "a"},
		&[]int{1},
		loop,
		func() any {
			var v any = 1
			for range xmlrpcMaxDepth + 1 {
				v = []any{v}
			}
			return v
		}(),
	}
	for _, v := range tests {
		var buf bytes.Buffer
		if err := encodeResponse(&buf, v); err == nil || buf.Len() != 0 {
			t.Errorf("encodeResponse(%T) = %v with %d bytes written, want an error and nothing written", v, err, buf.Len())
		}
	}
	var v any = 1
	for range xmlrpcMaxDepth {
		v = Struct{{"n", v}}
	}
	if err := encodeResponse(io.Discard, v); err != nil {
		t.Errorf("%d nested structs: %v", xmlrpcMaxDepth, err)
	}
}

// Where 4.2.5 would send XML its own client cannot parse, we send U+FFFD.
func TestEncodeResponseInvalidXMLCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\x00b\x1bc\x7fd", "a\uFFFDb\uFFFDc\x7fd"},
		{"tab\tlf\ncr\r", "tab\tlf\ncr\r"},
		{"bad\xffutf8\xe2\x82", "bad\uFFFDutf8\uFFFD\uFFFD"},
		{"\uFFFE\uFFFF\uFFFD\U0010FFFF", "\uFFFD\uFFFD\uFFFD\U0010FFFF"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := encodeResponse(&buf, Struct{{tt.in, tt.in}}); err != nil {
			t.Fatal(err)
		}
		want := "<name>" + tt.want + "</name>\n<value><string>" + tt.want + "</string></value>"
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%q encodes as %q, want it to contain %q", tt.in, buf.String(), want)
		}
		// A client still parses it, CR read as LF as from 4.2.5.
		var got map[string]string
		if err := xmlrpc.Response(buf.Bytes()).Unmarshal(&got); err != nil {
			t.Errorf("kolo cannot parse %q: %v", buf.String(), err)
		}
	}
}

// Python's repr for floats, for random bit patterns and decimals, from
// /usr/bin/python3.
var pyReprGolden = []struct {
	bits uint64
	repr string
}{
	{0x3f1a36e2eb1c432d, "0.0001"},
	{0x3ee4f8b588e368f1, "1e-05"},
	{0x3f202e4b6ce5dc68, "0.00012345"},
	{0x3f1a36e2eb1c432c, "9.999999999999999e-05"},
	{0x430c6bf526340000, "1000000000000000.0"},
	{0x4341c37937e07fff, "9999999999999998.0"},
	{0x4341c37937e08000, "1e+16"},
	{0x43118b54f22aeb00, "1234567890123456.0"},
	{0x4345ee2a2eb5a5c4, "1.2345678901234568e+16"},
	{0x0000000000000001, "5e-324"},
	{0x0010000000000000, "2.2250738585072014e-308"},
	{0x7fefffffffffffff, "1.7976931348623157e+308"},
	{0x405edd2f1a9fbe77, "123.456"},
	{0x3fd5555555555555, "0.3333333333333333"},
	{0x3fe5555555555555, "0.6666666666666666"},
	{0x4059000000000000, "100.0"},
	{0x444b1ae4d6e2ef50, "1e+21"},
	{0x4480f0cf064dd592, "1e+22"},
	{0x3fe0000000000000, "0.5"},
	{0x3eff75104d551d69, "3e-05"},
	{0xc045200000000000, "-42.25"},
	{0xf2a74de452e6b438, "-1.989032661366619e+244"},
	{0x6513270e269e0d37, "7.761117632285041e+178"},
	{0x0c5c7fd0a6a3a450, "3.980498358697587e-249"},
	{0xd23f0824128b2f33, "-1.5432835417340557e+88"},
	{0x1818e811892f902b, "1.3647584518757569e-192"},
	{0x9531985d5d9dc9f8, "-1.3701135617873088e-206"},
	{0xe8e25d940ed90475, "-1.7160537630466207e+197"},
	{0x36f675cc81e74ef5, "6.294675241195386e-44"},
	{0x1600a35a099950d8, "1.0613447212142254e-202"},
	{0x6b0d549b6f03675a, "4.708325160387546e+207"},
	{0x3d9c172411e20b8f, "6.387016158513563e-12"},
	{0x8d116ece1738f7d9, "-9.973130378568733e-246"},
	{0x0f21ddb66cad4a26, "8.779753225680271e-236"},
	{0x90c192cfd3ac94af, "-5.795503248498993e-228"},
	{0xf28c105d1fb17c23, "-5.988180159386011e+243"},
	{0xa170b33839263059, "-1.306052388527796e-147"},
	{0x953f48f1a09f76b5, "-2.436117699484841e-206"},
	{0x0fd630f1f29d0da9, "2.233386999150174e-232"},
	{0x95e60af593bd04cf, "-3.51527970626667e-203"},
	{0x0cb1e29c658cda14, "1.5987381841032883e-247"},
	{0x3898d190f9ebdacc, "4.6678633181812096e-36"},
	{0x8e81973e0becd7b0, "-8.441872792105456e-239"},
	{0x2217beaddbc496cb, "1.9015657400796622e-144"},
	{0x6b4cb2424a23d596, "7.370437700706684e+208"},
	{0x8a6a63ec24ede6a4, "-1.7163996725272777e-258"},
	{0x922766581e27a1c0, "-3.2367190832119987e-221"},
	{0x8f6d05584ef8aa38, "-2.2818334634712625e-234"},
	{0xae97ba94d0eda82f, "-3.0536383926309363e-84"},
	{0x1a61dbe22e44158b, "1.3449551894627777e-181"},
	{0x923a736994e3bf91, "-7.317495976062606e-221"},
	{0x40715ccccccccccd, "277.8"},
	{0x3e798059ac99a685, "9.5e-08"},
	{0xbf8209edbf8b9baa, "-0.008808"},
	{0x40e19dffd40fa030, "36079.99463635718"},
	{0xc1ebb1b90a0eda7a, "-3717056592.4641695"},
	{0xbf9c59122b8643ff, "-0.027683528811"},
	{0xc336c10246ba30f0, "-6404665008337136.0"},
	{0xc020b9cdfffda6b4, "-8.36289978"},
	{0xbfef415b43e3fe99, "-0.97672808895"},
	{0xc2030f8d45d33333, "-10233161914.4"},
	{0xc0f2a62d70a3d70a, "-76386.84"},
	{0x3f0af2ca8d576bf8, "5.14e-05"},
	{0xc276c9ed5d88119a, "-1566032910465.1"},
	{0x41f3b649eec419a7, "5291417324.256263"},
	{0x4052c61da7b0b392, "75.09556"},
	{0x4222303451cd76b6, "39059073254.73186"},
	{0x4103817333333333, "159790.4"},
	{0x3fe5c2084dac5b3d, "0.6799356"},
	{0x0000000000000000, "0.0"},
	{0x40127e24a703837b, "4.6231866928"},
	{0x4276af725dad25cc, "1558924614354.3623"},
	{0xc0b0d416e02c6e26, "-4308.089358117"},
	{0xc112ad15f458cd21, "-305989.48862"},
	{0xbedbaeb22f9294c3, "-6.6e-06"},
	{0xc33f5692874f6d60, "-8820911613373792.0"},
	{0xbfb2fa5093964a5a, "-0.074132"},
	{0xc3be447d5833e5db, "-2.1810059373354586e+18"},
	{0xc129996acb923a2a, "-838837.3976"},
	{0x43e1272562b472ca, "9.88798182880748e+18"},
	{0x43d6278c9abeb7eb, "6.385596756714827e+18"},
}

func TestEncodePythonFloatRepr(t *testing.T) {
	for _, g := range pyReprGolden {
		f := math.Float64frombits(g.bits)
		if got := string(appendPyFloat(nil, f)); got != g.repr {
			t.Errorf("appendPyFloat(%v) = %q, want %q", f, got, g.repr)
		}
	}
}

// The RPC-10 process info struct, as getAllProcessInfo returns it.
func sampleProcessInfo(i int) Struct {
	name := fmt.Sprintf("worker_%03d", i)
	return Struct{
		{"name", name}, {"group", "workers"},
		{"start", 1795460659}, {"stop", 0}, {"now", 1795460673},
		{"state", 20}, {"statename", "RUNNING"}, {"spawnerr", ""}, {"exitstatus", 0},
		{"logfile", "/var/log/supervisor/" + name + "-stdout---supervisor-mwpb3jve.log"},
		{"stdout_logfile", "/var/log/supervisor/" + name + "-stdout---supervisor-mwpb3jve.log"},
		{"stderr_logfile", "/var/log/supervisor/" + name + "-stderr---supervisor-kbbhlv4a.log"},
		{"pid", 8444 + i}, {"description", fmt.Sprintf("pid %d, uptime 0:00:14", 8444+i)},
	}
}

// Our responses read back through kolo/xmlrpc, the client supervisorctl uses.
func TestEncodeResponseKoloRoundTrip(t *testing.T) {
	type procInfo struct {
		Name          string `xmlrpc:"name"`
		Group         string `xmlrpc:"group"`
		Start         int    `xmlrpc:"start"`
		Stop          int    `xmlrpc:"stop"`
		Now           int    `xmlrpc:"now"`
		State         int    `xmlrpc:"state"`
		StateName     string `xmlrpc:"statename"`
		SpawnErr      string `xmlrpc:"spawnerr"`
		ExitStatus    int    `xmlrpc:"exitstatus"`
		Logfile       string `xmlrpc:"logfile"`
		StdoutLogfile string `xmlrpc:"stdout_logfile"`
		StderrLogfile string `xmlrpc:"stderr_logfile"`
		PID           int    `xmlrpc:"pid"`
		Description   string `xmlrpc:"description"`
	}
	var buf bytes.Buffer
	if err := encodeResponse(&buf, []Struct{sampleProcessInfo(0), sampleProcessInfo(1)}); err != nil {
		t.Fatal(err)
	}
	var infos []procInfo
	if err := xmlrpc.Response(buf.Bytes()).Unmarshal(&infos); err != nil {
		t.Fatal(err)
	}
	want := procInfo{"worker_001", "workers", 1795460659, 0, 1795460673, 20, "RUNNING", "", 0,
		"/var/log/supervisor/worker_001-stdout---supervisor-mwpb3jve.log",
		"/var/log/supervisor/worker_001-stdout---supervisor-mwpb3jve.log",
		"/var/log/supervisor/worker_001-stderr---supervisor-kbbhlv4a.log", 8445, "pid 8445, uptime 0:00:14"}
	if len(infos) != 2 || infos[1] != want {
		t.Errorf("kolo read %+v, want [_, %+v]", infos, want)
	}

	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	buf.Reset()
	if err := encodeResponse(&buf, []any{"s & <t>", 7, true, 2.5, when, []string{"x"}, map[string]any{"k": false}}); err != nil {
		t.Fatal(err)
	}
	var got []any
	if err := xmlrpc.Response(buf.Bytes()).Unmarshal(&got); err != nil {
		t.Fatal(err)
	}
	wantAny := []any{"s & <t>", int64(7), true, 2.5, when, []any{"x"}, map[string]any{"k": false}}
	if !reflect.DeepEqual(got, wantAny) {
		t.Errorf("kolo read %#v, want %#v", got, wantAny)
	}
}

// RPC-04, RPC-10: timestamps are capped to the XML-RPC int range.
func TestXMLRPCCappedInt(t *testing.T) {
	tests := []struct {
		in   int64
		want int
	}{{0, 0}, {-5, -5}, {math.MaxInt32, math.MaxInt32}, {math.MaxInt32 + 1, math.MaxInt32},
		{math.MaxInt64, math.MaxInt32}, {math.MinInt32 - 1, math.MinInt32}, {math.MinInt64, math.MinInt32}}
	for _, tt := range tests {
		if got := cappedInt(tt.in); got != tt.want {
			t.Errorf("cappedInt(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// encodeCallForTest writes a methodCall with our value encoder, for round trips.
func encodeCallForTest(method string, params []any) ([]byte, error) {
	e := &xmlrpcEncoder{}
	e.buf = append(e.buf, xmlrpcHeader+"<methodCall>\n<methodName>"...)
	e.buf = appendXMLText(e.buf, method)
	e.buf = append(e.buf, "</methodName>\n<params>\n"...)
	for _, p := range params {
		e.buf = append(e.buf, "<param>\n"...)
		if err := e.value(p, 0); err != nil {
			return nil, err
		}
		e.buf = append(e.buf, "</param>\n"...)
	}
	e.buf = append(e.buf, "</params>\n</methodCall>\n"...)
	return e.buf, nil
}

// roundTripForm maps a decoded value to a form reflect.DeepEqual can compare
// after an encode/decode round trip: CR reads back as LF (XML line-end
// normalisation, as from 4.2.5), NaN loses its sign, -0 keeps it.
func roundTripForm(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	case float64:
		if math.IsNaN(v) {
			return "NaN"
		}
		return math.Float64bits(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = roundTripForm(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[roundTripForm(k).(string)] = roundTripForm(x)
		}
		return out
	}
	return v
}

// xmlrpcMarshallable reports whether encodeResponse accepts v: not nil, integers
// in the 32-bit range.
func xmlrpcMarshallable(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case int:
		return v >= math.MinInt32 && v <= math.MaxInt32
	case []any:
		for _, x := range v {
			if !xmlrpcMarshallable(x) {
				return false
			}
		}
	case map[string]any:
		for _, x := range v {
			if !xmlrpcMarshallable(x) {
				return false
			}
		}
	}
	return true
}

// FuzzDecodeCall: decodeCall never panics, fails only with a decodeError,
// and whatever it decodes re-encodes and decodes to the same values.
func FuzzDecodeCall(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		method, params, err := decodeCall(body)
		if err != nil {
			var de *decodeError
			if !errors.As(err, &de) || (de.Reason != reasonUnmarshallable && de.Reason != reasonNoMethodName) {
				t.Fatalf("decodeCall error %v is not a decodeError", err)
			}
			return
		}
		if method == "" {
			t.Fatal("decodeCall returned an empty method name without error")
		}
		again, err := encodeCallForTest(method, params)
		if !xmlrpcMarshallable(params) {
			if err == nil {
				t.Fatalf("encoded unmarshallable params %#v", params)
			}
			return
		}
		if err != nil {
			t.Fatalf("encode %#v: %v", params, err)
		}
		method2, params2, err := decodeCall(again)
		if err != nil {
			t.Fatalf("decode of re-encoded %q: %v", again, err)
		}
		if roundTripForm(method2) != roundTripForm(method) || !reflect.DeepEqual(roundTripForm(params2), roundTripForm(params)) {
			t.Fatalf("round trip changed %q %#v\ninto %q %#v\nvia %q", method, params, method2, params2, again)
		}
	})
}

func BenchmarkEncodeProcessInfo(b *testing.B) {
	infos := make([]Struct, 1000)
	for i := range infos {
		infos[i] = sampleProcessInfo(i)
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := encodeResponse(&buf, infos); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkDecodeCall(b *testing.B) {
	body := []byte(pyCallAllTypes)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := decodeCall(body); err != nil {
			b.Fatal(err)
		}
	}
}
