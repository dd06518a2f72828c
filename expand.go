// %(name)s expansion: Python's "str % dict" with 4.2.5's name tables and
// error texts (CFG-03, CFG-04).
package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyNames is the name table of a %(name)s expansion: an insertion-ordered
// dict of strings and ints, since 4.2.5 hands Python a dict and both the
// "Available names" list and a bare %s show it.
type pyNames struct {
	keys []string
	vals map[string]any
}

func newPyNames() *pyNames { return &pyNames{vals: map[string]any{}} }

// set adds or replaces a name; a replaced name keeps its position.
func (n *pyNames) set(k string, v any) {
	if _, ok := n.vals[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.vals[k] = v
}

// update copies o's names into n, like dict.update.
func (n *pyNames) update(o *pyNames) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		n.set(k, o.vals[k])
	}
}

// merged is a new table holding n's names, then o's.
func (n *pyNames) merged(o *pyNames) *pyNames {
	m := newPyNames()
	m.update(n)
	m.update(o)
	return m
}

// repr renders the table as Python's dict repr.
func (n *pyNames) repr() string {
	parts := make([]string, len(n.keys))
	for i, k := range n.keys {
		parts[i] = pyRepr(k) + ": " + pyValueRepr(n.vals[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func pyValueRepr(v any) string {
	switch v := v.(type) {
	case string:
		return pyRepr(v)
	case *pyNames:
		return v.repr()
	}
	return fmt.Sprint(v)
}

func pyValueStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case *pyNames:
		return v.repr()
	}
	return fmt.Sprint(v)
}

func pyTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case *pyNames:
		return "dict"
	}
	return "int"
}

// pyKeyError is a %(name)s naming something the table lacks.
type pyKeyError struct{ key string }

func (e pyKeyError) Error() string { return pyRepr(e.key) }

// pyExpand is 4.2.5's expand(): Python's "s % names" with its error texts.
// label names the option in messages (e.g. "program:x.command").
func pyExpand(s string, names *pyNames, label string) (string, error) {
	out, err := pyFormat(s, names)
	var ke pyKeyError
	switch {
	case errors.As(err, &ke):
		avail := append([]string(nil), names.keys...)
		sort.Strings(avail)
		return "", fmt.Errorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
			pyRepr(s), pyRepr(label), ke.Error(), strings.Join(avail, ", "))
	case err != nil:
		return "", fmt.Errorf("Format string %s for %s is badly formatted: %w", pyRepr(s), pyRepr(label), err)
	}
	return out, nil
}

// pySpec is one parsed conversion specification.
type pySpec struct {
	ljust, sign, blank, alt, zero bool
	width, prec                   int // -1 = none
	conv                          rune
}

// pyFormatter walks a format string as CPython's str % mapping does: a
// %(name) lookup makes the value the one argument left; a spec without a
// name consumes the mapping itself.
type pyFormatter struct {
	fmt    []rune
	pos    int
	names  *pyNames
	arg    any
	argsOK int // how many more specs may take an argument (Python's argidx)
}

func pyFormat(s string, names *pyNames) (string, error) {
	f := &pyFormatter{fmt: []rune(s), names: names, arg: names, argsOK: 1}
	var out strings.Builder
	for f.pos < len(f.fmt) {
		r := f.fmt[f.pos]
		f.pos++
		if r != '%' {
			out.WriteRune(r)
			continue
		}
		if f.pos < len(f.fmt) && f.fmt[f.pos] == '%' {
			f.pos++
			out.WriteRune('%')
			continue
		}
		piece, err := f.conversion()
		if err != nil {
			return "", err
		}
		out.WriteString(piece)
	}
	return out.String(), nil
}

func (f *pyFormatter) next() (rune, bool) {
	if f.pos >= len(f.fmt) {
		return 0, false
	}
	r := f.fmt[f.pos]
	f.pos++
	return r, true
}

func (f *pyFormatter) nextArg() (any, error) {
	if f.argsOK <= 0 {
		return nil, errors.New("not enough arguments for format string")
	}
	f.argsOK--
	return f.arg, nil
}

// conversion parses and renders one spec; f.pos is just past the '%'.
func (f *pyFormatter) conversion() (string, error) {
	if f.pos < len(f.fmt) && f.fmt[f.pos] == '(' {
		if err := f.lookupKey(); err != nil {
			return "", err
		}
	}
	sp := pySpec{width: -1, prec: -1}
	c, ok := f.next()
	for ok && strings.ContainsRune("-+ #0", c) {
		sp.ljust = sp.ljust || c == '-'
		sp.sign = sp.sign || c == '+'
		sp.blank = sp.blank || c == ' '
		sp.alt = sp.alt || c == '#'
		sp.zero = sp.zero || c == '0'
		c, ok = f.next()
	}
	var err error
	if c, ok, sp.width, err = f.number(c, ok); err != nil {
		return "", err
	}
	if ok && c == '.' {
		c, ok = f.next()
		if c, ok, sp.prec, err = f.number(c, ok); err != nil {
			return "", err
		}
		if sp.prec < 0 {
			sp.prec = 0
		}
	}
	if ok && (c == 'h' || c == 'l' || c == 'L') {
		c, ok = f.next()
	}
	if !ok {
		return "", errors.New("incomplete format")
	}
	sp.conv = c
	v, err := f.nextArg()
	if err != nil {
		return "", err
	}
	return sp.render(v, f.pos-1)
}

// lookupKey reads "(name)" with nested parentheses and makes the named
// value the current argument.
func (f *pyFormatter) lookupKey() error {
	depth, start := 1, f.pos+1
	i := start
	for ; i < len(f.fmt) && depth > 0; i++ {
		switch f.fmt[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	if depth > 0 {
		return errors.New("incomplete format key")
	}
	key := string(f.fmt[start : i-1])
	f.pos = i
	v, ok := f.names.vals[key]
	if !ok {
		return pyKeyError{key}
	}
	f.arg, f.argsOK = v, 1
	return nil
}

// number reads a width or precision: digits, or '*' taking an argument.
func (f *pyFormatter) number(c rune, ok bool) (rune, bool, int, error) {
	if ok && c == '*' {
		v, err := f.nextArg()
		if err != nil {
			return 0, false, 0, err
		}
		n, isInt := v.(int)
		if !isInt {
			return 0, false, 0, errors.New("* wants int")
		}
		c, ok = f.next()
		return c, ok, n, nil
	}
	n := -1
	for ok && c >= '0' && c <= '9' {
		if n < 0 {
			n = 0
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return 0, false, 0, errors.New("width too big")
		}
		c, ok = f.next()
	}
	return c, ok, n, nil
}

// render formats one value; at is the index of the conversion character.
func (sp pySpec) render(v any, at int) (string, error) {
	switch sp.conv {
	case 's', 'r', 'a':
		s := pyValueStr(v)
		if sp.conv != 's' {
			s = pyValueRepr(v)
		}
		if sp.prec >= 0 && sp.prec < len([]rune(s)) {
			s = string([]rune(s)[:sp.prec])
		}
		return sp.pad("", s, false), nil
	case 'd', 'i', 'u', 'x', 'X', 'o':
		return sp.integer(v)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		n, ok := v.(int)
		if !ok {
			return "", fmt.Errorf("must be real number, not %s", pyTypeName(v))
		}
		return sp.float(float64(n)), nil
	case 'c':
		switch v := v.(type) {
		case int:
			if v < 0 || v > unicode.MaxRune {
				return "", errors.New("%c arg not in range(0x110000)")
			}
			return sp.pad("", string(rune(v)), false), nil
		case string:
			if utf8.RuneCountInString(v) == 1 {
				return sp.pad("", v, false), nil
			}
		}
		return "", errors.New("%c requires int or char")
	}
	shown := '?'
	if sp.conv >= 31 && sp.conv <= 126 {
		shown = sp.conv
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", shown, sp.conv, at)
}

func (sp pySpec) integer(v any) (string, error) {
	n, ok := v.(int)
	if !ok {
		kind := "a real number"
		if strings.ContainsRune("xXo", sp.conv) {
			kind = "an integer"
		}
		return "", fmt.Errorf("%%%c format: %s is required, not %s", sp.conv, kind, pyTypeName(v))
	}
	mag := uint64(n)
	if n < 0 {
		mag = uint64(-n)
	}
	var digits, prefix string
	switch sp.conv {
	case 'x', 'X':
		digits, prefix = strconv.FormatUint(mag, 16), "0x"
	case 'o':
		digits, prefix = strconv.FormatUint(mag, 8), "0o"
	default:
		digits = strconv.FormatUint(mag, 10)
	}
	if sp.conv == 'X' {
		digits, prefix = strings.ToUpper(digits), "0X"
	}
	if !sp.alt {
		prefix = ""
	}
	if len(digits) < sp.prec {
		digits = strings.Repeat("0", sp.prec-len(digits)) + digits
	}
	return sp.pad(sp.signOf(n < 0)+prefix, digits, true), nil
}

func (sp pySpec) float(x float64) string {
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	conv := byte(unicode.ToLower(sp.conv))
	if conv == 'g' && prec == 0 {
		prec = 1
	}
	s := strconv.FormatFloat(math.Abs(x), conv, prec, 64)
	if unicode.IsUpper(sp.conv) {
		s = strings.ToUpper(s)
	}
	return sp.pad(sp.signOf(x < 0), s, true)
}

func (sp pySpec) signOf(negative bool) string {
	switch {
	case negative:
		return "-"
	case sp.sign:
		return "+"
	case sp.blank:
		return " "
	}
	return ""
}

// pad applies width: left or right spaces, or zeros after the sign and
// prefix for numbers.
func (sp pySpec) pad(head, body string, numeric bool) string {
	n := sp.width - utf8.RuneCountInString(head) - utf8.RuneCountInString(body)
	if n <= 0 {
		return head + body
	}
	switch {
	case sp.ljust:
		return head + body + strings.Repeat(" ", n)
	case sp.zero && numeric:
		return head + strings.Repeat("0", n) + body
	}
	return strings.Repeat(" ", n) + head + body
}
