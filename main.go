// Command supervisord is a drop-in replacement for Supervisor 4.2.5's
// supervisord and supervisorctl in one binary. Invoked as "supervisorctl"
// (or as "supervisord ctl ...") it is the client; otherwise the daemon.
package main

import (
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args))
}

// run dispatches on the program name and returns the exit status.
func run(args []string) int {
	if filepath.Base(args[0]) == "supervisorctl" {
		return ctlMain(args[0], args[1:])
	}
	if len(args) > 1 && args[1] == "ctl" {
		return ctlMain(args[0]+" ctl", args[2:])
	}
	return supervisordMain(args[0], args[1:])
}
