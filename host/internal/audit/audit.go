// Package audit appends one JSON line per API call and per cloud-changing
// plugin call, rotating the file by size. It records who did what, never
// request bodies, so no secret reaches it.
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Entry is one audit line.
type Entry struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"` // api or cloud
	User     string    `json:"user,omitempty"`
	Accessor string    `json:"token_accessor,omitempty"`
	Method   string    `json:"method,omitempty"`
	Path     string    `json:"path,omitempty"`
	Status   int       `json:"status,omitempty"`
	OpID     string    `json:"operation_id,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Call     string    `json:"call,omitempty"`
	NodeID   string    `json:"node_id,omitempty"`
	Result   string    `json:"result,omitempty"`
}

// Log is an append-only, size-rotated JSON-lines file.
type Log struct {
	mu   sync.Mutex
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

// Open opens dir/audit.log; past maxBytes it becomes audit.log.1 (and
// older ones shift up to audit.log.<keep>).
func Open(dir string, maxBytes int64, keep int) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Log{path: filepath.Join(dir, "audit.log"), max: maxBytes, keep: keep}
	return l, l.open()
}

func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// Write appends e. Failing to audit is reported, not fatal to the call.
func (l *Log) Write(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size+int64(len(raw)) > l.max && l.size > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(raw)
	l.size += int64(n)
	return err
}

func (l *Log) rotate() error {
	l.f.Close()
	for i := l.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return err
	}
	return l.open()
}

// Tail returns up to n of the newest lines, oldest first.
func (l *Log) Tail(n int) ([]json.RawMessage, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []json.RawMessage
	for i := 0; i <= l.keep && len(lines) < n; i++ {
		path := l.path
		if i > 0 {
			path = fmt.Sprintf("%s.%d", l.path, i)
		}
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			return nil, err
		}
		var file []json.RawMessage
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			file = append(file, append(json.RawMessage(nil), sc.Bytes()...))
		}
		f.Close()
		lines = append(file, lines...)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
