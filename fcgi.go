// FastCGI programs: the group's listening socket, shared by its children
// as their fd 0 and open only while one of them runs (PROC-29).
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// fcgiSocket is the reference-counted socket of an [fcgi-program:x].
type fcgiSocket struct {
	cfg  *FCGISocketConfig
	log  *Logger
	f    *os.File
	refs int
}

// acquire returns the socket, creating it for the first user; the error
// is 4.2.5's text.
func (s *fcgiSocket) acquire() (*os.File, error) {
	if s.refs == 0 {
		s.log.Infof("Creating socket %s", s.cfg.URL)
		f, err := createFCGISocket(s.cfg)
		if err != nil {
			return nil, fmt.Errorf("Could not create FastCGI socket %s: %s", s.cfg.URL, pyOSErrorText(err))
		}
		s.f = f
	}
	s.refs++
	return s.f, nil
}

// release drops a user; the last one closes the socket.
func (s *fcgiSocket) release() {
	if s.refs == 0 {
		return
	}
	s.refs--
	if s.refs == 0 {
		s.log.Infof("Closing socket %s", s.cfg.URL)
		s.f.Close()
		s.f = nil
	}
}

// check creates and closes the socket once, as 4.2.5 does when the group
// is added, so a bad address is reported early.
func (s *fcgiSocket) check() error {
	if _, err := s.acquire(); err != nil {
		return err
	}
	s.release()
	return nil
}

// createFCGISocket binds and listens; the socket is blocking because it
// becomes the children's fd 0.
func createFCGISocket(c *FCGISocketConfig) (*os.File, error) {
	var fd int
	var err error
	if path, ok := strings.CutPrefix(c.URL, "unix://"); ok {
		fd, err = bindUnixFCGI(path, c)
	} else {
		fd, err = bindTCPFCGI(strings.TrimPrefix(c.URL, "tcp://"))
	}
	if err != nil {
		return nil, err
	}
	backlog := c.Backlog
	if backlog == 0 {
		backlog = syscall.SOMAXCONN
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), c.URL), nil
}

func bindUnixFCGI(path string, c *FCGISocketConfig) (int, error) {
	os.Remove(path)
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) {
		syscall.Close(fd)
		os.Remove(path)
		return -1, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		return fail(err)
	}
	if c.UID >= 0 || c.GID >= 0 {
		if err := os.Chown(path, c.UID, c.GID); err != nil {
			return fail(fmt.Errorf("Could not change ownership of socket file: %s", pyOSErrorText(err)))
		}
	}
	if err := os.Chmod(path, os.FileMode(c.Mode)); err != nil {
		return fail(fmt.Errorf("Could not change permissions of socket file: %s", pyOSErrorText(err)))
	}
	return fd, nil
}

func bindTCPFCGI(hostport string) (int, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return -1, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return -1, err
	}
	addr, err := net.ResolveIPAddr("ip4", host)
	if err != nil {
		return -1, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	sa := &syscall.SockaddrInet4{Port: p}
	copy(sa.Addr[:], addr.IP.To4())
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}
