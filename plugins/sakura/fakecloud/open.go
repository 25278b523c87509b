package fakecloud

import (
	"fmt"
	"os"
	"sync"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// Open switches this process into fake mode on the store file at path,
// made by Seed: what the test build of the plugin does at start. This
// process is then the store's one writer (the fake rewrites the whole
// file on every change, without a lock: two writers lose each other's
// changes).
func Open(path string) (err error) {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return fmt.Errorf("no seeded fake store at %s (make one with: sakura-fakecloud seed -store %s)", path, path)
	}
	quiet()
	fake.DataStore = &atomicFile{JSONFileStore: fake.NewJSONFileStore(path), path: path}
	fake.SwitchFactoryFuncToFake()
	defer func() { // the fake panics on a store it cannot read
		if r := recover(); r != nil {
			err = fmt.Errorf("open the fake store %s: %v", path, r)
		}
	}()
	fake.InitDataStore()
	settle()
	return nil
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

// atomicFile is the fake's JSON file store made to replace its file
// through a rename. The fake rewrites the whole file in place on every
// change: a plugin killed mid-write (the host crash tests kill it with
// the host) would leave half a file for the next one, and a reader could
// meet half a file at any time.
type atomicFile struct {
	*fake.JSONFileStore
	path string
	mu   sync.Mutex // one write and its rename at a time
}

// Init loads the file, then points the fake's writes at a file beside
// it, which each change renames over the store.
func (s *atomicFile) Init() error {
	if err := s.JSONFileStore.Init(); err != nil {
		return err
	}
	s.Path = s.path + ".next" // the fake's field: where it writes
	return nil
}

func (s *atomicFile) Put(resource, zone string, id types.ID, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.JSONFileStore.Put(resource, zone, id, v)
	s.publish()
}

func (s *atomicFile) Delete(resource, zone string, id types.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.JSONFileStore.Delete(resource, zone, id)
	s.publish()
}

// publish renames the fake's write over the store. Its error is dropped
// as the fake drops those of its own writes: a test then sees the store
// unchanged.
func (s *atomicFile) publish() { _ = os.Rename(s.Path, s.path) }
