// The supervisor loop: one goroutine owns the process table.
package main

func supervisordMain(progname string, args []string) int { return 0 }
