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
	"time"

	"github.com/vccproject/vcc/host/internal/rotate"
)

// Entry is one audit line.
type Entry struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"` // api or cloud
	User     string    `json:"user,omitempty"`
	Accessor string    `json:"token_accessor,omitempty"`
	// RequestID ties the line to the API log and the caller.
	RequestID string `json:"request_id,omitempty"`
	Method    string `json:"method,omitempty"`
	Path      string `json:"path,omitempty"`
	Status    int    `json:"status,omitempty"`
	OpID      string `json:"operation_id,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Call      string `json:"call,omitempty"`
	NodeID    string `json:"node_id,omitempty"`
	Result    string `json:"result,omitempty"`
}

// Log is an append-only, size-rotated JSON-lines file.
type Log struct {
	w *rotate.Writer
}

// Open opens dir/audit.log; past maxBytes it becomes audit.log.1 (and
// older ones shift up to audit.log.<keep>).
func Open(dir string, maxBytes int64, keep int) (*Log, error) {
	w, err := rotate.Open(filepath.Join(dir, "audit.log"), maxBytes, keep)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Log{w: w}, nil
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
	_, err = l.w.Write(append(raw, '\n'))
	return err
}

// Tail returns up to n of the newest lines, oldest first.
func (l *Log) Tail(n int) ([]json.RawMessage, error) {
	var lines []json.RawMessage
	var err error
	l.w.Lock(func() {
		for _, path := range l.w.Files() {
			if len(lines) >= n {
				break
			}
			f, oerr := os.Open(path)
			if os.IsNotExist(oerr) {
				break
			}
			if oerr != nil {
				err = oerr
				return
			}
			var file []json.RawMessage
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				file = append(file, append(json.RawMessage(nil), sc.Bytes()...))
			}
			serr := sc.Err() // e.g. a line over the 1 MiB cap: say so, not a short tail
			_ = f.Close()    // read only
			if serr != nil {
				err = fmt.Errorf("read %s: %w", path, serr)
				return
			}
			lines = append(file, lines...)
		}
	})
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, err
}

// Close closes the file.
func (l *Log) Close() error { return l.w.Close() }
