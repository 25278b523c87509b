package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// instance is one simulated VM.
type instance struct {
	ID           string            `json:"id"`
	NodeID       string            `json:"node_id"`
	ControllerID string            `json:"controller_id"`
	Name         string            `json:"name"`
	Address      string            `json:"address"`
	Type         string            `json:"type"`
	State        string            `json:"state"`
	Reason       string            `json:"reason,omitempty"`
	Tags         map[string]string `json:"tags"`
	Created      time.Time         `json:"created"`
	// Protected instances refuse deletion (as EC2's termination
	// protection), for tests of nodes that cannot be deleted.
	Protected bool `json:"protected,omitempty"`
}

// event is one line of the journal.
type event struct {
	Op   string    `json:"op"` // "put" or "del"
	Inst *instance `json:"inst,omitempty"`
	ID   string    `json:"id,omitempty"`
}

// store is the simulated cloud's state: an append-only journal of JSON
// lines under an flock, so several plugin processes (a restarted host, a
// `plugins list`) share one cloud, and a process killed mid-write loses at
// most its own torn last line. Each process caches the replayed state and
// reads only what others appended since.
type store struct {
	dir string

	mu      sync.Mutex
	insts   map[string]*instance
	byNode  map[string]string // node id -> instance id
	ino     uint64
	off     int64
	lines   int
	lockFD  *os.File
	scratch bytes.Buffer
}

var (
	storesMu sync.Mutex
	stores   = map[string]*store{}
)

// openStore returns the process-wide store of dir.
func openStore(dir string) (*store, error) {
	storesMu.Lock()
	defer storesMu.Unlock()
	if s, ok := stores[dir]; ok {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("simulated cloud state dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "cloud.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("simulated cloud lock: %w", err)
	}
	s := &store{dir: dir, lockFD: lock}
	s.reset()
	stores[dir] = s
	return s, nil
}

func (s *store) journal() string { return filepath.Join(s.dir, "cloud.jsonl") }

func (s *store) reset() {
	s.insts, s.byNode, s.ino, s.off, s.lines = map[string]*instance{}, map[string]string{}, 0, 0, 0
}

// tx runs fn with the state current and under the cross-process lock; the
// events fn returns are appended to the journal.
func (s *store) tx(fn func() ([]event, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := syscall.Flock(int(s.lockFD.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock simulated cloud: %w", err)
	}
	// Unlocking a held lock on an open file cannot fail in a way to act on.
	defer func() { _ = syscall.Flock(int(s.lockFD.Fd()), syscall.LOCK_UN) }()
	if err := s.refresh(); err != nil {
		return err
	}
	evs, err := fn()
	if err != nil || len(evs) == 0 {
		return err
	}
	return s.append(evs)
}

// refresh replays what other processes appended since our last look.
func (s *store) refresh() error {
	f, err := os.Open(s.journal())
	if os.IsNotExist(err) {
		s.reset()
		return nil
	}
	if err != nil {
		return fmt.Errorf("open simulated cloud journal: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	if ino != s.ino || fi.Size() < s.off {
		s.reset() // compacted by another process
		s.ino = ino
	}
	if fi.Size() == s.off {
		return nil
	}
	if _, err := f.Seek(s.off, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			// A torn last line (a writer killed mid-write) is skipped for good.
			return nil
		}
		s.off += int64(len(line))
		var ev event
		if json.Unmarshal(line, &ev) == nil {
			s.apply(ev)
		}
	}
}

func (s *store) apply(ev event) {
	s.lines++
	switch ev.Op {
	case "put":
		s.insts[ev.Inst.ID] = ev.Inst
		s.byNode[ev.Inst.NodeID] = ev.Inst.ID
	case "del":
		if in, ok := s.insts[ev.ID]; ok {
			delete(s.byNode, in.NodeID)
			delete(s.insts, ev.ID)
		}
	}
}

func (s *store) append(evs []event) error {
	s.scratch.Reset()
	enc := json.NewEncoder(&s.scratch)
	for _, ev := range evs {
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(s.journal(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open simulated cloud journal: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	if s.ino == 0 {
		if fi, err := f.Stat(); err == nil {
			s.ino = fi.Sys().(*syscall.Stat_t).Ino
		}
	}
	// One write per transaction: O_APPEND keeps concurrent writers whole.
	if _, err := f.Write(s.scratch.Bytes()); err != nil {
		return fmt.Errorf("write simulated cloud journal: %w", err)
	}
	s.off += int64(s.scratch.Len())
	for _, ev := range evs {
		s.apply(ev)
	}
	if s.lines > 4*len(s.insts)+4096 {
		return s.compact()
	}
	return nil
}

// compact rewrites the journal as one put per live instance.
func (s *store) compact() error {
	tmp := s.journal() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, in := range s.insts {
		if err := enc.Encode(event{Op: "put", Inst: in}); err != nil {
			_ = f.Close() // the write failed already
			return err
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close() // the write failed already
		return err
	}
	fi, err := f.Stat()
	// A failed close of a written file may have lost the data: never
	// rename such a file over the journal.
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, s.journal()); err != nil {
		return err
	}
	s.ino, s.off, s.lines = fi.Sys().(*syscall.Stat_t).Ino, fi.Size(), len(s.insts)
	return nil
}
