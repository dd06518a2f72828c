// Command-line parsing with the rules of Python's getopt.getopt, which
// 4.2.5's supervisord and supervisorctl use: option clusters (-nc FILE),
// attached values (-cFILE, --configuration=FILE), unique prefixes of long
// options, and parsing stops at the first non-option argument.
package main

import (
	"fmt"
	"strings"
)

// option is one parsed option: its name as written in full ("-c",
// "--configuration") and its value ("" for flags).
type option struct {
	name, value string
}

// getopt parses args against shortopts ("c:hn": a colon marks a value) and
// longopts ("configuration=": an equals sign marks a value). It returns the
// options and the remaining positional arguments; errors read like Python's.
func getopt(args []string, shortopts string, longopts []string) ([]option, []string, error) {
	var opts []option
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			return opts, args[1:], nil
		}
		var err error
		if strings.HasPrefix(args[0], "--") {
			opts, args, err = getoptLong(opts, args[0][2:], args[1:], longopts)
		} else {
			opts, args, err = getoptShorts(opts, args[0][1:], args[1:], shortopts)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return opts, args, nil
}

func getoptLong(opts []option, opt string, args []string, longopts []string) ([]option, []string, error) {
	name, value, hasValue := strings.Cut(opt, "=")
	full, takesValue, err := matchLong(name, longopts)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case takesValue && !hasValue:
		if len(args) == 0 {
			return nil, nil, fmt.Errorf("option --%s requires argument", full)
		}
		value, args = args[0], args[1:]
	case !takesValue && hasValue:
		return nil, nil, fmt.Errorf("option --%s must not have an argument", full)
	}
	return append(opts, option{"--" + full, value}), args, nil
}

// matchLong resolves a possibly abbreviated long option name.
func matchLong(name string, longopts []string) (string, bool, error) {
	var matches []string
	for _, o := range longopts {
		if strings.HasPrefix(o, name) {
			matches = append(matches, o)
		}
	}
	if len(matches) == 0 {
		return "", false, fmt.Errorf("option --%s not recognized", name)
	}
	for _, o := range matches {
		if o == name {
			return name, false, nil
		}
		if o == name+"=" {
			return name, true, nil
		}
	}
	if len(matches) > 1 {
		return "", false, fmt.Errorf("option --%s not a unique prefix", name)
	}
	full, takesValue := strings.CutSuffix(matches[0], "=")
	return full, takesValue, nil
}

func getoptShorts(opts []option, cluster string, args []string, shortopts string) ([]option, []string, error) {
	for cluster != "" {
		c := cluster[:1]
		cluster = cluster[1:]
		i := strings.Index(shortopts, c)
		if c == ":" || i < 0 {
			return nil, nil, fmt.Errorf("option -%s not recognized", c)
		}
		value := ""
		if strings.HasPrefix(shortopts[i+1:], ":") {
			if cluster == "" {
				if len(args) == 0 {
					return nil, nil, fmt.Errorf("option -%s requires argument", c)
				}
				cluster, args = args[0], args[1:]
			}
			value, cluster = cluster, ""
		}
		opts = append(opts, option{"-" + c, value})
	}
	return opts, args, nil
}
