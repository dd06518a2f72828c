package main

import (
	"syscall"
	"unsafe"
)

// confSetDefault gives sig its default action (SIG_DFL), which os/signal
// cannot do for signals the Go runtime handles on its own, such as
// SIGUSR1. An all-zero kernel sigaction is SIG_DFL with no flags and an
// empty mask on every Linux architecture.
func confSetDefault(sig syscall.Signal) error {
	var act [8]uint64
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
