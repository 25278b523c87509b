package azure

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// TestEviction: by its eviction policy an evicted Spot VM is HOST_ERROR
// material (deallocated: an error with Azure's reason) or gone
// (Delete: not_found, its NIC and disk with it).
func TestEviction(t *testing.T) {
	for policy, want := range map[string]provider.InstanceState{"Deallocate": provider.InstanceError, "Delete": provider.InstanceNotFound} {
		t.Run(policy, func(t *testing.T) {
			s := emulator(t)
			p := inProcess(s, true)
			e := envOf(s)
			ctx := context.Background()
			node := provider.NodeRef{NodeID: providertest.NewNodeID(), CloudInstanceName: "spot1", NodeNo: 1}
			st, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: node, FirstAttempt: true,
				Spec: json.RawMessage(`{"azure_spot_eviction_policy": "` + policy + `", "spot_price": 0.02}`)})
			if err != nil {
				t.Fatal(err)
			}
			node.CloudInstanceID = st.CloudInstanceID
			state := func() provider.NodeStatus {
				got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{node}, StateOnly: true})
				if err != nil || len(got) != 1 {
					t.Fatalf("describe: %v %v", got, err)
				}
				return got[0]
			}
			waitState(t, state, provider.InstanceRunning)
			if err := s.Evict(rg, "spot1"); err != nil {
				t.Fatal(err)
			}
			got := waitState(t, state, want)
			if want == provider.InstanceError && !strings.Contains(got.StateReason, "evicted") {
				t.Errorf("reason %q", got.StateReason)
			}
			if want == provider.InstanceNotFound && len(s.Left()) != 0 {
				t.Errorf("left after an eviction with Delete: %v", s.Left())
			}
		})
	}
}

func waitState(t *testing.T, state func() provider.NodeStatus, want provider.InstanceState) provider.NodeStatus {
	t.Helper()
	var st provider.NodeStatus
	for range 100 {
		if st = state(); st.State == want {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("state %s (%s), want %s", st.State, st.StateReason, want)
	return st
}
