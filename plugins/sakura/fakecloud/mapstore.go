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
// ~12 s and a server cost some twenty rewrites; flush re-encodes only
// what changed since the last one.
type mapStore struct {
	mu    sync.Mutex
	data  fake.JSONFileStoreData
	enc   map[string][]byte // a record as written, by recordKey; absent once changed
	path  string
	dirty bool
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

// flush writes the store when it changed.
func (s *mapStore) flush() error {
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
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	if s.enc == nil {
		s.enc = map[string][]byte{}
	}
	var keys []string
	for k, ids := range s.data {
		for id := range ids {
			keys = append(keys, recordKey(k, id))
		}
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, rk := range keys {
		rec, ok := s.enc[rk]
		if !ok {
			k, id, _ := strings.Cut(rk, "\x00")
			raw, err := json.Marshal(fake.JSONFileStoreData{k: {id: s.data[k][id]}}) // "[{record}]"
			if err != nil {
				return fmt.Errorf("encode the fake store: %w", err)
			}
			rec = bytes.TrimSuffix(bytes.TrimPrefix(raw, []byte("[")), []byte("]"))
			s.enc[rk] = rec
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(rec)
	}
	buf.WriteByte(']')
	if err := writeAtomic(s.path, buf.Bytes()); err != nil {
		return err
	}
	if s.shared {
		s.synced = map[string][]byte{}
		for _, rk := range keys {
			s.synced[rk] = s.enc[rk]
		}
	}
	s.dirty = false
	return nil
}

func (s *mapStore) Init() error { return nil }

// NeedInitData: only an empty store is seeded, as the fake's file store
// decides (a loaded one would be seeded over).
func (s *mapStore) NeedInitData() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data) < 2
}

func (s *mapStore) Put(resource, zone string, id types.ID, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(resource, zone)
	if s.data[k] == nil {
		s.data[k] = map[string]any{}
	}
	s.data[k][id.String()] = v
	delete(s.enc, recordKey(k, id.String()))
	s.dirty = true
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
	s.dirty = true
}
