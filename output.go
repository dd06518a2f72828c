// Child output: one goroutine reads every child's stdout and stderr pipes
// through one epoll set, like 4.2.5's poll loop, and routes each chunk to
// the log file, syslog, the main log and, when configured, the supervisor
// loop (events, capture mode, the listener protocol). Ready pipes are read
// in fd order, one chunk per round, so a program's stdout written before its
// stderr is handled first and no pipe starves the others; a quiet pipe
// costs neither a goroutine nor a buffer.
package main

import (
	"bytes"
	"log/syslog"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// outputMux owns the read ends of the output pipes of one daemon life.
type outputMux struct {
	epfd  int
	wake  int // eventfd that ends the reader
	mu    sync.Mutex
	chans map[int]*outputChan
}

// outputChan is one registered pipe. Its lock is held while a chunk is
// handled, so the loop can drain a pipe at exit without racing the reader.
type outputChan struct {
	mux    *outputMux
	mu     sync.Mutex
	fd     int
	copier *outputCopier
	closed bool
	grown  bool
}

// A flooding child fills its pipe's default 64 KiB between two reads; a
// larger pipe lets each read take more and the child block less.
const (
	pipeDefaultSize = 64 << 10
	pipeFloodSize   = 1 << 20
)

func newOutputMux() (*outputMux, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	m := &outputMux{epfd: epfd, wake: wake, chans: make(map[int]*outputChan)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(wake)
		unix.Close(epfd)
		return nil, err
	}
	go m.run()
	return m, nil
}

// add starts reading fd, a non-blocking pipe read end the mux now owns.
func (m *outputMux) add(fd int, c *outputCopier) (*outputChan, error) {
	ch := &outputChan{mux: m, fd: fd, copier: c}
	m.mu.Lock()
	m.chans[fd] = ch
	m.mu.Unlock()
	if err := unix.EpollCtl(m.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		m.mu.Lock()
		delete(m.chans, fd)
		m.mu.Unlock()
		return nil, err
	}
	return ch, nil
}

// close ends the reader; pipes still registered are closed with it.
func (m *outputMux) close() {
	unix.Write(m.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
}

func (m *outputMux) run() {
	events := make([]unix.EpollEvent, 128)
	fds := make([]int, 0, 128)
	for {
		n, err := unix.EpollWait(m.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		fds = fds[:0]
		for _, ev := range events[:n] {
			if int(ev.Fd) == m.wake {
				m.shutdown()
				return
			}
			fds = append(fds, int(ev.Fd))
		}
		slices.Sort(fds)
		for _, fd := range fds {
			m.mu.Lock()
			ch := m.chans[fd]
			m.mu.Unlock()
			if ch != nil {
				ch.readOnce()
			}
		}
	}
}

func (m *outputMux) shutdown() {
	m.mu.Lock()
	chans := make([]*outputChan, 0, len(m.chans))
	for _, ch := range m.chans {
		chans = append(chans, ch)
	}
	m.mu.Unlock()
	for _, ch := range chans {
		ch.mu.Lock()
		ch.closeLocked()
		ch.mu.Unlock()
	}
	unix.Close(m.wake)
	unix.Close(m.epfd)
}

// readOnce handles one chunk, closing the pipe at EOF or on an error.
func (ch *outputChan) readOnce() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed {
		return
	}
	bp := chunkPool.Get().(*[]byte)
	n, err := readFd(ch.fd, *bp)
	if n > 0 {
		ch.copier.handle((*bp)[:n])
	}
	chunkPool.Put(bp)
	if n == 0 || err != nil && err != syscall.EAGAIN {
		ch.closeLocked()
		return
	}
	if n >= pipeDefaultSize && !ch.grown {
		// Pipe memory is charged to the user (fs.pipe-user-pages-soft), so
		// only pipes seen full are grown, and a refusal is fine.
		ch.grown = true
		unix.FcntlInt(uintptr(ch.fd), unix.F_SETPIPE_SZ, pipeFloodSize)
	}
}

// drainAndClose takes what is left in the pipe and closes it; the loop
// calls it when the child has exited, as 4.2.5 drains before it records
// the exit. A grandchild still holding the pipe keeps nothing alive: the
// drain stops after one pipe's capacity, all the exited child can have
// left, so a grandchild that keeps writing cannot hold the loop here.
func (ch *outputChan) drainAndClose() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed {
		return
	}
	bp := chunkPool.Get().(*[]byte)
	for left := pipeFloodSize; left > 0; {
		n, err := readFd(ch.fd, *bp)
		if n <= 0 || err != nil {
			break
		}
		ch.copier.handle((*bp)[:n])
		left -= n
	}
	chunkPool.Put(bp)
	ch.closeLocked()
}

func (ch *outputChan) closeLocked() {
	if ch.closed {
		return
	}
	ch.closed = true
	m := ch.mux
	unix.EpollCtl(m.epfd, unix.EPOLL_CTL_DEL, ch.fd, nil)
	m.mu.Lock()
	if m.chans[ch.fd] == ch {
		delete(m.chans, ch.fd)
	}
	m.mu.Unlock()
	unix.Close(ch.fd)
	if f := ch.copier.file; f != nil {
		f.release()
	}
}

func readFd(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, buf)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// outputQueue carries work from the output reader to the loop, in order,
// without either side ever waiting for the other.
type outputQueue struct {
	mu    sync.Mutex
	items []func(*Supervisor)
	ready chan struct{}
}

func newOutputQueue() *outputQueue { return &outputQueue{ready: make(chan struct{}, 1)} }

func (q *outputQueue) push(f func(*Supervisor)) {
	q.mu.Lock()
	q.items = append(q.items, f)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// run executes the queued work on the loop.
func (q *outputQueue) run(s *Supervisor) {
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		if len(items) == 0 {
			return
		}
		for _, f := range items {
			f(s)
		}
	}
}

// chunkPool holds the read buffers of output pipes; 4.2.5 reads up to
// 128 KiB at a time.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

// outputCopier moves one output pipe of one spawn to its destinations: the
// log file, syslog, the main log at debug level, and, only when configured,
// the loop (events, capture mode, the listener protocol).
type outputCopier struct {
	name    string // process name
	channel string // "stdout" or "stderr"
	file    *logFile
	sys     *syslog.Writer
	mainlog *Logger
	strip   bool
	events  bool           // PROCESS_LOG_* events (*_events_enabled)
	capture *captureBuffer // nil unless *_capture_maxbytes > 0
	queue   *outputQueue
	onRaw   func(data []byte) // loop-side handler of the unprocessed bytes (listener protocol)
	onData  func(data []byte) // loop-side handler for PROCESS_LOG events; nil if none
	onComm  func(data []byte) // loop-side handler for a finished capture block
	scratch []byte
}

func (c *outputCopier) handle(data []byte) {
	if c.onRaw != nil {
		chunk := bytes.Clone(data)
		c.queue.push(func(*Supervisor) { c.onRaw(chunk) })
	}
	if c.capture == nil {
		c.record(data)
		return
	}
	c.capture.feed(data, c.record, c.commDone)
}

// record sends one piece of output everywhere it goes.
func (c *outputCopier) record(data []byte) {
	if len(data) == 0 {
		return
	}
	if c.strip {
		c.scratch = stripANSI(c.scratch[:0], data)
		data = c.scratch
	}
	if c.capture != nil && c.capture.active {
		c.capture.write(data)
	} else {
		if c.file != nil {
			c.file.Write(data)
		}
		if c.sys != nil {
			c.toSyslog(data)
		}
	}
	if c.mainlog != nil && c.mainlog.Enabled(LevelDebug) {
		text := decodeOutput(data)
		if c.onRaw != nil {
			// 4.2.5 shows a listener's protocol bytes as a bytes repr.
			text = pyBytesRepr(data)
		}
		c.mainlog.Debugf("%s %s output:\n%s", pyRepr(c.name), c.channel, text)
	}
	if c.onData != nil {
		chunk := bytes.Clone(data)
		c.queue.push(func(*Supervisor) { c.onData(chunk) })
	}
}

func (c *outputCopier) commDone(data []byte) {
	if c.mainlog != nil {
		c.mainlog.Debugf("%s %s emitted a comm event", pyRepr(c.name), c.channel)
	}
	if c.onComm != nil {
		chunk := bytes.Clone(data)
		c.queue.push(func(*Supervisor) { c.onComm(chunk) })
	}
}

// toSyslog sends each line as "<process name> <line>" (LOG-17).
func (c *outputCopier) toSyslog(data []byte) {
	text := strings.TrimRight(string(data), "\n")
	for _, line := range strings.Split(text, "\n") {
		c.sys.Info(c.name + " " + line)
	}
}

// decodeOutput renders output for the main log as 4.2.5 does: UTF-8 text,
// or Python's bytes repr prefixed "Undecodable: ".
func decodeOutput(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return "Undecodable: " + pyBytesRepr(b)
}

// Capture-mode tokens (EVT-20).
const (
	captureBegin = "<!--XSUPERVISOR:BEGIN-->"
	captureEnd   = "<!--XSUPERVISOR:END-->"
)

// captureBuffer implements capture mode for one channel: text between the
// BEGIN and END tokens is collected (keeping at most maxBytes, dropping from
// the front as 4.2.5's BoundIO does) instead of being logged.
type captureBuffer struct {
	maxBytes int
	active   bool
	pending  []byte // output not yet classified (may hold a partial token)
	buf      []byte
}

func (c *captureBuffer) write(b []byte) {
	if len(c.buf)+len(b) > c.maxBytes {
		drop := min(len(b), len(c.buf))
		c.buf = c.buf[drop:]
	}
	c.buf = append(c.buf, b...)
}

// feed classifies new output: log gets text outside capture blocks (and the
// text inside, which record routes into the buffer), done gets each finished
// block. Like 4.2.5, output no longer than the awaited token is held back
// until more arrives.
func (c *captureBuffer) feed(data []byte, log func([]byte), done func([]byte)) {
	c.pending = append(c.pending, data...)
	for {
		token := captureBegin
		if c.active {
			token = captureEnd
		}
		if len(c.pending) <= len(token) {
			return
		}
		data := c.pending
		i := bytes.Index(data, []byte(token))
		if i < 0 {
			keep := prefixAtEnd(data, token)
			log(data[:len(data)-keep])
			c.pending = append(c.pending[:0], data[len(data)-keep:]...)
			return
		}
		log(data[:i])
		after := data[i+len(token):]
		c.toggle(done)
		c.pending = append(c.pending[:0], after...)
		if len(after) == 0 {
			return
		}
	}
}

func (c *captureBuffer) toggle(done func([]byte)) {
	c.active = !c.active
	if !c.active {
		done(c.buf)
		c.buf = c.buf[:0]
	}
}

// prefixAtEnd returns the length of the longest proper prefix of token that
// data ends with, so a token split across reads is not logged.
func prefixAtEnd(data []byte, token string) int {
	for n := min(len(token)-1, len(data)); n > 0; n-- {
		if bytes.HasSuffix(data, []byte(token[:n])) {
			return n
		}
	}
	return 0
}
