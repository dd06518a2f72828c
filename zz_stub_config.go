// TEMPORARY stand-ins for config.go's loadCtlConfig and findConfigFile, so
// that supervisorctl builds and runs before the config work is merged. The
// lead deletes this file at merge.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func findConfigFile(argv0 string) (string, error) {
	here := filepath.Dir(filepath.Dir(argv0))
	paths := []string{
		filepath.Join(here, "etc", "supervisord.conf"),
		filepath.Join(here, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("No config file found at default paths (%s); use the -c option to specify a config file at a different path", strings.Join(paths, ", "))
}

func loadCtlConfig(path string) (*CtlConfig, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("could not find config file %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("could not read config file %s", path)
	}
	defer f.Close()
	abs, _ := filepath.Abs(path)
	here := filepath.Dir(abs)
	cfg := &CtlConfig{ServerURL: "http://localhost:9001", Prompt: "supervisor"}
	found, section := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			found = found || section == "supervisorctl"
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || section != "supervisorctl" {
			continue
		}
		val = strings.ReplaceAll(strings.TrimSpace(val), "%(here)s", here)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "serverurl":
			if p, ok := strings.CutPrefix(val, "unix://"); ok {
				p, _ = filepath.Abs(p)
				val = "unix://" + p
			}
			cfg.ServerURL = val
		case "username":
			cfg.Username = val
		case "password":
			cfg.Password = val
		case "prompt":
			cfg.Prompt = val
		case "history_file":
			if val != "" {
				cfg.HistoryFile, _ = filepath.Abs(val)
			}
		}
	}
	if !found {
		return nil, errors.New(".ini file does not include supervisorctl section")
	}
	return cfg, nil
}
