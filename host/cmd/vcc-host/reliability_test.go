package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
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

// TestDeleteWinsOverBoot: a delete of a VC whose nodes are still booting
// (here for ten minutes) ends their create's waits and deletes at once;
// a create call in flight at the cloud is let finish and its instance
// deleted: nothing is left.
func TestDeleteWinsOverBoot(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default:\n    boot_ms: 600000\n    latency_ms: 2000\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "wins", ""))
	booted := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "booted", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	waitFor(t, 20*time.Second, func() bool {
		u, err := cl.GetUnit(c, vc.VCID, "booted")
		return err == nil && u.Nodes[0].CloudInstanceID != "" && u.Nodes[1].CloudInstanceID != ""
	}, "the instances to exist (and boot for ten minutes)")
	// This one's create call is at the cloud when the delete comes.
	inflight := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "inflight", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	power := must[*sdk.Accepted](t)(cl.PowerOff(c, vc.VCID, "inflight", sdk.Selector{}))
	// The simulated cloud makes the instance half-way through the call:
	// the calls are then under way for another second.
	waitFor(t, 20*time.Second, func() bool { return len(simCloud(t, h)) == 4 }, "the second create to be at the cloud")

	del := must[*sdk.Accepted](t)(cl.DeleteUnitGroup(c, vc.VCID))
	if _, err := cl.Wait(c, del.OperationID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	for _, id := range []string{booted.OperationID, inflight.OperationID, power.OperationID} {
		op := must[*sdk.Operation](t)(cl.Operation(c, id))
		if op.State != "failed" || !strings.Contains(op.Error, "superseded by a delete") {
			t.Errorf("operation %s (%s): %s %q, want failed, superseded by the delete", id, op.Kind, op.State, op.Error)
		}
	}
	if left := simCloud(t, h); len(left) != 0 {
		t.Fatalf("the delete left %d instances: %+v", len(left), left)
	}
	audit := readFile(t, h.Data+"/audit/audit.log")
	if n := strings.Count(audit, `"call":"CreateNode"`); n != 4 {
		t.Errorf("the audit log has %d CreateNode calls, want 4 (the second create's were at the cloud):\n%s", n, audit)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestAWSDeleteWinsOverJoin: the commonest mistake, an AWS unit whose
// nodes cannot join (moto's instances run no agent), then a delete of
// the VC: the delete does not wait for --join-timeout (10 minutes)
// behind the create, and leaves no instance.
func TestAWSDeleteWinsOverJoin(t *testing.T) {
	m := moto.Start(t)
	h := awsHost(t, m, "--serf-listen", "127.0.0.1:0") // liveness on: the nodes wait for their agents
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "nojoin", ""))
	create := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "aws", Spec: map[string]any{"num_nodes": 2, "cloud_image": m.Image}}))
	waitFor(t, 30*time.Second, func() bool {
		u, err := cl.GetUnit(c, vc.VCID, "u")
		return err == nil && strings.Contains(u.Nodes[0].StateReason, "waiting for the Base container's agent") &&
			strings.Contains(u.Nodes[1].StateReason, "waiting for the Base container's agent")
	}, "both nodes to wait for their agents")
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if op := must[*sdk.Operation](t)(cl.Operation(c, create.OperationID)); !strings.Contains(op.Error, "superseded by a delete") {
		t.Errorf("create: %s %q, want failed, superseded by the delete", op.State, op.Error)
	}
	if live := m.Instances(t); len(live) != 0 {
		t.Errorf("the delete left %d instances", len(live))
	}
}
