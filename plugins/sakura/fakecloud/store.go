package fakecloud

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// Seed writes to path a store seeded with the fake's initial data and a
// local switch per zone, and returns the switches. It switches this
// process into fake mode: run it in a process of its own
// (cmd/sakura-fakecloud seed), once per test run, and copy the file for
// each test.
func Seed(path string) (Switches, error) {
	st := &mapStore{data: fake.JSONFileStoreData{}}
	sw, err := start(st)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	raw, err := json.MarshalIndent(st.data, "", "\t") // the format fake.JSONFileStore reads
	st.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("encode the seeded store: %w", err)
	}
	return sw, writeAtomic(path, raw)
}

// writeAtomic replaces path with raw through a rename, so a reader never
// sees half a file.
func writeAtomic(path string, raw []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".seed-*")
	if err != nil {
		return fmt.Errorf("write the store: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		_ = tmp.Close() // the write error is the one to report
		return fmt.Errorf("write the store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the store: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write the store: %w", err)
	}
	return nil
}

// mapStore is a fake.Store in memory that Seed writes out once. The
// fake's own file store rewrites its whole file on every change, which
// makes seeding it take ~12 s; this takes well under a second.
type mapStore struct {
	mu   sync.Mutex
	data fake.JSONFileStoreData
}

// key is the fake's own key of a resource kind in a zone.
func key(resource, zone string) string { return resource + "/" + zone }

func (s *mapStore) Init() error        { return nil }
func (s *mapStore) NeedInitData() bool { return true }

func (s *mapStore) Put(resource, zone string, id types.ID, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(resource, zone)
	if s.data[k] == nil {
		s.data[k] = map[string]any{}
	}
	s.data[k][id.String()] = v
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
	delete(s.data[key(resource, zone)], id.String())
}
