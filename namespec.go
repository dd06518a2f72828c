// Namespecs: the strings that address a process or a group (RPC-06). The
// daemon and supervisorctl both use these, so the short-name rule lives in
// one place.
package main

import "strings"

// makeNamespec returns "group:process", or just the process name when the
// group has the same name (the default [program:x] with numprocs=1).
func makeNamespec(group, process string) string {
	if group == process {
		return process
	}
	return group + ":" + process
}

// splitNamespec splits at the first ':'. "g:" and "g:*" address the whole
// group g and return process "". A name without ':' addresses the process
// of the same name in the group of the same name.
func splitNamespec(ns string) (group, process string) {
	group, process, found := strings.Cut(ns, ":")
	if !found {
		return ns, ns
	}
	if process == "*" {
		process = ""
	}
	return group, process
}
