package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// azureHost runs vcc-host with the azure plugins against a fresh ARM
// emulator (its operations taking 300 ms), catalog entry default on the
// emulator's network, and the service principal stored for the admin.
// The VMs boot no OS, so no agent joins: liveness is off.
func azureHost(t testing.TB, extra ...string) (*testenv.Host, *testenv.Azure) {
	return azureHostWith(t, 300*time.Millisecond, azureQuota, extra...)
}

// azureQuota is the subscription's regional cores in azureHost.
const azureQuota = 40

// azureHostWith is azureHost with the emulator's operations taking delay
// and a quota of cores (0: none).
func azureHostWith(t testing.TB, delay time.Duration, quota int, extra ...string) (*testenv.Host, *testenv.Azure) {
	a := testenv.StartAzure(t, delay, quota)
	t.Setenv("SSL_CERT_FILE", a.CAFile) // the plugins get the host's environment
	conf := map[string]string{"vpn_catalog.yml": "azure:\n  default:\n" + a.Catalog() + "azure_spot:\n  default:\n" + a.Catalog()}
	h := testenv.StartHostConfig(t, conf, testenv.AzurePlugins(t), append([]string{"--reconcile-interval", "0", "--serf-listen", "off"}, extra...)...)
	for k, v := range a.Credentials() {
		if err := h.Client.PutCredential(context.Background(), "azure", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h, a
}

// azureOf is what the emulator holds for the controller ctl, by kind and
// node id.
func azureOf(t *testing.T, a *testenv.Azure, ctl string) map[string]map[string][]testenv.AzureResource {
	t.Helper()
	out := map[string]map[string][]testenv.AzureResource{"vm": {}, "nic": {}, "disk": {}}
	for _, r := range a.Resources(t) {
		node := r.Tags[provider.TagNodeID]
		if r.Kind == "disk" { // an OS disk made with its VM carries its name
			node = strings.TrimSuffix(strings.TrimPrefix(r.Name, "vcc-"), "-osdisk")
		} else if r.Tags[provider.TagControllerID] != ctl {
			continue
		}
		out[r.Kind][node] = append(out[r.Kind][node], r)
	}
	return out
}

// azureMatches: every node of the units has exactly one VM (its name and
// id the node's), one NIC on the node's address joined to that VM, and
// one OS disk; the emulator holds nothing else of the controller (but
// the VMs named in extra and what was made with them).
func azureMatches(t *testing.T, a *testenv.Azure, ctl string, units []*sdk.Unit, extra ...string) {
	t.Helper()
	got := azureOf(t, a, ctl)
	seen := map[string]bool{}
	for _, u := range units {
		for _, n := range u.Nodes {
			seen[n.NodeID] = true
			vm, nic, disk := got["vm"][n.NodeID], got["nic"][n.NodeID], got["disk"][n.NodeID]
			if len(vm) != 1 || len(nic) != 1 || len(disk) != 1 {
				t.Errorf("node %d of %s: %d VMs, %d NICs, %d disks; want one each", n.NodeNo, u.Name, len(vm), len(nic), len(disk))
				continue
			}
			if !strings.EqualFold(vm[0].ID, n.CloudInstanceID) || vm[0].Name != n.CloudInstanceName || nic[0].IP != n.CloudInstanceAddress ||
				!strings.EqualFold(nic[0].VM, vm[0].ID) || !strings.EqualFold(disk[0].VM, vm[0].ID) {
				t.Errorf("node %d of %s (%s %s at %s): VM %+v NIC %+v disk %+v", n.NodeNo, u.Name, n.CloudInstanceName, n.CloudInstanceID, n.CloudInstanceAddress, vm[0], nic[0], disk[0])
			}
		}
	}
	for kind, byNode := range got {
		for id, rs := range byNode {
			if !seen[id] && !strayOf(rs, extra) {
				t.Errorf("the emulator holds %s %s of node %s, which the controller does not have", kind, rs[0].Name, id)
			}
		}
	}
}

func strayOf(rs []testenv.AzureResource, vms []string) bool {
	for _, v := range vms {
		if strings.EqualFold(rs[0].ID, v) || strings.EqualFold(rs[0].VM, v) {
			return true
		}
	}
	return false
}

// TestAzure: through the controller against the ARM emulator, a unit of
// 3 (NIC and VM per node), add 2, power off (deallocated) and on one,
// delete one; bad specs and credentials get 400s on the field with
// nothing made; reconcile notices a VM deleted behind the controller's
// back and reports one it does not know; cleanup leaves nothing.
func TestAzure(t *testing.T) {
	h, a := azureHost(t)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "azure", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "azure", Flavor: "small",
		Spec: map[string]any{"num_nodes": 3, "tags": map[string]string{"project": "x"}}}))
	web := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 3 {
		t.Fatalf("unit web: %v", s)
	}
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{web})
	if vm := azureOf(t, a, h.ControllerID)["vm"][web.Nodes[0].NodeID][0]; vm.Tags["project"] != "x" {
		t.Errorf("the user's tag is not on the VM: %v", vm.Tags)
	}

	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 2}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 5 {
		t.Fatalf("after add: %v", s)
	}
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{web})

	settle(t, cl)(cl.PowerOff(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	if vm := azureOf(t, a, h.ControllerID)["vm"][web.Nodes[0].NodeID]; len(vm) != 1 || vm[0].State != "succeeded/deallocated" {
		t.Errorf("the powered off node's VM (deallocated, not billed): %+v", vm)
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["RUNNING"] != 5 {
		t.Fatalf("after power on: %v", s)
	}
	settle(t, cl)(cl.DeleteNodes(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{5}}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{web})
	if strings.Contains(h.Stderr.String(), a.ClientSecret) {
		t.Errorf("the host's log shows the client secret")
	}

	azureRefusals(t, h, a, vc.VCID)
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{web})
	azureReconcile(t, h, a, vc.VCID, web)
}

// azureRefusals: what Azure would refuse is a 400 on the field before
// anything is recorded or made.
func azureRefusals(t *testing.T, h *testenv.Host, a *testenv.Azure, vcid string) {
	c, cl := ctx(t), h.Client
	for _, tc := range []struct {
		name, field string
		spec        map[string]any
		says        []string
	}{
		{"disk too small", "spec.disk_size_gb", map[string]any{"disk_size_gb": 10}, []string{"between 30 and 4095 GB"}},
		{"size not offered", "spec.vm_size", map[string]any{"vm_size": "Standard_Q99"}, []string{"Standard_Q99 is not offered in japaneast"}},
		{"no such image", "spec.cloud_image", map[string]any{"cloud_image": "Canonical:nope:server:latest"}, []string{"Canonical:nope:server:latest is not offered"}},
		{"quota", "spec.num_nodes", map[string]any{"vm_size": "Standard_D4_v2", "num_nodes": 5}, []string{"5 nodes of Standard_D4_v2 need 40 cores", "4 of 40 regional cores in use"}},
		{"fixed IP outside", "spec.ip_addresses[0]", map[string]any{"ip_addresses": []string{"10.9.0.5"}}, []string{"10.9.0.5"}},
		{"bad disk", "spec.disks[0]", map[string]any{"disks": []string{"/subscriptions/" + a.Subscription + "/resourceGroups/vcc-rg/providers/Microsoft.Compute/disks/nope"}}, []string{"does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cl.CreateUnit(c, vcid, sdk.CreateUnitRequest{UnitName: "bad", Provider: "azure", Spec: tc.spec})
			status := http.StatusBadRequest
			if tc.name == "quota" {
				status = http.StatusConflict
			}
			apiErr(t, err, status, tc.field, tc.says...)
		})
	}
	if out, _, code := cli(t, h, "users", "add", "wrongsecret", "regular"); code != 0 {
		t.Fatal(out)
	}
	tok, _, _ := cli(t, h, "token", "create", "wrongsecret")
	other := h.ClientFor(strings.TrimSpace(tok))
	vc := must[*sdk.VC](t)(other.CreateUnitGroup(c, "wrong", ""))
	_, err := other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "azure"})
	apiErr(t, err, http.StatusBadRequest, "credentials.azure.subscription_id", "missing azure credentials")
	for k, v := range a.Credentials() {
		if k == "client_secret" {
			v = "not-the-secret"
		}
		if err := other.PutCredential(c, "azure", k, v); err != nil {
			t.Fatal(err)
		}
	}
	_, err = other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "azure"})
	apiErr(t, err, http.StatusBadRequest, "credentials", "AADSTS7000215")
	for _, u := range must[*sdk.VC](t)(cl.Privileged().GetUnitGroup(c, vcid)).Units {
		if u.Name != "web" {
			t.Errorf("a refused request left unit %s", u.Name)
		}
	}
}

// azureReconcile: with the controller stopped, node 3's VM is deleted
// behind its back and a VM for a node it never had is made with its
// tags; reconcile marks the one and reports the other. Deleting the VC
// then leaves only that stray VM (and its NIC and disk).
func azureReconcile(t *testing.T, h *testenv.Host, a *testenv.Azure, vcid string, web *sdk.Unit) {
	gone := web.Nodes[2]
	h.Stop()
	a.DeleteVM(t, gone.CloudInstanceName)
	var stray string
	t.Run("behind_the_controllers_back", func(t *testing.T) { // its plugin is killed when it ends
		p := providertest.Launch(t, testenv.AzurePlugins(t)["vcc-provider-azure"])
		cat := map[string]string{"azure_resource_group_name": a.Group, "azure_vnet_name": a.VNet, "azure_subnet_name": a.Subnet,
			"azure_security_group_name": a.NSG, "azure_location": a.Location, "private_network_ipmask": a.CIDR,
			"azure_resource_manager_endpoint": a.URL, "azure_authority_host": a.URL + "/"}
		raw, _ := json.Marshal(cat)
		env := provider.CallEnv{ControllerID: h.ControllerID, Credentials: provider.Credentials(a.Credentials()), CatalogEntry: raw}
		node := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9, CloudInstanceName: "stray"}
		st, err := p.CreateNode(ctx(t), provider.NodeRequest{Env: env, Node: node, FirstAttempt: true, Spec: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		stray = st.CloudInstanceID
	})
	h.Start()
	c, cl := ctx(t), h.Client
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	n3 := must[*sdk.Unit](t)(cl.GetUnit(c, vcid, "web")).Nodes[2]
	if n3.State != "HOST_ERROR" || !strings.Contains(n3.StateReason, "no longer exists in azure") {
		t.Errorf("node 3 whose VM was deleted: %+v (reconcile vanished %v, errors %v)", n3, rep.Vanished, rep.Errors)
	}
	if len(rep.Orphans) != 1 || !strings.EqualFold(rep.Orphans[0].CloudInstanceID, stray) {
		t.Errorf("orphans %+v, want the stray VM %s; errors %v", rep.Orphans, stray, rep.Errors)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vcid))
	azureMatches(t, a, h.ControllerID, nil, stray)
}

// TestAzureSpot: a unit of Spot VMs with auto_replace; Azure evicts one
// (deallocated by its eviction policy): it is HOST_ERROR with Azure's
// reason, replaced by a new node that runs, and the evicted VM is
// deleted with its NIC and disk; cleanup leaves nothing.
func TestAzureSpot(t *testing.T) {
	h, a := azureHost(t)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "spot", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "batch", Provider: "azure_spot", Flavor: "small",
		Spec: map[string]any{"num_nodes": 2, "auto_replace": true, "spot_price": 0.05}}))
	batch := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "batch"))
	if s := states(batch); s["RUNNING"] != 2 {
		t.Fatalf("unit batch: %v", s)
	}
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{batch})
	evicted := batch.Nodes[0]
	a.Evict(t, evicted.CloudInstanceName)
	waitFor(t, 10*time.Second, func() bool {
		vm := azureOf(t, a, h.ControllerID)["vm"][evicted.NodeID]
		return len(vm) == 1 && vm[0].State == "succeeded/deallocated"
	}, "the eviction")
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Replaced) != 1 || rep.Replaced[0] != evicted.NodeID {
		t.Fatalf("reconcile replaced %v, want %s; vanished %v, errors %v", rep.Replaced, evicted.NodeID, rep.Vanished, rep.Errors)
	}
	var now *sdk.Unit
	waitFor(t, 60*time.Second, func() bool {
		now = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "batch"))
		return len(now.Nodes) == 2 && states(now)["RUNNING"] == 2
	}, "the replacement to run")
	for _, n := range now.Nodes {
		if n.NodeID == evicted.NodeID {
			t.Errorf("the evicted node is still in the unit: %+v", n)
		}
	}
	waitFor(t, 30*time.Second, func() bool { return len(azureOf(t, a, h.ControllerID)["vm"][evicted.NodeID]) == 0 }, "the evicted VM's delete")
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{now})
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	azureMatches(t, a, h.ControllerID, nil)
	if left := a.Resources(t); len(left) != 0 {
		t.Errorf("left in the emulator: %+v", left)
	}
}

// TestAzureCrash: the host killed while Azure refuses VMs for a while
// (NICs made, VMs not yet) and again while the unit is being deleted.
// After each restart the operation converges: one NIC per node, joined
// to its VM, no NIC left without one; nothing left after the delete.
func TestAzureCrash(t *testing.T) {
	h, a := azureHost(t)
	c := ctx(t)
	a.Fail(t, http.MethodPut, "/virtualMachines/", 10000, http.StatusInternalServerError, "InternalServerError")
	vc := must[*sdk.VC](t)(h.Client.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "azure", Spec: map[string]any{"num_nodes": 4}}))
	waitFor(t, 30*time.Second, func() bool { return len(azureOf(t, a, h.ControllerID)["nic"]) >= 2 }, "two NICs")
	h.Kill()
	got := azureOf(t, a, h.ControllerID)
	t.Logf("killed with %d NICs and %d VMs", len(got["nic"]), len(got["vm"]))
	if len(got["vm"]) != 0 {
		t.Fatalf("VMs made while Azure refused them: %v", got["vm"])
	}
	a.Fail(t, "", "", 0, 0, "")
	time.Sleep(time.Second) // its plugin notices and goes
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	big := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big"))
	if s := states(big); s["RUNNING"] != 4 {
		t.Fatalf("after the restart: %v", s)
	}
	azureMatches(t, a, h.ControllerID, []*sdk.Unit{big})

	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	waitFor(t, 30*time.Second, func() bool { return len(azureOf(t, a, h.ControllerID)["vm"]) <= 3 }, "a VM deleted")
	h.Kill()
	time.Sleep(time.Second)
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	if left := a.Resources(t); len(left) != 0 {
		t.Errorf("left in the emulator after the delete: %+v", left)
	}
}

// TestAzureCatalog: init names the file, line and key of each problem of
// an azure catalog entry and loads nothing; a good entry is taken.
func TestAzureCatalog(t *testing.T) {
	plugins := testenv.PluginDir(t, true, testenv.AzurePlugins(t))
	cfg := t.TempDir()
	catalog := filepath.Join(cfg, "vpn_catalog.yml")
	initArgs := []string{"init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins}
	writeFile(t, catalog, []byte("azure:\n  default:\n    azure_resource_group_name: vcp-rg\n    azure_vnet_name: vcp-vnet\n    azure_subnet_name: default\n"+
		"    azure_security_group_name: vcp-nsg\n    azure_location: Japan East\n    azure_zone: \"4\"\n    azure_resource_manager_endpoint: http://127.0.0.1:1\n"), 0o644)
	out, stderr, code := run(t, initArgs...)
	for _, want := range []string{catalog + ":7: azure.default.azure_location", catalog + ":8: azure.default.azure_zone", catalog + ":9: azure.default.azure_resource_manager_endpoint"} {
		if code != 1 || !strings.Contains(out+stderr, want) {
			t.Errorf("init on a bad azure entry: exit %d, want %q in\n%s%s", code, want, out, stderr)
		}
	}
	writeFile(t, catalog, []byte("azure:\n  default:\n    azure_resource_group_name: vcp-rg\n    azure_vnet_name: vcp-vnet\n    azure_subnet_name: default\n"+
		"    azure_security_group_name: vcp-nsg\n    azure_location: japaneast\n    private_network_ipmask: 10.1.0.0/24\n"+
		"azure_spot:\n  default:\n    azure_resource_group_name: vcp-rg\n    azure_vnet_name: vcp-vnet\n    azure_subnet_name: default\n"+
		"    azure_security_group_name: vcp-nsg\n    azure_location: japaneast\n"), 0o644)
	if out, stderr, code := run(t, initArgs...); code != 0 || !strings.Contains(out, "azure(default)") || !strings.Contains(out, "azure_spot(default)") {
		t.Errorf("init on a good azure entry: exit %d\n%s%s", code, out, stderr)
	}
}
