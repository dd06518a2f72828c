package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as supervisord and supervisorctl, and
// puts both names on PATH for every test of the package.
func TestMain(m *testing.M) {
	entry := func() { os.Exit(run(os.Args)) }
	testscript.Main(m, map[string]func(){
		"supervisord":   entry,
		"supervisorctl": entry,
		"conf-prog":     confProgMain,
		"conf-listener": confListenerMain,
	})
}

// TestScripts runs the scenarios in testdata/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
