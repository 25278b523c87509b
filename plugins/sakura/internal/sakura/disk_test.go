package sakura

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// attachInFake connects a disk to a new server of the zone through the
// fake, as a sakura node's create would.
func attachInFake(zone string) func(context.Context, string) (string, error) {
	return func(ctx context.Context, id string) (string, error) {
		a, err := newAPI("t", "s", "test")
		if err != nil {
			return "", err
		}
		s, err := a.server.Create(ctx, zone, &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: "holder"})
		if err != nil {
			return "", err
		}
		return s.ID.String(), a.disk.ConnectToServer(ctx, zone, types.StringID(id), s.ID)
	}
}

// TestConformanceDisk runs the shared suite on sakura_disk over real gRPC,
// in-process, against the fake: disks with size and zone, a disk the
// fake connects to a server names it, and a delete disconnects it first.
func TestConformanceDisk(t *testing.T) {
	impl := NewDisk("0.1.0")
	e := env("is1a")
	e.CatalogEntry = json.RawMessage(`{"sakura_zone": "is1a"}`)
	providertest.Run(t, providertest.Fixture{
		Provider: providertest.Connect(t, impl), Impl: impl, Env: e,
		Spec:       json.RawMessage(`{"sakuracloud_disk_plan": "hdd", "sakuracloud_disk_size": 40, "tags": {"team": "a"}}`),
		AttachDisk: attachInFake("is1a"),
		BadCatalog: []providertest.Bad{
			{Name: "no_zone", Doc: json.RawMessage(`{}`), WantField: "catalog.sakura_zone"},
			{Name: "bad_switch", Doc: json.RawMessage(`{"sakura_zone": "is1a", "sakura_local_switch_id": "sw"}`), WantField: "catalog.sakura_local_switch_id"},
		},
		BadSpec: []providertest.Bad{
			{Name: "size", Doc: json.RawMessage(`{"sakuracloud_disk_size": 30}`), WantField: "spec.sakuracloud_disk_size"},
			{Name: "plan", Doc: json.RawMessage(`{"sakuracloud_disk_plan": "nvme"}`), WantField: "spec.sakuracloud_disk_plan"},
			{Name: "archive", Doc: json.RawMessage(`{"cloud_image": "` + strings.Repeat("x", 257) + `"}`), WantField: "spec.cloud_image"},
			{Name: "num_nodes", Doc: json.RawMessage(`{"num_nodes": 2}`), WantField: "spec.num_nodes"},
		},
		Timeout: 30 * time.Second,
	})
}

// A disk is made in the entry's zone with the spec's plan and size, the
// controller's and node's tags and the node's instance name.
func TestDiskCreate(t *testing.T) {
	e := env("tk1b")
	ref := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, VCID: "v", UnitName: "nfs", CloudInstanceName: "VCP-disk-1"}
	st, err := NewDisk("0.1.0").CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: ref,
		Spec: json.RawMessage(`{"sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 100, "tags": {"course": "x"}}`), FirstAttempt: true})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newAPI("t", "s", "test")
	d, err := a.disk.Read(context.Background(), "tk1b", types.StringID(st.CloudInstanceID))
	if err != nil {
		t.Fatal(err)
	}
	got := diskStatus(d, "tk1b")
	if d.SizeMB != 100*1024 || d.DiskPlanID != types.DiskPlans.SSD || d.Name != "VCP-disk-1" || got.NodeID != ref.NodeID ||
		got.Tags[provider.TagControllerID] != e.ControllerID || got.Tags["course"] != "x" || got.Disk.Type != "ssd" || got.Disk.SizeGB != 100 {
		t.Errorf("disk %+v, status %+v", d, got)
	}
	ref.NodeID = providertest.NewNodeID()
	st, err = NewDisk("0.1.0").CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: ref,
		Spec: json.RawMessage(`{"sakuracloud_disk_size": 40, "cloud_image": "Ubuntu Server 22.04 LTS 64bit"}`), FirstAttempt: true})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := a.disk.Read(context.Background(), "tk1b", types.StringID(st.CloudInstanceID)); err != nil || d.SourceArchiveID.IsEmpty() {
		t.Errorf("a disk from an archive named: %+v %v", d, err)
	}
}

// TestDiskSmoke runs the production binary as vcc-host does, through the
// validation cases (no cloud call).
func TestDiskSmoke(t *testing.T) {
	bin := goBuild(t, "vcc-provider-sakura-disk", "./cmd/vcc-provider-sakura-disk")
	providertest.Smoke(t, bin, providertest.Fixture{
		Env:     provider.CallEnv{ControllerID: "c", CatalogEntryName: "default", CatalogEntry: json.RawMessage(`{"sakura_zone": "tk1a"}`)},
		Spec:    json.RawMessage(`{"sakuracloud_disk_size": 40}`),
		BadSpec: []providertest.Bad{{Name: "size", Doc: json.RawMessage(`{"sakuracloud_disk_size": 30}`), WantField: "spec.sakuracloud_disk_size"}},
	})
}

// A sakura node reports the disks connected besides its boot disk, with
// their virtio device.
func TestConnected(t *testing.T) {
	s := &iaas.Server{Disks: []*iaas.ServerConnectedDisk{
		{ID: 111111111111, Connection: types.DiskConnections.VirtIO},
		{ID: 222222222222, Connection: types.DiskConnections.VirtIO},
		{ID: 333333333333, Connection: types.DiskConnections.IDE},
	}}
	want := []provider.DiskAttachment{{CloudDiskID: "222222222222", Device: "/dev/vdb"}, {CloudDiskID: "333333333333"}}
	if diff := cmp.Diff(want, connected(s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDiskPreflight: a size the zone's plan lacks and an archive the zone
// lacks are refused on their field before anything is made.
func TestDiskPreflight(t *testing.T) {
	e := env("tk1a")
	e.CatalogEntry = json.RawMessage(`{"sakura_zone": "tk1a"}`)
	for name, tc := range map[string]struct{ spec, want string }{
		"valid":           {`{"sakuracloud_disk_size": 40}`, ""},
		"archive by name": {`{"sakuracloud_disk_size": 40, "cloud_image": "Ubuntu Server 22.04 LTS 64bit"}`, ""},
		"unknown archive": {`{"sakuracloud_disk_size": 40, "cloud_image": "999999999999"}`, "spec.cloud_image"},
		"unknown name":    {`{"sakuracloud_disk_size": 40, "cloud_image": "Windows 95"}`, "spec.cloud_image"},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := NewDisk("0.1.0").Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(tc.spec)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				if d.Severity == provider.SeverityError {
					got = append(got, d.Field)
				}
			}
			if (tc.want == "" && len(got) != 0) || (tc.want != "" && (len(got) != 1 || got[0] != tc.want)) {
				t.Errorf("errors on %v, want %q: %v", got, tc.want, res.Diagnostics)
			}
		})
	}
}

// TestDiskLaunch runs the suite on the test build of the disk binary,
// started as vcc-host starts it, on a store it writes with another
// writer's rights (shared), as beside the sakura test build.
func TestDiskLaunch(t *testing.T) {
	bin := goBuild(t, "vcc-provider-sakura-disk-fake", "./cmd/vcc-provider-sakura-disk", "-tags", "sakurafake")
	store, _ := seeded(t)
	p := providertest.Launch(t, bin, "SAKURACLOUD_FAKE_STORE_PATH="+store, "SAKURACLOUD_FAKE_SHARED=1")
	e := env("tk1a")
	e.CatalogEntry = json.RawMessage(`{"sakura_zone": "tk1a"}`)
	providertest.Run(t, providertest.Fixture{Provider: p, Env: e, Spec: json.RawMessage(`{"sakuracloud_disk_size": 40}`), Timeout: 30 * time.Second})
	left, err := fakecloud.Read(store)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range left {
		if r.Tagged("vcc.controller_id=" + e.ControllerID) {
			t.Errorf("left in the cloud: %+v", r)
		}
	}
}
