package controller

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// diskInfo is a disk provider as its plugin would describe itself.
func diskInfo() *provider.Info {
	return &provider.Info{Name: "disk", Capabilities: []provider.Capability{provider.CapDisks}, SpecSchema: provider.Schema{Attributes: []provider.Attribute{
		{Name: "num_disks", Type: provider.TypeInt, Default: 1},
		{Name: "size", Type: provider.TypeInt, Default: 8},
		{Name: "private_network", Type: provider.TypeString, Default: "default"},
	}}}
}

// A storage spec counts num_disks; num_nodes and fixed addresses are
// refused on their field, before the schema's generic "unknown field".
func TestResolveStorageSpec(t *testing.T) {
	cases := map[string]struct {
		user    map[string]any
		want    int
		wantErr *errView
	}{
		"num_disks counts": {user: map[string]any{"num_disks": 3}, want: 3},
		"default one disk": {user: map[string]any{}, want: 1},
		"num_nodes": {user: map[string]any{"num_nodes": 2},
			wantErr: &errView{Status: 400, Msg: "num_nodes in a storage spec", Details: []FieldError{{Field: "spec.num_nodes", Message: "a storage unit counts its disks: use num_disks (provider disk)"}}}},
		"fixed IPs": {user: map[string]any{"ip_addresses": []string{"10.0.0.5"}},
			wantErr: &errView{Status: 400, Msg: "fixed addresses in a storage unit", Details: []FieldError{{Field: "spec.ip_addresses"}}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := resolveSpec(diskInfo(), "", nil, raw(t, tc.user))
			if diff := cmp.Diff(tc.wantErr, viewErr(t, err, tc.wantErr)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err == nil && (r.numNodes != tc.want || r.countField != "num_disks") {
				t.Errorf("count %d from %s, want %d from num_disks", r.numNodes, r.countField, tc.want)
			}
		})
	}
}

// storeDisks records storage VC s1 (disks vol-1, vol-2 of unit nfs) and
// compute VC c1 whose unit server holds vol-1 on its node.
func storeDisks(t *testing.T, st store.Store) {
	t.Helper()
	err := st.Update(func(tx store.Tx) error {
		for _, vc := range []*model.VC{{VCID: "s1", Name: "disks", Owner: "alice", Type: storageType}, {VCID: "c1", Name: "vms", Owner: "alice", Type: computeType}} {
			if err := tx.PutVC(vc); err != nil {
				return err
			}
		}
		units := []*model.Unit{{VCID: "s1", Name: "nfs", Provider: "disk"},
			{VCID: "c1", Name: "server", Provider: "vm", Disks: []model.DiskRef{{NodeID: "d1", VCID: "s1", Unit: "nfs", CloudDiskID: "vol-1"}}}}
		for _, u := range units {
			if err := tx.PutUnit(u); err != nil {
				return err
			}
		}
		nodes := []*model.Node{
			{NodeID: "d1", VCID: "s1", Unit: "nfs", NodeNo: 1, State: model.NodeRunning, CloudInstanceID: "vol-1", Disk: &model.Disk{SizeGB: 8, Zone: "z1", AttachedTo: "i-1", Device: "/dev/sdf"}},
			{NodeID: "d2", VCID: "s1", Unit: "nfs", NodeNo: 2, State: model.NodeRunning, CloudInstanceID: "vol-2", Disk: &model.Disk{SizeGB: 8, Zone: "z1"}},
			{NodeID: "n1", VCID: "c1", Unit: "server", NodeNo: 1, State: model.NodeRunning, CloudInstanceID: "i-1",
				Attached: []model.Attachment{{CloudDiskID: "vol-1", Device: "/dev/sdf", Serial: "vol1"}}},
		}
		for _, n := range nodes {
			if err := tx.PutNode(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHoldersAndFacts(t *testing.T) {
	st := openStore(t)
	storeDisks(t, st)
	holder := Holder{VCID: "c1", Unit: "server", NodeID: "n1", NodeNo: 1, CloudInstanceID: "i-1"}
	err := st.View(func(tx store.Tx) error {
		held, err := holders(tx)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(map[string]Holder{"vol-1": holder}, held); diff != "" {
			t.Errorf("holders (-want +got):\n%s", diff)
		}
		nodes, _ := tx.Nodes("s1", "nfs")
		vms, _ := tx.Nodes("c1", "server")
		facts := diskFacts(tx, append(nodes, vms...))
		want := map[string]DiskFacts{
			"d1": {Holder: &holder}, "d2": {},
			"n1": {Disks: []HeldDisk{{DiskRef: model.DiskRef{NodeID: "d1", VCID: "s1", Unit: "nfs", CloudDiskID: "vol-1"}, Device: "/dev/sdf", Serial: "vol1"}}},
		}
		if diff := cmp.Diff(want, facts); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
		storage, _ := tx.VC("s1")
		compute, _ := tx.VC("c1")
		for name, tc := range map[string]struct {
			vc     *model.VC
			nodes  []*model.Node
			force  bool
			status int
		}{
			"held disk":      {storage, nodes, false, 409},
			"forced":         {storage, nodes, true, 0},
			"free disk only": {storage, nodes[1:], false, 0},
			"compute nodes":  {compute, vms, false, 0},
		} {
			err := refuseHeld(tx, tc.vc, tc.nodes, tc.force)
			var e *Error
			switch {
			case tc.status == 0 && err != nil:
				t.Errorf("%s: %v", name, err)
			case tc.status != 0 && (!errors.As(err, &e) || e.Status != tc.status):
				t.Errorf("%s: %v, want %d", name, err, tc.status)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSameZone(t *testing.T) {
	dn := func(id, zone string) diskNode {
		return diskNode{node: &model.Node{NodeID: id, Disk: &model.Disk{Zone: zone}}}
	}
	asked := []string{"a", "b", "c"}
	if errs := sameZone([]diskNode{dn("a", "z1"), dn("b", "z1")}, asked); errs != nil {
		t.Errorf("one zone refused: %v", errs)
	}
	errs := sameZone([]diskNode{dn("a", "z1"), dn("b", "z2"), dn("c", "z1")}, asked)
	want := []FieldError{{Field: "spec.disks", Message: "the disks are in different zones (spec.disks[0], spec.disks[2] in z1; spec.disks[1] in z2): a node lives in one zone, so all its disks must"}}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFamily(t *testing.T) {
	for _, tc := range []struct {
		info provider.Info
		want string
	}{{provider.Info{Name: "vm"}, "vm"}, {provider.Info{Name: "vm_disk", CredentialsFamily: "vm"}, "vm"}} {
		if got := family(&tc.info); got != tc.want {
			t.Errorf("family of %s: %s, want %s", tc.info.Name, got, tc.want)
		}
	}
}
