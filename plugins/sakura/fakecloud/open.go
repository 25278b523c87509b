package fakecloud

import (
	"fmt"
	"os"

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
	fake.DataStore = fake.NewJSONFileStore(path)
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
