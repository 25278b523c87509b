package main_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// TestSakuraStorage is issue 20's flow against the Sakura fake, which the
// test builds of sakura and sakura_disk share: a storage VC of 2
// sakura_disk disks, a sakura node connecting them (the fake shows the
// connection, the node its disks with their virtio devices), refusals (a
// disk of another zone, of another cloud, attached already) with nothing
// made, deleting the compute unit leaves the disks disconnected, and the
// storage VC's cleanup leaves none. The disk of another cloud is an
// aws_disk volume on moto.
func TestSakuraStorage(t *testing.T) {
	store, sw := testenv.SakuraStore(t)
	t.Setenv("SAKURACLOUD_FAKE_STORE_PATH", store)
	t.Setenv("SAKURACLOUD_FAKE_SHARED", "1")
	m := moto.Start(t)
	entry := fmt.Sprintf("    sakura_local_switch_id: %q\n    sakura_private_subnet_gateway_ip: 172.23.1.254\n    sakura_zone: tk1a\n    private_network_ipmask: 172.23.1.0/24\n", sw["tk1a"])
	conf := map[string]string{
		"vpn_catalog.yml": "sakura:\n  default:\n" + entry + "sakura_disk:\n  default:\n" + entry + "  far:\n    sakura_zone: tk1b\n" +
			"aws_disk:\n  default:\n    aws_region: us-east-1\n    aws_availability_zone: us-east-1a\n    aws_endpoint_url: " + m.URL + "\n",
		"sakura_config.yml": "default:\n  prefix_len: 24\n  ip_addresses: [172.23.1.11, 172.23.1.12]\n",
	}
	h := testenv.StartHostConfig(t, conf, map[string]string{"vcc-provider-sakura": testenv.SakuraPlugin(t),
		"vcc-provider-sakura-disk": testenv.SakuraDiskPlugin(t), "vcc-provider-aws-disk": testenv.AWSDiskPlugin(t)},
		"--reconcile-interval", "0", "--serf-listen", "off")
	c := ctx(t)
	cl, _ := validated(t, h)
	for prov, keys := range map[string]map[string]string{"sakura": sakuraKey, "aws": {"access_key": "testing", "secret_key": "testing"}} {
		for k, v := range keys {
			if err := cl.PutCredential(context.Background(), prov, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}

	st := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course_disk", "storage"))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "nfs", Provider: "sakura_disk", Flavor: "medium", Spec: map[string]any{"num_disks": 2}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "far", Provider: "sakura_disk", Spec: map[string]any{"private_network": "far"}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "ebs", Provider: "aws_disk"}))
	disks := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes
	far := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "far")).Nodes[0]
	ebs := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "ebs")).Nodes[0]
	for _, d := range append(slices.Clone(disks), far, ebs) {
		if d.State != "RUNNING" || d.Disk == nil || d.Disk.Zone == "" {
			t.Fatalf("disk node %+v (%+v)", d, d.Disk)
		}
	}
	if disks[0].Disk.SizeGB != 40 || disks[0].Disk.Zone != "tk1a" || disks[0].Disk.Type != "ssd" || far.Disk.Zone != "tk1b" {
		t.Errorf("disks %+v, far %+v", disks[0].Disk, far.Disk)
	}

	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course", ""))
	spec := func(disks ...string) map[string]any { return map[string]any{"disks": disks} }
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "sakura", Spec: spec(disks[0].NodeID, far.NodeID)})
	wantAPIError(t, "a disk in another zone", err, http.StatusBadRequest, "spec.disks", "different zones")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "sakura", Spec: spec(ebs.NodeID)})
	wantAPIError(t, "a disk of another cloud", err, http.StatusBadRequest, "spec.disks[0]", "cannot be attached to a sakura node")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "sakura", Spec: spec(far.NodeID)})
	wantAPIError(t, "a disk outside the node's zone", err, http.StatusBadRequest, "spec.disks[0]", "is not in zone tk1a")
	if s := sakuraOf(t, store, h.ControllerID); len(s.servers) != 0 {
		t.Fatalf("servers made by refused requests: %+v", s.servers)
	}

	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "server", Provider: "sakura", Spec: map[string]any{"disks": disks}}))
	node := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "server")).Nodes[0]
	cloud := sakuraOf(t, store, h.ControllerID)
	if node.State != "RUNNING" || len(node.Disks) != 2 {
		t.Fatalf("server node %+v", node)
	}
	for i, d := range disks {
		if got := cloud.disks[d.NodeID]; len(got) != 1 || got[0].ServerID != node.CloudInstanceID {
			t.Errorf("disk %d in the fake: %+v, want connected to %s", i, got, node.CloudInstanceID)
		}
		if held := node.Disks[i]; held.NodeID != d.NodeID || held.CloudDiskID != d.CloudInstanceID || !strings.HasPrefix(held.Device, "/dev/vd") {
			t.Errorf("the node shows disk %d as %+v", i, held)
		}
		if got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[i]; got.Disk.AttachedTo == nil || got.Disk.AttachedTo.NodeID != node.NodeID {
			t.Errorf("disk %d does not name its holder: %+v", i, got.Disk)
		}
	}
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "sakura", Spec: spec(disks[1].NodeID)})
	wantAPIError(t, "a disk attached already", err, http.StatusConflict, "spec.disks[0]", "is attached to node 1")

	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "server", true))
	cloud = sakuraOf(t, store, h.ControllerID)
	for i, d := range disks {
		if got := cloud.disks[d.NodeID]; len(got) != 1 || got[0].ServerID != "" {
			t.Errorf("after the server's delete, disk %d: %+v, want it there and disconnected", i, got)
		}
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, st.VCID))
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if left := sakuraOf(t, store, h.ControllerID); len(left.disks)+len(left.servers) != 0 {
		t.Errorf("left in the fake: servers %+v, disks %+v", left.servers, left.disks)
	}
}
