package fakecloud

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// store is the process's store once Open ran.
var store *mapStore

// Open switches this process into fake mode on the store file at path,
// made by Seed: what the test build of the plugin does at start. The
// process then holds the store in memory and writes it back with Flush:
// it must be the file's one writer (two writers lose each other's
// changes), and readers see what it last flushed.
func Open(path string) (err error) {
	enter()
	st, err := load(path)
	if err != nil {
		return err
	}
	store = st
	fake.DataStore = st
	fake.SwitchFactoryFuncToFake()
	fake.InitDataStore() // a loaded store needs no seeding
	settle()
	return Flush()
}

// Flush writes the store to its file (through a rename: a reader never
// sees half a file, a process killed mid-write leaves the last one) when
// it changed since. The fake's own file store rewrites the whole file on
// every change, some twenty times per server made; the test build of the
// plugin flushes once per answered call instead (Persisting), so the file
// holds at least everything an answer told.
func Flush() error {
	if store == nil {
		return nil
	}
	return store.flush()
}

// load reads a store file with the types the fake expects: its own file
// store does the typing, and the file's keys say what to take from it.
func load(path string) (st *mapStore, err error) {
	raw, err := os.ReadFile(path)
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("no seeded fake store at %s (make one with: sakura-fakecloud seed -store %s)", path, path)
	}
	var keys fake.JSONFileStoreData
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("read the fake store %s: %w", path, err)
	}
	typed := fake.NewJSONFileStore(path)
	if err := typed.Init(); err != nil {
		return nil, fmt.Errorf("read the fake store %s: %w", path, err)
	}
	st = &mapStore{data: fake.JSONFileStoreData{}, path: path}
	for k, ids := range keys {
		resource, zone := splitKey(k)
		for id := range ids {
			st.Put(resource, zone, types.StringID(id), typed.Get(resource, zone, types.StringID(id)))
		}
	}
	return st, nil
}

// settle finishes what a previous process left half-done. The real cloud
// copies a disk and shuts a server down on its own; the fake does it in
// goroutines of the process that asked, which end with it, so a test
// plugin killed mid-create (the host crash tests) would leave a disk
// copying for ever. The real cloud would have finished meanwhile.
func settle() {
	st := fake.DataStore
	for _, zone := range types.ZoneNames {
		for _, v := range st.List(fake.ResourceDisk, zone) {
			if d, ok := v.(*iaas.Disk); ok && d.Availability == types.Availabilities.Migrating {
				d.Availability, d.MigratedMB = types.Availabilities.Available, d.SizeMB
				st.Put(fake.ResourceDisk, zone, d.ID, d)
			}
		}
		for _, v := range st.List(fake.ResourceServer, zone) {
			if s, ok := v.(*iaas.Server); ok && s.InstanceStatus == types.ServerInstanceStatuses.Cleaning {
				s.InstanceStatus = types.ServerInstanceStatuses.Down
				st.Put(fake.ResourceServer, zone, s.ID, s)
			}
		}
	}
}
