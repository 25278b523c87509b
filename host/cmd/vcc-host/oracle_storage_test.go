package main_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// oracleStorageHost runs vcc-host with oracle and oracle_disk against
// our OCI emulator (HTTPS, two availability domains) and aws_disk against
// moto, for a disk of another cloud. oracle_disk's default entry is
// oracle's, as the README says to copy it; "far" puts its volumes in AD-2.
func oracleStorageHost(t *testing.T) (*testenv.Host, *testenv.OracleEmulator) {
	e := testenv.StartOracleEmulator(t, "-tls", "-ads", "2")
	m := moto.Start(t)
	t.Setenv("SSL_CERT_FILE", e.CAFile)
	far := fmt.Sprintf("    oracle_tenancy_ocid: %s\n    oracle_compartment_id: %s\n    oracle_region: %s\n    oracle_availability_domain: %q\n    oracle_endpoint_url: %s\n",
		e.Tenancy, e.Tenancy, e.Region, e.ADs[1], e.URL)
	catalog := "oracle:\n  default:\n" + e.CatalogEntry() + "oracle_disk:\n  default:\n" + e.CatalogEntry() + "  far:\n" + far +
		fmt.Sprintf("aws_disk:\n  default:\n    aws_region: us-east-1\n    aws_availability_zone: us-east-1a\n    aws_endpoint_url: %s\n", m.URL)
	plugins := map[string]string{"vcc-provider-oracle": testenv.OraclePlugin(t), "vcc-provider-oracle-disk": testenv.OracleDiskPlugin(t),
		"vcc-provider-aws-disk": testenv.AWSDiskPlugin(t)}
	h := testenv.StartHostWith(t, catalog, plugins, "--reconcile-interval", "0", "--serf-listen", "off")
	creds := map[string]map[string]string{
		"oracle": {"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": e.PrivateKey},
		"aws":    {"access_key": "testing", "secret_key": "testing"},
	}
	for family, kv := range creds {
		for k, v := range kv {
			if err := h.Client.PutCredential(context.Background(), family, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h, e
}

// oracleVolumes are the emulator's live volumes of controller ctl, by id.
func oracleVolumes(t *testing.T, e *testenv.OracleEmulator, ctl string) map[string]testenv.OracleVolume {
	out := map[string]testenv.OracleVolume{}
	for _, v := range e.Volumes(t) {
		if v.FreeformTags["vcc.controller_id"] == ctl && v.LifecycleState != "TERMINATED" {
			out[v.ID] = v
		}
	}
	return out
}

// oracleHeld maps each attached volume to its attachment.
func oracleHeld(t *testing.T, e *testenv.OracleEmulator) map[string]testenv.OracleAttachment {
	out := map[string]testenv.OracleAttachment{}
	for _, a := range e.Attachments(t) {
		out[a.VolumeID] = a
	}
	return out
}

// TestOracleStorage is issue 20's flow against the OCI emulator: a
// storage VC of 2 oracle_disk block volumes, an oracle node attaching
// them (the emulator shows the attachments at consistent device paths,
// the node its disks, each disk its holder), the refusals (a disk in
// another AD, a disk attached already, a disk of another cloud) with
// nothing made, deleting the compute unit leaves the volumes detached and
// AVAILABLE, a disk taken again holds its storage VC's delete back until
// forced (which detaches it), and then nothing is left.
func TestOracleStorage(t *testing.T) {
	h, e := oracleStorageHost(t)
	c := ctx(t)
	cl, _ := validated(t, h)

	st := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course_disk", "storage"))
	_, err := cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "tiny", Provider: "oracle_disk", Spec: map[string]any{"size_in_gbs": 20}})
	wantAPIError(t, "a volume below OCI's 50 GB", err, http.StatusBadRequest, "spec.size_in_gbs", "50 to 32768")
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "nfs", Provider: "oracle_disk", Flavor: "small",
		Spec: map[string]any{"num_disks": 2, "tags": map[string]string{"course": "x"}}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "far", Provider: "oracle_disk", Spec: map[string]any{"private_network": "far"}}))
	ebsVC := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "ebs", "storage"))
	settle(t, cl)(cl.CreateUnit(c, ebsVC.VCID, sdk.CreateUnitRequest{UnitName: "ebs", Provider: "aws_disk", Flavor: "small"}))
	disks := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes
	far := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "far")).Nodes[0]
	ebs := must[*sdk.Unit](t)(cl.GetUnit(c, ebsVC.VCID, "ebs")).Nodes[0]
	vols := oracleVolumes(t, e, h.ControllerID)
	if len(disks) != 2 || len(vols) != 3 {
		t.Fatalf("disks %+v, volumes %+v", disks, vols)
	}
	for _, d := range disks {
		v := vols[d.CloudInstanceID]
		if d.State != "RUNNING" || d.Disk == nil || d.Disk.SizeGB != 50 || v.SizeInGBs != 50 || d.Disk.Zone != e.AD || v.AvailabilityDomain != e.AD ||
			v.LifecycleState != "AVAILABLE" || v.FreeformTags["course"] != "x" || v.DisplayName != d.CloudInstanceName || d.Disk.AttachedTo != nil {
			t.Errorf("disk %+v (%+v), volume %+v", d, d.Disk, v)
		}
	}
	if far.Disk == nil || far.Disk.Zone != e.ADs[1] || vols[far.CloudInstanceID].AvailabilityDomain != e.ADs[1] {
		t.Errorf("far disk %+v", far)
	}

	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course", ""))
	spec := func(disks ...string) map[string]any { return map[string]any{"disks": disks} }
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "oracle", Spec: spec(disks[0].NodeID, far.NodeID)})
	wantAPIError(t, "disks in two ADs", err, http.StatusBadRequest, "spec.disks", "different zones")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "oracle", Spec: spec(far.NodeID)})
	wantAPIError(t, "a disk in another AD than the node", err, http.StatusBadRequest, "spec.disks[0]", e.ADs[1])
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "oracle", Spec: spec(ebs.NodeID)})
	wantAPIError(t, "a disk of another cloud", err, http.StatusBadRequest, "spec.disks[0]", "use a disk of the same cloud")
	if n := len(oracleLive(t, e, h.ControllerID)); n != 0 {
		t.Errorf("%d instances after the refusals, want none", n)
	}

	// Attach by node id and by volume OCID.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "server", Provider: "oracle", Flavor: "small",
		Spec: spec(disks[0].NodeID, disks[1].CloudInstanceID)}))
	node := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "server")).Nodes[0]
	if node.State != "RUNNING" || len(node.Disks) != 2 {
		t.Fatalf("server node %+v", node)
	}
	held := oracleHeld(t, e)
	must[*sdk.ReconcileReport](t)(cl.Reconcile(c)) // brings the disks' cloud view (holder, device) up to date
	for i, d := range disks {
		a, att := held[d.CloudInstanceID], node.Disks[i]
		want := fmt.Sprintf("/dev/oracleoci/oraclevd%c", 'b'+i)
		if a.InstanceID != node.CloudInstanceID || a.LifecycleState != "ATTACHED" || a.Device != want ||
			att.CloudDiskID != d.CloudInstanceID || att.NodeID != d.NodeID || att.Device != want {
			t.Errorf("disk %d: attachment %+v, node shows %+v, want it at %s", i, a, att, want)
		}
		got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[i]
		if got.Disk == nil || got.Disk.AttachedTo == nil || got.Disk.AttachedTo.NodeID != node.NodeID ||
			got.Disk.AttachedTo.CloudInstanceID != node.CloudInstanceID || got.Disk.Device != want {
			t.Errorf("disk %d does not name its holder: %+v", i, got.Disk)
		}
	}

	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "oracle", Spec: spec(disks[0].NodeID)})
	wantAPIError(t, "a disk attached already", err, http.StatusConflict, "spec.disks[0]", "is attached to node 1")
	_, err = cl.DeleteUnit(c, st.VCID, "nfs", false)
	wantAPIError(t, "deleting a storage unit with held disks", err, http.StatusConflict, "", "some attached")
	if n := len(oracleLive(t, e, h.ControllerID)); n != 1 {
		t.Errorf("%d instances after the refusals, want the server's only", n)
	}

	// A disk outlives its node: OCI detaches it as the instance ends.
	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "server", true))
	vols, held = oracleVolumes(t, e, h.ControllerID), oracleHeld(t, e)
	for _, d := range disks {
		if v, ok := vols[d.CloudInstanceID]; !ok || v.LifecycleState != "AVAILABLE" || held[d.CloudInstanceID].ID != "" {
			t.Errorf("after the server's delete, volume %s: %+v (present %v), attachment %+v: want it AVAILABLE and detached",
				d.CloudInstanceID, v, ok, held[d.CloudInstanceID])
		}
	}
	if got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[0]; got.Disk == nil || got.Disk.AttachedTo != nil {
		t.Errorf("disk still shows a holder: %+v", got.Disk)
	}

	// Taken again (the Go client takes the disk nodes themselves), a disk
	// holds its storage VC's delete back until forced, which detaches
	// it first; then nothing is left.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "again", Provider: "oracle", Spec: map[string]any{"disks": disks[1:]}}))
	again := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "again")).Nodes[0]
	if a := oracleHeld(t, e)[disks[1].CloudInstanceID]; again.State != "RUNNING" || a.InstanceID != again.CloudInstanceID || a.Device != "/dev/oracleoci/oraclevdb" {
		t.Fatalf("node %+v, attachment %+v", again, a)
	}
	_, err = cl.DeleteUnitGroup(c, st.VCID)
	wantAPIError(t, "delete of a storage VC with a held disk", err, http.StatusConflict, "", "?force=true")
	settle(t, cl)(cl.DeleteUnitGroup(c, st.VCID, sdk.Force()))
	if left := oracleVolumes(t, e, h.ControllerID); len(left) != 0 {
		t.Errorf("after the storage VC's forced delete: %+v", left)
	}
	if held := oracleHeld(t, e); len(held) != 0 {
		t.Errorf("attachments left: %+v", held)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	settle(t, cl)(cl.DeleteUnitGroup(c, ebsVC.VCID))
	if live := oracleLive(t, e, h.ControllerID); len(live) != 0 {
		t.Errorf("instances left: %+v", live)
	}
}
