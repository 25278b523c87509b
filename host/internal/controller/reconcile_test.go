package controller

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/sdk"
)

// node is n1 of a unit on sim, with the given state, instance and error.
func node(state model.NodeState, instance string, src model.ErrorSource, reason string) *model.Node {
	n := &model.Node{NodeID: "n1", VCID: "v1", Unit: "web", NodeNo: 1, State: state, CloudInstanceID: instance, ErrorSource: src, StateReason: reason}
	if instance != "" {
		n.CloudInstanceAddress = "10.0.0.1"
	}
	return n
}

func TestDecideNode(t *testing.T) {
	running := &provider.NodeStatus{NodeID: "n1", CloudInstanceID: "i-1", CloudInstanceAddress: "10.0.0.1", State: provider.InstanceRunning}
	status := func(state provider.InstanceState, mod func(*provider.NodeStatus)) *provider.NodeStatus {
		s := *running
		s.State = state
		if mod != nil {
			mod(&s)
		}
		return &s
	}
	const gone = "instance i-1 no longer exists in sim (deleted outside vcc?); delete the node or add a new one"
	const reclaimed = "the cloud reports the instance in error: reclaimed"
	cases := map[string]struct {
		node       *model.Node
		status     *provider.NodeStatus
		agentReady bool
		want       drift
		wantNode   *model.Node // after the change; nil when there is none
	}{
		"running as recorded": {node: node(model.NodeRunning, "i-1", model.SourceNone, ""), status: running, want: inLine},
		"the cloud no longer lists the instance": {node: node(model.NodeRunning, "i-1", model.SourceNone, ""), status: nil,
			want: vanished, wantNode: node(model.NodeHostError, "i-1", model.SourceReconcile, gone)},
		"the cloud says it is not found": {node: node(model.NodePowerOff, "i-1", model.SourceNone, ""), status: status(provider.InstanceNotFound, nil),
			want: vanished, wantNode: node(model.NodeHostError, "i-1", model.SourceReconcile, gone)},
		// Reconcile looks only at units with no operation queued or running
		// (and checks again as it writes): a node half-way there is stuck.
		"no instance and no operation: its create never completed": {node: node(model.NodeBooting, "", model.SourceNone, ""), status: nil,
			want: vanished, wantNode: node(model.NodeHostError, "", model.SourceReconcile, "no instance in sim and no operation under way: its create never completed; delete the node or add a new one")},
		"left BOOTING, the instance runs": {node: node(model.NodeBooting, "i-1", model.SourceNone, ""), status: running, agentReady: true,
			want: drifted, wantNode: node(model.NodeRunning, "i-1", model.SourceNone, "")},
		"left BOOTING, the instance runs, agent not yet": {node: node(model.NodeBooting, "i-1", model.SourceNone, ""), status: running, want: inLine},
		"left SHUTTING_DOWN, the instance stopped": {node: node(model.NodeShuttingDown, "i-1", model.SourceNone, ""), status: status(provider.InstanceStopped, nil),
			want: drifted, wantNode: node(model.NodePowerOff, "i-1", model.SourceNone, "")},
		"left SHUTTING_DOWN, the instance still runs": {node: node(model.NodeShuttingDown, "i-1", model.SourceNone, ""), status: running, agentReady: true,
			want: drifted, wantNode: node(model.NodeRunning, "i-1", model.SourceNone, "")},
		"not listed while being deleted":  {node: node(model.NodeDeleting, "i-1", model.SourceNone, ""), status: nil, want: inLine},
		"not listed and already in error": {node: node(model.NodeHostError, "i-1", model.SourceOperation, "earlier"), status: nil, want: inLine},
		"the cloud reports the instance in error (spot reclaimed)": {node: node(model.NodeRunning, "i-1", model.SourceNone, ""),
			status: status(provider.InstanceError, func(s *provider.NodeStatus) { s.StateReason = "reclaimed" }),
			want:   vanished, wantNode: node(model.NodeHostError, "i-1", model.SourceReclaim, reclaimed)},
		"an instance in error while being deleted": {node: node(model.NodeDeleting, "i-1", model.SourceNone, ""), status: status(provider.InstanceError, nil), want: inLine},
		"back after a cloud error, agent joined": {node: node(model.NodeHostError, "i-1", model.SourceReclaim, reclaimed), status: running, agentReady: true,
			want: drifted, wantNode: node(model.NodeRunning, "i-1", model.SourceNone, "")},
		"back after a cloud error, agent not yet":                {node: node(model.NodeHostError, "i-1", model.SourceReclaim, reclaimed), status: running, want: inLine},
		"a gone instance back is not undone (only reclaims are)": {node: node(model.NodeHostError, "i-1", model.SourceReconcile, gone), status: running, agentReady: true, want: inLine},
		"an error reconcile did not set stays":                   {node: node(model.NodeHostError, "i-1", model.SourceLiveness, "agent lost"), status: running, agentReady: true, want: inLine},
		"back, but another instance": {node: node(model.NodeHostError, "i-1", model.SourceReclaim, reclaimed), agentReady: true,
			status: status(provider.InstanceRunning, func(s *provider.NodeStatus) { s.CloudInstanceID = "i-2" }), want: inLine},
		"adopting a running instance whose create was cut": {node: node(model.NodeBooting, "", model.SourceNone, ""), status: running, agentReady: true,
			want: adopted, wantNode: node(model.NodeRunning, "i-1", model.SourceNone, "")},
		"adopting, the agent not joined yet": {node: node(model.NodeBooting, "", model.SourceNone, ""), status: running,
			want: adopted, wantNode: node(model.NodeBooting, "i-1", model.SourceNone, "")},
		"adopting a pending instance": {node: node(model.NodeBooting, "", model.SourceNone, ""), status: status(provider.InstancePending, nil), agentReady: true,
			want: adopted, wantNode: node(model.NodeBooting, "i-1", model.SourceNone, "")},
		"stopped outside vcc": {node: node(model.NodeRunning, "i-1", model.SourceNone, ""), status: status(provider.InstanceStopped, nil),
			want: drifted, wantNode: node(model.NodePowerOff, "i-1", model.SourceReconcile, "stopped outside vcc")},
		"the Base container exited": {node: node(model.NodeRunning, "i-1", model.SourceNone, ""),
			status: status(provider.InstanceStopped, func(s *provider.NodeStatus) { s.BaseContainer = provider.ContainerExited }),
			want:   drifted, wantNode: node(model.NodeContainerError, "i-1", model.SourceLiveness, "the Base container exited outside vcc")},
		"stopped as recorded": {node: node(model.NodePowerOff, "i-1", model.SourceNone, ""), status: status(provider.InstanceStopped, nil), want: inLine},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			change, got := decideNode(tc.node, tc.status, "sim", func(*model.Node) bool { return tc.agentReady })
			if got != tc.want {
				t.Fatalf("drift %d, want %d", got, tc.want)
			}
			if (change == nil) != (tc.wantNode == nil) {
				t.Fatalf("change %v, want one: %v", change != nil, tc.wantNode != nil)
			}
			if change == nil {
				return
			}
			n := *tc.node
			if err := change(&n); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantNode, &n); diff != "" {
				t.Errorf("node (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReconcileNode: a decided change is recorded and reported, unless
// the node moved or went since reconcile read it.
func TestReconcileNode(t *testing.T) {
	snapshot := node(model.NodeRunning, "i-1", model.SourceNone, "")
	cases := map[string]struct {
		meanwhile func(tx store.Tx) error
		want      *model.Node // in the store afterwards; nil: gone
		vanished  []string
	}{
		"recorded and reported": {want: node(model.NodeHostError, "i-1", model.SourceReconcile, "instance i-1 no longer exists in sim (deleted outside vcc?); delete the node or add a new one"),
			vanished: []string{"n1"}},
		"moved meanwhile: left alone": {meanwhile: func(tx store.Tx) error { return tx.PutNode(node(model.NodeDeleting, "i-1", model.SourceNone, "")) },
			want: node(model.NodeDeleting, "i-1", model.SourceNone, "")},
		"deleted meanwhile: left alone": {meanwhile: func(tx store.Tx) error { return tx.DeleteNode("n1") }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			err := st.Update(func(tx store.Tx) error {
				if err := tx.PutNode(snapshot); err != nil {
					return err
				}
				if tc.meanwhile != nil {
					return tc.meanwhile(tx)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// No liveness: agentReady holds without asking a plugin. An
			// idle engine: no operation holds the unit.
			eng := engine.New(st, nil, events.NewBus(), hclog.NewNullLogger(), engine.Config{})
			t.Cleanup(eng.Close)
			c := &Controller{st: st, eng: eng}
			rep := &sdk.ReconcileReport{}
			c.reconcileNode(snapshot, nil, "sim", rep)

			if diff := cmp.Diff(&sdk.ReconcileReport{Vanished: tc.vanished}, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			var got *model.Node
			err = st.View(func(tx store.Tx) error {
				var err error
				got, err = tx.Node("n1")
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(model.Node{}, "Updated")); diff != "" {
				t.Errorf("stored node (-want +got):\n%s", diff)
			}
		})
	}
}
