package main_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// azureStorageHost runs vcc-host with azure, azure_spot and azure_disk
// against a fresh ARM emulator, every entry in zone 1 but azure_disk's
// "far" (zone 2), and aws_disk against m (a disk of another cloud).
func azureStorageHost(t *testing.T, m *moto.Server) (*testenv.Host, *testenv.Azure) {
	a := testenv.StartAzure(t, 200*time.Millisecond, 0)
	t.Setenv("SSL_CERT_FILE", a.CAFile) // the plugins get the host's environment
	zone := func(z string) string { return a.Catalog() + "    azure_zone: \"" + z + "\"\n" }
	catalog := "azure:\n  default:\n" + zone("1") + "azure_spot:\n  default:\n" + zone("1") +
		"azure_disk:\n  default:\n" + zone("1") + "  far:\n" + zone("2") +
		"aws_disk:\n  default:\n    aws_region: us-east-1\n    aws_availability_zone: us-east-1a\n    aws_endpoint_url: " + m.URL + "\n"
	plugins := maps.Clone(testenv.AzurePlugins(t))
	plugins["vcc-provider-azure-disk"] = testenv.AzureDiskPlugin(t)
	plugins["vcc-provider-aws-disk"] = testenv.AWSDiskPlugin(t)
	h := testenv.StartHostWith(t, catalog, plugins, "--reconcile-interval", "0", "--serf-listen", "off")
	creds := map[string]map[string]string{"azure": a.Credentials(), "aws": {"access_key": "testing", "secret_key": "testing"}}
	for family, keys := range creds {
		for k, v := range keys {
			if err := h.Client.PutCredential(context.Background(), family, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h, a
}

// azureDisks are the managed disks the emulator holds for the controller
// ctl (the VMs' OS disks carry no tags), by id in lower case.
func azureDisks(t *testing.T, a *testenv.Azure, ctl string) map[string]testenv.AzureResource {
	out := map[string]testenv.AzureResource{}
	for _, r := range a.Resources(t) {
		if r.Kind == "disk" && r.Tags[provider.TagControllerID] == ctl {
			out[strings.ToLower(r.ID)] = r
		}
	}
	return out
}

// TestAzureStorage is issue 20's flow against the ARM emulator: a
// storage VC of 2 azure_disk disks (zone 1), a compute unit attaching
// them (the emulator shows them Attached to its VM at LUNs 0 and 1, the
// node its disks and devices, each disk its holder; a disk planted with
// the controller's tags is reported by reconcile as an orphan), the refusals (a
// disk in another zone, a disk of another cloud by node and by raw id,
// a disk attached already by vcc or by a VM made outside it, fixed IPs in a storage spec, power on a
// storage unit) with nothing made, deleting the compute unit leaves the
// disks Unattached, an azure_spot node takes one again, and a forced
// cleanup of the storage VC detaches and deletes every disk: nothing is
// left in the emulator.
func TestAzureStorage(t *testing.T) {
	m := moto.Start(t)
	h, a := azureStorageHost(t, m)
	c := ctx(t)
	cl, _ := validated(t, h)

	st := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course_disk", "storage"))
	_, err := cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "ips", Provider: "azure_disk", Flavor: "small",
		Spec: map[string]any{"num_disks": 1, "ip_addresses": []string{"10.0.0.9"}}})
	wantAPIError(t, "fixed IPs in a storage spec", err, http.StatusBadRequest, "spec.ip_addresses", "have no address")
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "nfs", Provider: "azure_disk", Flavor: "small",
		Spec: map[string]any{"num_disks": 2, "disk_size_gb": 16, "tags": map[string]string{"course": "x"}}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "far", Provider: "azure_disk", Spec: map[string]any{"private_network": "far"}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "ebs", Provider: "aws_disk", Flavor: "small"}))
	disks := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes
	far := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "far")).Nodes[0]
	ebs := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "ebs")).Nodes[0]
	emu := azureDisks(t, a, h.ControllerID)
	if len(disks) != 2 || len(emu) != 3 {
		t.Fatalf("disks %+v, emulator %+v", disks, emu)
	}
	for _, d := range disks {
		r := emu[strings.ToLower(d.CloudInstanceID)]
		if d.State != "RUNNING" || d.Disk == nil || d.Disk.SizeGB != 16 || d.Disk.Zone != "japaneast-1" || d.Disk.Type != "Standard_LRS" || d.Disk.AttachedTo != nil ||
			r.Zone != "1" || r.State != "Unattached" || r.VM != "" || r.Tags["course"] != "x" || r.Tags[provider.TagNodeID] != d.NodeID {
			t.Errorf("disk %+v (%+v), emulator %+v", d, d.Disk, r)
		}
	}
	if far.Disk == nil || far.Disk.Zone != "japaneast-2" || emu[strings.ToLower(far.CloudInstanceID)].Zone != "2" {
		t.Errorf("far disk %+v", far)
	}
	_, err = cl.PowerOn(c, st.VCID, "nfs", sdk.Selector{})
	wantAPIError(t, "power on a storage unit", err, http.StatusBadRequest, "action", "storage unit")

	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course", ""))
	withDisks := func(disks ...string) map[string]any { return map[string]any{"disks": disks} }
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: withDisks(disks[0].NodeID, far.NodeID)})
	wantAPIError(t, "disks in two zones", err, http.StatusBadRequest, "spec.disks", "different zones")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: withDisks(far.NodeID)})
	wantAPIError(t, "a disk in another zone than the node", err, http.StatusBadRequest, "spec.disks[0]", "japaneast-2, the node will be in japaneast-1")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: withDisks(ebs.NodeID)})
	wantAPIError(t, "a disk of another cloud", err, http.StatusBadRequest, "spec.disks[0]", "use a disk of the same cloud")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: withDisks("vol-0123456789abcdef0")})
	wantAPIError(t, "a raw volume id of another cloud", err, http.StatusBadRequest, "spec.disks[0]", "is not a managed disk resource id")
	if vms := azureOf(t, a, h.ControllerID)["vm"]; len(vms) != 0 {
		t.Errorf("VMs made by refused requests: %+v", vms)
	}

	// Attach by node id and by managed disk id.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "server", Provider: "azure", Spec: withDisks(disks[0].NodeID, disks[1].CloudInstanceID)}))
	node := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "server")).Nodes[0]
	if node.State != "RUNNING" || len(node.Disks) != 2 {
		t.Fatalf("server node %+v", node)
	}
	// A disk tagged with the controller but unknown to it: reconcile
	// reports it; it also brings the disks' cloud view (holder, device) up
	// to date.
	stray := providertest.Launch(t, testenv.AzureDiskPlugin(t))
	strayReq := provider.NodeRequest{
		Env: provider.CallEnv{ControllerID: h.ControllerID, Credentials: a.Credentials(), CatalogEntry: []byte(fmt.Sprintf(
			`{"azure_resource_group_name": %q, "azure_location": %q, "azure_zone": "1", "azure_resource_manager_endpoint": %q, "azure_authority_host": %q}`,
			a.Group, a.Location, a.URL, a.URL+"/"))},
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9}, Spec: []byte(`{"disk_size_gb": 1}`), FirstAttempt: true,
	}
	planted := must[*provider.NodeStatus](t)(stray.CreateNode(c, strayReq))
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Orphans) != 1 || rep.Orphans[0].CloudInstanceID != planted.CloudInstanceID || rep.Orphans[0].Provider != "azure_disk" {
		t.Errorf("orphans %+v, want the planted disk %s", rep.Orphans, planted.CloudInstanceID)
	}
	strayReq.Node.CloudInstanceID = planted.CloudInstanceID
	if err := stray.DeleteNode(c, strayReq); err != nil {
		t.Fatal(err)
	}
	emu = azureDisks(t, a, h.ControllerID)
	for i, d := range disks {
		held, r := node.Disks[i], emu[strings.ToLower(d.CloudInstanceID)]
		if !strings.EqualFold(r.VM, node.CloudInstanceID) || r.State != "Attached" || held.CloudDiskID != d.CloudInstanceID || held.NodeID != d.NodeID ||
			held.Device != fmt.Sprintf("/dev/disk/azure/scsi1/lun%d", i) {
			t.Errorf("disk %d: emulator %+v, node shows %+v", i, r, held)
		}
		got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[i]
		if got.Disk == nil || got.Disk.AttachedTo == nil || got.Disk.AttachedTo.NodeID != node.NodeID || got.Disk.Device != held.Device {
			t.Errorf("disk %d does not name its holder: %+v", i, got.Disk)
		}
	}

	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure_spot", Spec: withDisks(disks[0].NodeID)})
	wantAPIError(t, "a disk attached already", err, http.StatusConflict, "spec.disks[0]", "is attached to node 1")
	_, err = cl.DeleteUnit(c, st.VCID, "nfs", false)
	wantAPIError(t, "deleting a storage unit with held disks", err, http.StatusConflict, "", "some attached")
	if vms := azureOf(t, a, h.ControllerID)["vm"]; len(vms) != 1 {
		t.Errorf("%d VMs after the refusals, want the server's only", len(vms))
	}

	// A disk outlives its node.
	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "server", true))
	emu = azureDisks(t, a, h.ControllerID)
	for _, d := range disks {
		if r, ok := emu[strings.ToLower(d.CloudInstanceID)]; !ok || r.VM != "" || r.State != "Unattached" {
			t.Errorf("after the server's delete, disk %s: %+v (present %v), want it Unattached", d.CloudInstanceID, r, ok)
		}
	}
	if got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[0]; got.Disk == nil || got.Disk.AttachedTo != nil {
		t.Errorf("disk still shows a holder: %+v", got.Disk)
	}

	// A VM made outside vcc takes disk 0: the host asks azure_disk, which
	// names that VM, and refuses the disk (409) with nothing made.
	outside := providertest.Launch(t, testenv.AzurePlugins(t)["vcc-provider-azure"])
	outReq := provider.NodeRequest{
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), Credentials: a.Credentials(), CatalogEntry: []byte(fmt.Sprintf(
			`{"azure_resource_group_name": %q, "azure_vnet_name": %q, "azure_subnet_name": %q, "azure_security_group_name": %q, "azure_location": %q, "azure_zone": "1", "azure_resource_manager_endpoint": %q, "azure_authority_host": %q}`,
			a.Group, a.VNet, a.Subnet, a.NSG, a.Location, a.URL, a.URL+"/"))},
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1}, Spec: []byte(`{"disks": ["` + disks[0].CloudInstanceID + `"]}`), FirstAttempt: true,
	}
	outVM := must[*provider.NodeStatus](t)(outside.CreateNode(c, outReq))
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: withDisks(disks[0].NodeID)})
	wantAPIError(t, "a disk attached outside vcc", err, http.StatusConflict, "spec.disks[0]", "attached to instance "+outVM.CloudInstanceID)
	outReq.Node.CloudInstanceID, outReq.Node.CloudInstanceName = outVM.CloudInstanceID, outVM.CloudInstanceName
	if err := outside.DeleteNode(c, outReq); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); azureDisks(t, a, h.ControllerID)[strings.ToLower(disks[0].CloudInstanceID)].VM != ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the VM made outside vcc still holds disk 0")
		}
	}

	// azure_spot may use azure_disk disks (the Go client takes the disk
	// nodes themselves); then a cleanup of the storage VC is refused
	// until forced, which detaches and deletes every disk.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "spot", Provider: "azure_spot", Spec: map[string]any{"disks": disks[1:]}}))
	spot := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "spot")).Nodes[0]
	if r := azureDisks(t, a, h.ControllerID)[strings.ToLower(disks[1].CloudInstanceID)]; spot.State != "RUNNING" || !strings.EqualFold(r.VM, spot.CloudInstanceID) {
		t.Fatalf("spot node %+v, disk %+v", spot, r)
	}
	_, err = cl.DeleteUnitGroup(c, st.VCID)
	wantAPIError(t, "cleanup of a storage VC with a held disk", err, http.StatusConflict, "", "?force=true")
	settle(t, cl)(cl.DeleteUnitGroup(c, st.VCID, sdk.Force()))
	if left := azureDisks(t, a, h.ControllerID); len(left) != 0 {
		t.Errorf("after the storage VC's cleanup: %+v", left)
	}
	if vms := azureOf(t, a, h.ControllerID)["vm"]; len(vms) != 1 {
		t.Errorf("the spot node's VM went with its disk: %+v", vms)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if left := a.Resources(t); len(left) != 0 {
		t.Errorf("left in the emulator: %+v", left)
	}
}
