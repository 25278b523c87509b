package main_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestAnswersSayWhatHappened: a negative node count is called negative
// (not "too many"); clear_processing names the operation it stopped,
// which then ends failed; the 202 of a node DELETE shows the node
// DELETING, as stored.
func TestAnswersSayWhatHappened(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default: {}\n  slow:\n    boot_ms: 60000\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "answers", "compute"))

	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "neg", Provider: "sim", Spec: map[string]any{"num_nodes": -1}})
	var api *sdk.APIError
	if !errors.As(err, &api) || api.Status != 400 || !strings.Contains(err.Error(), "spec.num_nodes: must be 0 or more, got -1") {
		t.Errorf("num_nodes -1: %v", err)
	}

	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{
		UnitName: "slow", Provider: "sim", Spec: map[string]any{"num_nodes": 1, "private_network": "slow"},
	}))
	waitFor(t, 30*time.Second, func() bool {
		op := must[*sdk.Operation](t)(cl.Operation(c, acc.OperationID))
		return op.State == "running"
	}, "the create to run")
	cleared := must[*sdk.Accepted](t)(cl.UnitAction(c, vc.VCID, "slow", "clear_processing", sdk.Selector{}))
	if cleared.OperationID != acc.OperationID {
		t.Errorf("clear_processing answered operation %q, want the create's %q", cleared.OperationID, acc.OperationID)
	}
	if _, err := cl.Wait(c, acc.OperationID); err == nil || !strings.Contains(err.Error(), "failed: cleared by clear_processing") {
		t.Errorf("the cleared operation ended with %v", err)
	}

	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	del := must[*sdk.Accepted](t)(cl.DeleteNode(c, vc.VCID, "web", u.Nodes[0].NodeID))
	if len(del.Nodes) != 1 || del.Nodes[0].State != "DELETING" {
		t.Errorf("node DELETE answered %+v, want the node DELETING", del.Nodes)
	}
	settle(t, cl)(del, nil)
}
