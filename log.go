// Logs: the main activity log and the files that hold children's output,
// with Supervisor 4.2.5's line format and rotation rules (LOG-01..20).
package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// logFile is a file that rotates after a write leaves it at or past
// maxBytes (LOG-04). It is shared by the goroutines that copy a process's
// output, so it guards itself.
type logFile struct {
	mu       sync.Mutex
	path     string
	maxBytes int64
	backups  int
	f        *os.File
	size     int64
	regular  bool // only regular files can be rotated or cleared by unlinking
	refs     int  // open while a spawn of the process still has a pipe open
	warned   bool
	onError  func(error)
}

// openLogFile opens path for appending and notes whether it is a regular
// file. Targets like /dev/stdout work too; they are never rotated.
func openLogFile(path string, maxBytes int64, backups int) (*logFile, error) {
	l := &logFile{path: path, maxBytes: maxBytes, backups: backups}
	if err := l.open(os.O_APPEND); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) open(mode int) error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|mode, 0o666)
	if err != nil {
		return err
	}
	l.f = f
	l.size = 0
	l.regular = false
	if st, err := f.Stat(); err == nil {
		l.regular = st.Mode().IsRegular()
		if l.regular {
			l.size = st.Size()
		}
	}
	return nil
}

// Write appends p, then rotates if the file reached maxBytes. A file that
// cannot be written (full disk, closed) drops the bytes and reports once per
// failure streak rather than stalling the writer.
func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		if err := l.open(os.O_APPEND); err != nil {
			return 0, l.fail(err)
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	if err != nil {
		return n, l.fail(err)
	}
	l.warned = false
	if l.maxBytes > 0 && l.size >= l.maxBytes && l.regular {
		if err := l.rotate(); err != nil {
			return n, l.fail(err)
		}
	}
	return n, nil
}

func (l *logFile) fail(err error) error {
	err = fmt.Errorf("log file %s: %w", l.path, err)
	if !l.warned && l.onError != nil {
		l.warned = true
		l.onError(err)
	}
	return err
}

// rotate renames path.(k) to path.(k+1) for k = backups-1..1, then path to
// path.1, and starts an empty path; with no backups it just truncates.
func (l *logFile) rotate() error {
	l.f.Close()
	l.f = nil
	if l.backups > 0 {
		for i := l.backups - 1; i > 0; i-- {
			src := fmt.Sprintf("%s.%d", l.path, i)
			if _, err := os.Stat(src); err == nil {
				renameOver(src, fmt.Sprintf("%s.%d", l.path, i+1))
			}
		}
		renameOver(l.path, l.path+".1")
	}
	return l.open(os.O_TRUNC | os.O_APPEND)
}

// renameOver moves src to dst, tolerating either having vanished (a cleanup
// script may have removed them meanwhile).
func renameOver(src, dst string) {
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return
	}
	os.Rename(src, dst)
}

// Reopen closes and reopens the file, for logrotate's "create" style (LOG-07).
func (l *logFile) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	l.f.Close()
	l.f = nil
	return l.open(os.O_APPEND)
}

// Clear empties the log: a regular file is deleted and recreated (backups
// are kept), as 4.2.5 does; anything else is only truncated, so clearing a
// /dev/stdout log never replaces the device (SEC-09).
func (l *logFile) Clear() error {
	if err := l.unlink(); err != nil {
		return err
	}
	return l.restart()
}

// unlink deletes the file at the path if it is a regular file.
func (l *logFile) unlink() error {
	st, err := os.Stat(l.path)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// restart closes the file and opens the path again, emptied; appending,
// as writers that share the file must not overwrite each other.
func (l *logFile) restart() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	return l.open(os.O_TRUNC)
}

// acquire registers one more writer. The file is created now, as 4.2.5
// creates it at spawn (LOG-11), but only opened by the first write: every
// descriptor supervisord holds makes each later fork and exec slower, and a
// quiet process should hold none. release closes it after the last writer.
func (l *logFile) acquire() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refs++
	if l.f != nil {
		return nil
	}
	if _, err := os.Stat(l.path); err == nil {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	return f.Close()
}

func (l *logFile) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refs--
	if l.refs <= 0 && l.f != nil {
		l.refs = 0
		l.f.Close()
		l.f = nil
	}
}

// Close closes the file whatever its writers.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Logger is the main activity log (LOG-01..07). It is written by the
// supervisor loop and, for rare messages, by HTTP and pipe goroutines.
type Logger struct {
	mu    sync.Mutex
	level LogLevel
	file  *logFile
	sys   *syslog.Writer
	// toSyslog is logfile=syslog. Like libc's syslog(), which 4.2.5 uses,
	// a missing syslog daemon loses records rather than stopping
	// supervisord; the connection is retried at most once a second.
	toSyslog bool
	sysRetry time.Time
	echo     io.Writer // supervisord's stdout in the foreground (LOG-05)
	buf      []byte
	nowFun   func() time.Time
}

// newLogger opens the main log described by cfg. echo, if not nil, gets a
// copy of every record.
func newLogger(cfg *SupervisordConfig, echo io.Writer) (*Logger, error) {
	l := &Logger{level: cfg.LogLevel, nowFun: time.Now}
	if echo != nil {
		l.echo = &backgroundWriter{w: echo, max: echoBuffer}
	}
	if cfg.Logfile == "syslog" {
		l.toSyslog = true
		return l, nil
	}
	f, err := openLogFile(cfg.Logfile, cfg.LogfileMaxBytes, cfg.LogfileBackups)
	if err != nil {
		return nil, err
	}
	l.file = f
	if cfg.LogfileMaxBytes > 0 && !f.regular {
		l.Warnf("logfile %s is not a regular file, so it is never rotated (logfile_maxbytes ignored)", cfg.Logfile)
	}
	return l, nil
}

// Enabled reports whether a record at level would be written.
func (l *Logger) Enabled(level LogLevel) bool { return level >= l.level }

// Log writes one record: "YYYY-MM-DD HH:MM:SS,mmm LEVL message\n".
func (l *Logger) Log(level LogLevel, msg string) {
	if level < l.level {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf[:0]
	b = l.nowFun().AppendFormat(b, "2006-01-02 15:04:05,000")
	b = append(b, ' ')
	b = append(b, level.Code()...)
	b = append(b, ' ')
	prefix := len(b)
	b = append(b, msg...)
	b = append(b, '\n')
	l.buf = b
	if l.file != nil {
		l.file.Write(b)
	}
	if l.toSyslog {
		// 4.2.5 sends each line of a message as its own record, each
		// with the time and level.
		for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
			l.sendSyslog(string(b[:prefix]) + line)
		}
	}
	if l.echo != nil {
		l.echo.Write(b)
	}
}

// dialSyslog connects to the local syslog for records like 4.2.5's: user
// facility, info level, named after argv[0]'s base name as Python's syslog
// names them. Go's default name is the whole argv[0], which journalctl -t
// and syslog filters would not match.
func dialSyslog() (*syslog.Writer, error) {
	return syslog.New(syslog.LOG_INFO|syslog.LOG_USER, filepath.Base(os.Args[0]))
}

func (l *Logger) sendSyslog(msg string) {
	if l.sys == nil {
		now := time.Now()
		if now.Before(l.sysRetry) {
			return
		}
		w, err := dialSyslog()
		if err != nil {
			l.sysRetry = now.Add(time.Second)
			return
		}
		l.sys = w
	}
	l.sys.Info(msg)
}

func (l *Logger) logf(level LogLevel, format string, args []any) {
	if level < l.level {
		return
	}
	l.Log(level, fmt.Sprintf(format, args...))
}

func (l *Logger) Critf(format string, args ...any)    { l.logf(LevelCritical, format, args) }
func (l *Logger) Errorf(format string, args ...any)   { l.logf(LevelError, format, args) }
func (l *Logger) Warnf(format string, args ...any)    { l.logf(LevelWarn, format, args) }
func (l *Logger) Infof(format string, args ...any)    { l.logf(LevelInfo, format, args) }
func (l *Logger) Debugf(format string, args ...any)   { l.logf(LevelDebug, format, args) }
func (l *Logger) Blatherf(format string, args ...any) { l.logf(LevelBlather, format, args) }

// Reopen reopens the main log file (SIGUSR2).
func (l *Logger) Reopen() error {
	if l.file == nil {
		return nil
	}
	return l.file.Reopen()
}

// Path is the main log file, or "" when logging to syslog.
func (l *Logger) Path() string {
	if l.file == nil {
		return ""
	}
	return l.file.path
}

// Clear deletes and recreates the main log file (clearLog, RPC-33). Like
// 4.2.5, "reopening log file" is logged once per destination before the
// file is reopened, so the new file starts empty.
func (l *Logger) Clear() error {
	if l.file == nil {
		return nil
	}
	if err := l.file.unlink(); err != nil {
		return err
	}
	if l.echo != nil {
		l.Infof("reopening log file")
	}
	l.Infof("reopening log file")
	return l.file.restart()
}

// Close closes the log's file or syslog connection.
func (l *Logger) Close() {
	if bw, ok := l.echo.(*backgroundWriter); ok {
		bw.flush(time.Second)
	}
	if l.file != nil {
		l.file.Close()
	}
	if l.sys != nil {
		l.sys.Close()
	}
}

// stripANSI removes CSI sequences (ESC [ ... terminator) from one chunk of
// output as 4.2.5 does (LOG-14): a sequence cut by the chunk end swallows
// the rest of the chunk.
func stripANSI(dst, s []byte) []byte {
	for {
		i := bytes.Index(s, []byte("\x1b["))
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i+2:]
		end := bytes.IndexAny(s, "HfABCDRsuJKhlpm")
		if end < 0 {
			return dst
		}
		s = s[end+1:]
	}
}

// autoLogChars are the characters of AUTO log names' random part, as in
// Python's tempfile.
const autoLogChars = "abcdefghijklmnopqrstuvwxyz0123456789_"

// makeAutoLogFile creates dir/<prefix><8 random chars>.log with mode 0600
// and returns its path (LOG-15).
func makeAutoLogFile(dir, prefix string) (string, error) {
	var rnd [8]byte
	for range 100 {
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", err
		}
		for i, b := range rnd {
			rnd[i] = autoLogChars[int(b)%len(autoLogChars)]
		}
		path := filepath.Join(dir, prefix+string(rnd[:])+".log")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		f.Close()
		return path, nil
	}
	return "", fmt.Errorf("no unused AUTO log name in %s", dir)
}

// cleanAutoLogs deletes AUTO logs left by an earlier run with the same
// identifier (LOG-16).
func cleanAutoLogs(log *Logger, dir, identifier string) {
	re, err := regexp.Compile(`^.+?---` + regexp.QuoteMeta(identifier) + `-\S+\.log\.?\d{0,4}`)
	if err != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warnf("Could not clear childlog dir")
		return
	}
	for _, e := range entries {
		if re.MatchString(e.Name()) {
			path := filepath.Join(dir, e.Name())
			if err := os.Remove(path); err != nil {
				log.Warnf("Failed to clean up %s", pyRepr(path))
			}
		}
	}
}

// echoBuffer bounds what the foreground echo may hold for a slow reader.
const echoBuffer = 1 << 20

// backgroundWriter writes in a goroutine of its own, so a reader of
// supervisord's stdout that stalls (a paused pager, a full pipe) never
// stalls whoever logs; past max pending bytes, records are dropped.
type backgroundWriter struct {
	mu      sync.Mutex
	w       io.Writer
	max     int
	pending []byte
	writing bool
	idle    chan struct{} // closed when a drain finishes
}

func (b *backgroundWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending)+len(p) > b.max {
		return len(p), nil
	}
	b.pending = append(b.pending, p...)
	if !b.writing {
		b.writing = true
		b.idle = make(chan struct{})
		go b.drain()
	}
	return len(p), nil
}

func (b *backgroundWriter) drain() {
	for {
		b.mu.Lock()
		chunk := b.pending
		b.pending = nil
		if len(chunk) == 0 {
			b.writing = false
			close(b.idle)
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.w.Write(chunk)
	}
}

// flush waits up to d for pending bytes to be written.
func (b *backgroundWriter) flush(d time.Duration) {
	b.mu.Lock()
	idle, writing := b.idle, b.writing
	b.mu.Unlock()
	if !writing {
		return
	}
	select {
	case <-idle:
	case <-time.After(d):
	}
}
