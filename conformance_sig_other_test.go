//go:build !linux

package main

import (
	"errors"
	"syscall"
)

// confSetDefault is only needed on Linux, where the conformance suite runs.
func confSetDefault(syscall.Signal) error {
	return errors.New("restoring default signal actions needs Linux")
}
