package fakecloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// mapStore is a fake.Store in memory, written to its file by flush in
// the format of the fake's own file store. That one re-encodes and
// rewrites its whole file on every change, which makes seeding take
// ~12 s and a server cost some twenty rewrites; here a record is
// encoded when put, and flush joins the encodings.
type mapStore struct {
	mu   sync.Mutex
	data fake.JSONFileStoreData
	enc  map[string][]byte // a record's encoding as last put or read, by recordKey; absent if it failed
	path string
	// gen counts changes; written is the gen the file holds. fmu makes
	// one flush at a time.
	gen, written uint64
	fmu          sync.Mutex
	// shared: other processes write the file too (shared.go); synced
	// holds each record as this process last read or wrote it there.
	shared bool
	synced map[string][]byte
}

// key is the fake's own key of a resource kind in a zone.
func key(resource, zone string) string { return resource + "/" + zone }

func splitKey(k string) (resource, zone string) {
	resource, zone, _ = strings.Cut(k, "/")
	return resource, zone
}

func recordKey(k, id string) string { return k + "\x00" + id }

// flush writes the store when it changed since the last write. Callers
// that arrive while a write is under way wait for it and write only what
// changed after it began (one write serves them all), and the fake's
// calls go on during the file write: the store's lock is held only to
// take a snapshot of the records' encodings.
func (s *mapStore) flush() error {
	s.mu.Lock()
	want := s.gen
	s.mu.Unlock()
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if s.shared {
		unlock, err := lockFile(s.path)
		if err != nil {
			return err
		}
		defer unlock()
		if err := s.merge(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	if s.written >= want || s.written == s.gen {
		s.mu.Unlock()
		return nil // written since this call began, or nothing changed
	}
	gen := s.gen
	keys, recs, err := s.snapshot()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	buf.Write(bytes.Join(recs, []byte{','}))
	buf.WriteByte(']')
	if err := writeAtomic(s.path, buf.Bytes()); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = gen
	if s.shared {
		s.synced = make(map[string][]byte, len(keys))
		for i, rk := range keys {
			s.synced[rk] = recs[i]
		}
	}
	return nil
}

// snapshot is every record's encoding, as put; the caller holds s.mu.
func (s *mapStore) snapshot() (keys []string, recs [][]byte, err error) {
	if s.enc == nil {
		s.enc = map[string][]byte{}
	}
	for k, ids := range s.data {
		for id := range ids {
			keys = append(keys, recordKey(k, id))
		}
	}
	sort.Strings(keys)
	recs = make([][]byte, len(keys))
	for i, rk := range keys {
		rec, ok := s.enc[rk]
		if !ok { // loaded, or its put failed to encode
			k, id, _ := strings.Cut(rk, "\x00")
			if rec, err = encode(k, id, s.data[k][id]); err != nil {
				return nil, nil, err
			}
			s.enc[rk] = rec
		}
		recs[i] = rec
	}
	return keys, recs, nil
}

func (s *mapStore) Init() error { return nil }

// NeedInitData: only an empty store is seeded, as the fake's file store
// decides (a loaded one would be seeded over).
func (s *mapStore) NeedInitData() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data) < 2
}

// Put encodes the record at once, in the caller's goroutine: the fake
// goes on changing an object it has put (a server while it makes its
// NICs) and puts it again when done, so a flush must not read the object
// itself, only what was put.
func (s *mapStore) Put(resource, zone string, id types.ID, v any) {
	k := key(resource, zone)
	rec, err := encode(k, id.String(), v)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data[k] == nil {
		s.data[k] = map[string]any{}
	}
	s.data[k][id.String()] = v
	rk := recordKey(k, id.String())
	if s.enc == nil {
		s.enc = map[string][]byte{}
	}
	if err == nil {
		s.enc[rk] = rec
	} else {
		delete(s.enc, rk) // the flush tries again, and says why it fails
	}
	s.gen++
}

// encode is a record as the fake's file store writes it.
func encode(k, id string, v any) ([]byte, error) {
	raw, err := json.Marshal(fake.JSONFileStoreData{k: {id: v}}) // "[{record}]"
	if err != nil {
		return nil, fmt.Errorf("encode the fake store: %w", err)
	}
	return bytes.TrimSuffix(bytes.TrimPrefix(raw, []byte("[")), []byte("]")), nil
}

func (s *mapStore) Get(resource, zone string, id types.ID) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[key(resource, zone)][id.String()]
}

func (s *mapStore) List(resource, zone string) []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []any
	for _, v := range s.data[key(resource, zone)] {
		out = append(out, v)
	}
	return out
}

func (s *mapStore) Delete(resource, zone string, id types.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(resource, zone)
	delete(s.data[k], id.String())
	delete(s.enc, recordKey(k, id.String()))
	s.gen++
}
