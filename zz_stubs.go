package main

import "strings"

func makeNamespec(g, p string) string {
	if g == p {
		return p
	}
	return g + ":" + p
}
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
