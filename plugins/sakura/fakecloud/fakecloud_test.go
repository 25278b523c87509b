package fakecloud

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/search"
	"github.com/sacloud/iaas-api-go/types"
)

// The fake is process-wide and opens once: each step of a test runs in a
// process of its own, this test binary started again with a role.
func TestMain(m *testing.M) {
	path := os.Getenv("FAKECLOUD_STORE")
	var err error
	switch os.Getenv("FAKECLOUD_ROLE") {
	case "":
		os.Exit(m.Run())
	case "seed":
		var sw Switches
		if sw, err = Seed(path); err == nil {
			err = json.NewEncoder(os.Stdout).Encode(sw)
		}
	case "crash": // a plugin killed mid-copy and mid-shutdown
		err = crash(path)
	case "open":
		err = Open(path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func role(t testing.TB, name, path string) []byte {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "FAKECLOUD_ROLE="+name, "FAKECLOUD_STORE="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("role %s: %v", name, err)
	}
	return out
}

// crash makes a server on tk1a's switch at 10.0.0.5 with a disk, then
// leaves the disk copying and the server shutting down, as a process
// that died in the middle would.
func crash(path string) error {
	if err := Open(path); err != nil {
		return err
	}
	ctx := context.Background()
	sws, err := iaas.NewSwitchOp(nil).Find(ctx, "tk1a", &iaas.FindCondition{Filter: search.Filter{search.Key("Name"): search.ExactMatch(SwitchName)}})
	if err != nil || len(sws.Switches) != 1 {
		return fmt.Errorf("no one switch %s in tk1a: %v", SwitchName, err)
	}
	s, err := iaas.NewServerOp(nil).Create(ctx, "tk1a", &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: "victim", Tags: types.Tags{"t=1"},
		ConnectedSwitches: []*iaas.ConnectedSwitch{{ID: sws.Switches[0].ID, Scope: types.Scopes.User}}})
	if err != nil {
		return err
	}
	d, err := iaas.NewDiskOp(nil).Create(ctx, "tk1a", &iaas.DiskCreateRequest{DiskPlanID: types.DiskPlans.SSD, SizeMB: 20480, ServerID: s.ID, Name: "victim"}, nil, 0)
	if err != nil {
		return err
	}
	if err := iaas.NewDiskOp(nil).Config(ctx, "tk1a", d.ID, &iaas.DiskEditRequest{UserIPAddress: "10.0.0.5", UserSubnet: &iaas.DiskEditUserSubnet{DefaultRoute: "10.0.0.1", NetworkMaskLen: 24}}); err != nil {
		return err
	}
	for d.Availability != types.Availabilities.Available { // the fake's own copy ends first
		time.Sleep(10 * time.Millisecond)
		if d, err = iaas.NewDiskOp(nil).Read(ctx, "tk1a", d.ID); err != nil {
			return err
		}
	}
	d.Availability = types.Availabilities.Migrating
	fake.DataStore.Put(fake.ResourceDisk, "tk1a", d.ID, d)
	s, _ = iaas.NewServerOp(nil).Read(ctx, "tk1a", s.ID)
	s.InstanceStatus = types.ServerInstanceStatuses.Cleaning
	fake.DataStore.Put(fake.ResourceServer, "tk1a", s.ID, s)
	return Flush() // as after the last answer before the kill
}

// TestStore: a seeded store has a switch per zone and opens; what a
// process left half-done is finished by the next one to open the store;
// Read shows it.
func TestStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.json")
	var sw Switches
	if err := json.Unmarshal(role(t, "seed", path), &sw); err != nil {
		t.Fatal(err)
	}
	if len(sw) != len(Zones) || sw["tk1a"] == "" {
		t.Fatalf("switches %v", sw)
	}
	role(t, "crash", path)
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	state := func(rs []Resource) map[string]string {
		out := map[string]string{}
		for _, r := range rs {
			if r.Name == "victim" {
				out[r.Kind] = r.Status + "/" + r.Availability + "/" + r.IP + "/" + r.SwitchID
			}
		}
		return out
	}
	want := map[string]string{"Server": "cleaning/available/10.0.0.5/" + sw["tk1a"], "Disk": "/migrating//"}
	if diff := cmp.Diff(want, state(got)); diff != "" {
		t.Errorf("after the crash (-want +got):\n%s", diff)
	}
	role(t, "open", path)
	got, _ = Read(path)
	want = map[string]string{"Server": "down/available/10.0.0.5/" + sw["tk1a"], "Disk": "/available//"}
	if diff := cmp.Diff(want, state(got)); diff != "" {
		t.Errorf("after the next open (-want +got):\n%s", diff)
	}
}

// TestReadWaitsForAWholeFile: the fake rewrites its file in place, so a
// reader may meet half of it; Read tries again.
func TestReadWaitsForAWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.json")
	whole := `[{"ResourceType": "Server", "ZoneName": "tk1a", "ID": "1", "Name": "s", "Tags": ["a=b"], "InstanceStatus": "up", "Interfaces": [{"UserIPAddress": "10.0.0.9", "SwitchID": 7}]}]`
	if err := os.WriteFile(path, []byte(whole[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = os.WriteFile(path, []byte(whole), 0o600) // the test fails below if it did not happen
	}()
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Resource{{Kind: "Server", Zone: "tk1a", ID: "1", Name: "s", Tags: []string{"a=b"}, Status: "up", IP: "10.0.0.9", SwitchID: "7"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
