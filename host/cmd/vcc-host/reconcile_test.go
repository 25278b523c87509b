package main_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// TestReconcile: an instance deleted behind the controller's back marks
// its node HOST_ERROR; an instance tagged with the controller but owned by
// no node is reported, and deleted at the next start with --delete-orphans.
func TestReconcile(t *testing.T) {
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "rec", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))

	sim := providertest.Launch(t, testenv.Sim(t))
	env := provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sim_state_dir": %q}`, h.PluginData("sim")))}
	if err := sim.DeleteNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: u.Nodes[0].NodeID}}); err != nil {
		t.Fatal(err)
	}
	orphan := providertest.NewNodeID()
	planted, err := sim.CreateNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: orphan, NodeNo: 99}})
	if err != nil {
		t.Fatal(err)
	}

	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if diff := cmp.Diff([]string{u.Nodes[0].NodeID}, rep.Vanished); diff != "" {
		t.Errorf("vanished (-want +got): %s", diff)
	}
	want := []sdk.Orphan{{Provider: "sim", CatalogEntry: "default", NodeID: orphan, CloudInstanceID: planted.CloudInstanceID, Address: planted.CloudInstanceAddress}}
	if diff := cmp.Diff(want, rep.Orphans); diff != "" || len(rep.Errors) > 0 {
		t.Errorf("orphans (-want +got): %s; errors %v", diff, rep.Errors)
	}
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u")).Nodes[0]
	if n.State != "HOST_ERROR" || !strings.Contains(n.StateReason, "no longer exists in sim") || n.ErrorSource != "reconcile" {
		t.Errorf("vanished node: %s (%s, source %q)", n.State, n.StateReason, n.ErrorSource)
	}
	if again := must[*sdk.ReconcileReport](t)(cl.Reconcile(c)); len(again.Vanished) != 0 {
		t.Errorf("a second pass marked %v again", again.Vanished)
	}

	h.Stop()
	h.Args = append(h.Args, "--delete-orphans")
	h.Start()
	deadline := time.Now().Add(10 * time.Second)
	var last *sdk.ReconcileReport
	for time.Now().Before(deadline) {
		if last, err = h.Client.LastReconcile(c); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if last == nil || len(last.Orphans) != 1 || !last.Orphans[0].Deleted {
		t.Fatalf("start-up pass with --delete-orphans: %+v (%v)", last, err)
	}
	if left := simCloud(t, h); len(left) != 1 || left[0].NodeID != u.Nodes[1].NodeID {
		t.Fatalf("cloud after deleting the orphan: %+v", left)
	}
	// The vanished node is deleted like any other.
	settle(t, h.Client)(h.Client.DeleteNode(c, vc.VCID, "u", u.Nodes[0].NodeID))
}

// TestInterruptions: an instance the cloud takes back (a spot reclaim)
// makes its node HOST_ERROR with the cloud's reason; when the instance
// runs again the node is RUNNING again; a unit with auto_replace gets a
// new node instead.
func TestInterruptions(t *testing.T) {
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "spot", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "keep", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "swap", Provider: "sim", Spec: map[string]any{"num_nodes": 1, "auto_replace": true}}))
	keep := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep")).Nodes[0]
	swap := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "swap")).Nodes[0]
	chaos := func(cmd, node string) {
		out, err := exec.Command(testenv.Sim(t), cmd, "--dir", h.PluginData("sim"), node).CombinedOutput()
		if err != nil {
			t.Fatalf("sim %s: %v %s", cmd, err, out)
		}
	}
	chaos("reclaim", keep.NodeID)
	chaos("reclaim", swap.NodeID)
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Replaced) != 1 || rep.Replaced[0] != swap.NodeID {
		t.Errorf("replaced %v, want the auto_replace unit's node", rep.Replaced)
	}
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep")).Nodes[0]
	if n.State != "HOST_ERROR" || !strings.Contains(n.StateReason, "reclaimed") || n.ErrorSource != "reclaim" {
		t.Errorf("reclaimed node: %s (%s, source %q)", n.State, n.StateReason, n.ErrorSource)
	}
	waitFor(t, 10*time.Second, func() bool {
		u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "swap"))
		return len(u.Nodes) == 1 && u.Nodes[0].NodeID != swap.NodeID && u.Nodes[0].State == "RUNNING"
	}, "the replacement node to run")

	chaos("restore", keep.NodeID)
	rep = must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep")).Nodes[0]; n.State != "RUNNING" || n.StateReason != "" || n.ErrorSource != "" {
		t.Errorf("node after its instance came back: %s (%s); report %+v", n.State, n.StateReason, rep)
	}
}
