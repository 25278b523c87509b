package main_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestSlowCloud: against a cloud that, like EC2, misses a new instance in
// describes for a while, and, like OpenStack, gives its address only once
// it has booted, a unit still comes up: nodes are not declared gone while
// the cloud catches up, stay BOOTING until their instance runs, and end
// RUNNING with their addresses (the host's state-only polls carry none).
func TestSlowCloud(t *testing.T) {
	const boot = 600 * time.Millisecond
	h := testenv.StartHost(t, "sim:\n  default:\n    boot_ms: 600\n    consistency_delay_ms: 300\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "slow", ""))
	start := time.Now()
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 3}}))
	if _, err := cl.Wait(c, acc.OperationID); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < boot {
		t.Errorf("unit RUNNING after %v, before its instances booted (%v)", took, boot)
	}
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))
	if diff := cmp.Diff(map[string]int{"RUNNING": 3}, states(u)); diff != "" {
		t.Fatalf("states (-want +got): %s", diff)
	}
	for _, n := range u.Nodes {
		if n.CloudInstanceAddress == "" || n.CloudInstanceName == "" {
			t.Errorf("node %d RUNNING without address or name: %+v", n.NodeNo, n)
		}
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if left := simCloud(t, h); len(left) != 0 {
		t.Fatalf("cleanup left %d instances", len(left))
	}
}
