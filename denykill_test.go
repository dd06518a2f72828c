package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// denyKillMain runs "deny-kill SIG command args...": command runs with a
// seccomp filter under which kill(2) with SIG fails with EPERM. The kernel
// gives no other way to make signalling our own child fail with anything
// but ESRCH, which is what PROC-18's UNKNOWN state is about.
func denyKillMain() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: deny-kill SIG command [args...]")
		os.Exit(2)
	}
	sig, ok := signalNumbers[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "deny-kill: unknown signal %s\n", os.Args[1])
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "deny-kill: %v\n", err)
		os.Exit(2)
	}
	// The filter belongs to this thread, which then execs the command.
	runtime.LockOSThread()
	if err := denyKill(sig); err != nil {
		fmt.Fprintf(os.Stderr, "deny-kill: %v\n", err)
		os.Exit(2)
	}
	err = syscall.Exec(path, os.Args[2:], os.Environ())
	fmt.Fprintf(os.Stderr, "deny-kill: exec %s: %v\n", path, err)
	os.Exit(2)
}

var signalNumbers = map[string]syscall.Signal{"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "HUP": syscall.SIGHUP}

var auditArch = map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}

func denyKill(sig syscall.Signal) error {
	arch, ok := auditArch[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("no seccomp architecture for %s", runtime.GOARCH)
	}
	const (
		ldAbs   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq     = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret     = unix.BPF_RET | unix.BPF_K
		offNr   = 0  // seccomp_data.nr
		offArch = 4  // seccomp_data.arch
		offSig  = 24 // low half of seccomp_data.args[1]
	)
	filter := []unix.SockFilter{
		{Code: ldAbs, K: offArch},
		{Code: jeq, K: arch, Jf: 5},
		{Code: ldAbs, K: offNr},
		{Code: jeq, K: unix.SYS_KILL, Jf: 3},
		{Code: ldAbs, K: offSig},
		{Code: jeq, K: uint32(sig), Jf: 1},
		{Code: ret, K: unix.SECCOMP_RET_ERRNO | uint32(syscall.EPERM)},
		{Code: ret, K: unix.SECCOMP_RET_ALLOW},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&prog)), 0, 0); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return nil
}
