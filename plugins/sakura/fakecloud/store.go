package fakecloud

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sacloud/iaas-api-go/fake"
)

// Seed writes to path a store seeded with the fake's initial data and a
// local switch per zone, and returns the switches. It switches this
// process into fake mode: run it in a process of its own
// (cmd/sakura-fakecloud seed), once per test run, and copy the file for
// each test.
func Seed(path string) (Switches, error) {
	st := &mapStore{data: fake.JSONFileStoreData{}, path: path}
	sw, err := start(st)
	if err != nil {
		return nil, err
	}
	return sw, st.flush()
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
