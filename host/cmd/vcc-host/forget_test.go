package main_test

import (
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestForget: a node whose instance cannot be deleted keeps a plain
// delete failing (and the node recorded); a delete with forget drops it,
// lists it in the operation with what is needed to find the instance, and
// leaves the instance in the cloud for the user.
func TestForget(t *testing.T) {
	h := testenv.StartHost(t, "")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "forget", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 3}}))
	stuck := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u")).Nodes[1]
	if out, err := exec.Command(testenv.Sim(t), "protect", "--dir", h.PluginData("sim"), stuck.NodeID).CombinedOutput(); err != nil {
		t.Fatalf("protect: %v: %s", err, out)
	}

	if _, err := cl.DeleteUnit(c, vc.VCID, "u", true, func(v url.Values) { v.Set("forget", "maybe") }); sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "forget") {
		t.Errorf("?forget=maybe: %v, want a 400 naming forget", err)
	}

	acc := must[*sdk.Accepted](t)(cl.DeleteUnit(c, vc.VCID, "u", true))
	if _, err := cl.Wait(c, acc.OperationID); err == nil || !strings.Contains(err.Error(), "protected") || !strings.Contains(err.Error(), "?forget=true") {
		t.Fatalf("plain delete of a protected node: %v, want a failure naming the protection and the way out", err)
	}
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))
	if len(u.Nodes) != 1 || u.Nodes[0].NodeID != stuck.NodeID || !strings.Contains(u.Nodes[0].StateReason, "delete failed") || u.Nodes[0].ErrorSource != "operation" {
		t.Fatalf("after the failed delete the unit has %+v, want only the protected node with its reason", u.Nodes)
	}

	acc = must[*sdk.Accepted](t)(cl.DeleteUnit(c, vc.VCID, "u", true, sdk.Forget()))
	op, err := cl.Wait(c, acc.OperationID)
	if err != nil {
		t.Fatalf("delete with forget: %v", err)
	}
	if len(op.Forgotten) != 1 {
		t.Fatalf("forgotten %+v, want the protected node", op.Forgotten)
	}
	f := op.Forgotten[0]
	if !strings.Contains(f.Reason, "protected") {
		t.Errorf("reason %q does not say why", f.Reason)
	}
	f.Reason = ""
	want := sdk.ForgottenNode{NodeID: stuck.NodeID, NodeNo: stuck.NodeNo, Unit: "u", Provider: "sim",
		CloudInstanceID: stuck.CloudInstanceID, CloudInstanceAddress: stuck.CloudInstanceAddress}
	if diff := cmp.Diff(want, f); diff != "" || !op.Forget {
		t.Errorf("forgotten node (-want +got):\n%s", diff)
	}
	if _, err := cl.GetUnit(c, vc.VCID, "u"); sdk.StatusOf(err) != http.StatusNotFound {
		t.Errorf("unit after a delete with forget: %v, want 404", err)
	}
	left := simCloud(t, h)
	if len(left) != 1 || left[0].CloudInstanceID != stuck.CloudInstanceID {
		t.Errorf("the cloud holds %+v, want the protected instance, left for the user", left)
	}
	again := must[*sdk.Operation](t)(cl.Operation(c, acc.OperationID))
	if len(again.Forgotten) != 1 {
		t.Errorf("the stored operation lost its forgotten list: %+v", again)
	}

	// A plugin the site removed cannot delete anything: forget still
	// lets the user clean the VC up.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "v", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	h.Stop()
	h.Plugin = testenv.PluginDir(t, true, map[string]string{"vcc-provider-keyed": testenv.KeyedPlugin(t)})
	h.Start()
	acc = must[*sdk.Accepted](t)(h.Client.DeleteUnitGroup(c, vc.VCID, sdk.Forget()))
	if op, err = h.Client.Wait(c, acc.OperationID); err != nil {
		t.Fatalf("deleting a VC whose plugin is gone, with forget: %v", err)
	}
	if len(op.Forgotten) != 2 || !strings.Contains(op.Forgotten[0].Reason, "sim") {
		t.Errorf("forgotten %+v, want both nodes, naming the missing plugin", op.Forgotten)
	}
	if _, err := h.Client.GetUnitGroup(c, vc.VCID); sdk.StatusOf(err) != http.StatusNotFound {
		t.Errorf("VC after cleanup with forget: %v, want 404", err)
	}
}
