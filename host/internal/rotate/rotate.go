// Package rotate is an append-only file that rotates by size: past its
// limit, name.log becomes name.log.1, older ones shift up to name.log.N.
package rotate

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Writer appends to a size-rotated file; safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

// Open opens (creating dirs and file, 0600) path.
func Open(path string, maxBytes int64, keep int) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	w := &Writer{path: path, max: maxBytes, keep: keep}
	return w, w.open()
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", w.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close() // nothing written yet; the Stat error says it all
		return err
	}
	w.f, w.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when p would cross the limit.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.size+int64(len(p)) > w.max && w.size > 0 {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

func (w *Writer) rotate() error {
	// os.File buffers nothing, so a failed close loses no write of ours;
	// rotating on beats a log stuck on one file.
	_ = w.f.Close()
	for i := w.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", w.path, i), fmt.Sprintf("%s.%d", w.path, i+1))
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return err
	}
	return w.open()
}

// Files lists the current file and the rotated ones, newest first.
func (w *Writer) Files() []string {
	out := []string{w.path}
	for i := 1; i <= w.keep; i++ {
		out = append(out, fmt.Sprintf("%s.%d", w.path, i))
	}
	return out
}

// Lock runs fn with writes held off (to read the files consistently).
func (w *Writer) Lock(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn()
}

// Close closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}
