package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// cloudStates maps node id -> instance state in the simulated cloud.
func cloudStates(t *testing.T, h *testenv.Host) map[string]string {
	out := map[string]string{}
	for _, s := range simCloud(t, h) {
		out[s.NodeID] = string(s.State)
	}
	return out
}

// TestPowerDuringBoot: a power off asked while the node boots is queued
// behind the create, checked against the node the create left, and the
// store records what the cloud then did: POWER_OFF, not RUNNING.
func TestPowerDuringBoot(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default:\n    boot_ms: 400\n    latency_ms: 100\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "boot", ""))
	create := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	off := must[*sdk.Accepted](t)(cl.PowerOff(c, vc.VCID, "u", sdk.Selector{}))
	if _, err := cl.Wait(c, create.OperationID); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Wait(c, off.OperationID); err != nil {
		t.Fatalf("power off queued behind the create: %v", err)
	}
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u")).Nodes[0]
	if diff := cmp.Diff(map[string]string{n.NodeID: "stopped"}, cloudStates(t, h)); diff != "" || n.State != "POWER_OFF" {
		t.Fatalf("node %s; cloud (-want +got): %s", n.State, diff)
	}
}

// TestPowerWithoutInstance: a node whose create failed before any
// instance existed takes no power action (409 naming why) and keeps its
// state; a fixed IP another node of the controller holds is refused at
// validation, on the field.
func TestPowerWithoutInstance(t *testing.T) {
	h := testenv.StartHost(t, "")
	c, cl := ctx(t), h.Client
	// An instance outside this controller holds 10.208.7.7: the cloud
	// refuses the create, after the node is recorded.
	sim := providertest.Launch(t, testenv.Sim(t))
	env := provider.CallEnv{ControllerID: "someone-else", CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sim_state_dir": %q}`, h.PluginData("sim")))}
	if _, err := sim.CreateNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: "10.208.7.7"}}); err != nil {
		t.Fatal(err)
	}
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "noinst", ""))
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"ip_addresses": []string{"10.208.7.7"}}}))
	if _, err := cl.Wait(c, acc.OperationID); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("create at a taken address: %v, want the cloud's refusal", err)
	}
	for _, action := range []string{"power_off", "power_on", "reboot"} {
		_, err := cl.UnitAction(c, vc.VCID, "u", action, sdk.Selector{})
		if sdk.StatusOf(err) != http.StatusConflict || !strings.Contains(err.Error(), "node 1 has no instance") {
			t.Errorf("%s of a node without instance: %v, want 409 naming why", action, err)
		}
	}
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u")).Nodes[0]
	if n.State != "HOST_ERROR" || n.CloudInstanceID != "" {
		t.Errorf("node after refused actions: %s, instance %q; want HOST_ERROR without instance", n.State, n.CloudInstanceID)
	}

	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "a", Provider: "sim", Spec: map[string]any{"ip_addresses": []string{"10.208.8.8"}}}))
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "b", Provider: "sim", Spec: map[string]any{"ip_addresses": []string{"10.208.9.9", "10.208.8.8"}}})
	var ae *sdk.APIError
	if !asAPIError(err, &ae) || ae.Status != http.StatusBadRequest || !hasField(ae.Body.Details, "spec.ip_addresses[1]") || !strings.Contains(err.Error(), "node 1 of unit a") {
		t.Errorf("create at an address node 1 of unit a holds: %v, want 400 on spec.ip_addresses[1] naming the node", err)
	}
	_, err = cl.AddNodes(c, vc.VCID, "a", sdk.AddNodesRequest{IPAddresses: []string{"10.208.8.8"}})
	if !asAPIError(err, &ae) || ae.Status != http.StatusBadRequest || !hasField(ae.Body.Details, "ip_addresses[0]") {
		t.Errorf("add at a held address: %v, want 400 on ip_addresses[0]", err)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
}
