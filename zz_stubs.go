package main

// Temporary stand-ins for functions being written on other branches.

import (
	"fmt"
	"strings"
	"syscall"
)

func (l LogLevel) Code() string {
	switch l {
	case LevelCritical:
		return "CRIT"
	case LevelError:
		return "ERRO"
	case LevelWarn:
		return "WARN"
	case LevelInfo:
		return "INFO"
	case LevelDebug:
		return "DEBG"
	case LevelTrace:
		return "TRAC"
	}
	return "BLAT"
}

func splitCommand(c string) ([]string, error) { return strings.Fields(c), nil }
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGUSR2:
		return "SIGUSR2"
	}
	return fmt.Sprintf("signal %d", int(sig))
}
func makeNamespec(g, p string) string {
	if g == p {
		return p
	}
	return g + ":" + p
}
func loadConfig(path string) (*Config, error)     { return nil, fmt.Errorf("not yet") }
func findConfigFile(argv0 string) (string, error) { return "", fmt.Errorf("not yet") }

func splitNamespec(ns string) (string, string) {
	g, p, ok := strings.Cut(ns, ":")
	if !ok {
		return ns, ns
	}
	if p == "*" {
		p = ""
	}
	return g, p
}
func parseSignal(s string) (syscall.Signal, error) { return syscall.SIGTERM, nil }
func parseOctal(s string) (int, error)             { return 0, nil }
func parseByteSize(s string) (int64, error)        { return 0, nil }
func parseInt(s string) (int, error)               { return 0, nil }
func parseLogLevel(s string) (LogLevel, error)     { return LevelInfo, nil }
func existingDirPath(s string) (string, error)     { return s, nil }
func existingDirectory(s string) (string, error)   { return s, nil }
func lookupUser(s string) (int, int, error)        { return 0, 0, nil }
func (g *GroupConfig) Equal(o *GroupConfig) bool   { return false }
