package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// scripted is a provider whose power calls answer as told and whose
// describe reports the instance as told; it records the calls made.
type scripted struct {
	refuser
	mu          sync.Mutex
	calls       []string
	powerErr    error
	after       provider.InstanceState // what a power call leaves; "": not found
	describeErr error
}

func (s *scripted) log(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *scripted) power(call string, req provider.NodeRequest) (*provider.NodeStatus, error) {
	s.log(call)
	if s.powerErr != nil {
		return nil, s.powerErr
	}
	return &provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: req.Node.CloudInstanceID, CloudInstanceAddress: "10.0.0.5", State: s.after}, nil
}

func (s *scripted) PowerOff(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return s.power("PowerOff", req)
}

func (s *scripted) PowerOn(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return s.power("PowerOn", req)
}

func (s *scripted) DescribeNodes(_ context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	s.log("DescribeNodes")
	if s.describeErr != nil {
		return nil, s.describeErr
	}
	var out []provider.NodeStatus
	for _, n := range req.Nodes {
		st := provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound}
		if s.after != "" {
			st.CloudInstanceID, st.State, st.CloudInstanceAddress = n.CloudInstanceID, s.after, "10.0.0.5"
		}
		out = append(out, st)
	}
	return out, nil
}

// TestPowerRecordsTheCloud: a power operation is checked against the
// node when it runs, makes no call a node cannot take, and leaves the
// node in the state the cloud confirms, also when the call failed.
func TestPowerRecordsTheCloud(t *testing.T) {
	callFailed := provider.Diagnostics{provider.Errorf("", "the cloud said no")}.Err()
	type want struct {
		Op     model.OpState
		Node   model.NodeState
		Source model.ErrorSource
		Calls  []string
	}
	cases := map[string]struct {
		kind     model.OpKind
		node     model.Node
		prov     *scripted
		want     want
		errSubst string
	}{
		"off": {kind: model.OpPowerOff, node: model.Node{State: model.NodeRunning, CloudInstanceID: "i-1"}, prov: &scripted{after: provider.InstanceStopped},
			want: want{model.OpSucceeded, model.NodePowerOff, model.SourceNone, []string{"PowerOff"}}},
		"off_from_container_error": {kind: model.OpPowerOff, node: model.Node{State: model.NodeContainerError, CloudInstanceID: "i-1"}, prov: &scripted{after: provider.InstanceStopped},
			want: want{model.OpSucceeded, model.NodePowerOff, model.SourceNone, []string{"PowerOff"}}},
		"off_when_off": {kind: model.OpPowerOff, node: model.Node{State: model.NodePowerOff, CloudInstanceID: "i-1"}, prov: &scripted{},
			want: want{model.OpSucceeded, model.NodePowerOff, model.SourceNone, nil}},
		"on_when_running": {kind: model.OpPowerOn, node: model.Node{State: model.NodeRunning, CloudInstanceID: "i-1"}, prov: &scripted{},
			want: want{model.OpSucceeded, model.NodeRunning, model.SourceNone, nil}},
		"off_without_instance": {kind: model.OpPowerOff, node: model.Node{State: model.NodeHostError, ErrorSource: model.SourceOperation, StateReason: "create failed: x"}, prov: &scripted{},
			want: want{model.OpFailed, model.NodeHostError, model.SourceOperation, nil}, errSubst: "has no instance (create failed: x)"},
		"on_without_instance": {kind: model.OpPowerOn, node: model.Node{State: model.NodeHostError}, prov: &scripted{},
			want: want{model.OpFailed, model.NodeHostError, model.SourceNone, nil}, errSubst: "has no instance"},
		"off_while_deleting": {kind: model.OpPowerOff, node: model.Node{State: model.NodeDeleting, CloudInstanceID: "i-1"}, prov: &scripted{},
			want: want{model.OpFailed, model.NodeDeleting, model.SourceNone, nil}, errSubst: "superseded by a delete"},
		"off_refused_by_state": {kind: model.OpPowerOff, node: model.Node{State: model.NodeStopped, CloudInstanceID: "i-1"}, prov: &scripted{},
			want: want{model.OpFailed, model.NodeStopped, model.SourceNone, nil}, errSubst: "is STOPPED and cannot become SHUTTING_DOWN"},
		"off_fails_still_running": {kind: model.OpPowerOff, node: model.Node{State: model.NodeRunning, CloudInstanceID: "i-1"}, prov: &scripted{powerErr: callFailed, after: provider.InstanceRunning},
			want: want{model.OpFailed, model.NodeRunning, model.SourceOperation, []string{"PowerOff", "DescribeNodes"}}, errSubst: "the cloud said no"},
		"off_fails_but_stopped": {kind: model.OpPowerOff, node: model.Node{State: model.NodeRunning, CloudInstanceID: "i-1"}, prov: &scripted{powerErr: callFailed, after: provider.InstanceStopped},
			want: want{model.OpFailed, model.NodePowerOff, model.SourceOperation, []string{"PowerOff", "DescribeNodes"}}},
		"on_fails_instance_gone": {kind: model.OpPowerOn, node: model.Node{State: model.NodePowerOff, CloudInstanceID: "i-1"}, prov: &scripted{powerErr: callFailed},
			want: want{model.OpFailed, model.NodeHostError, model.SourceOperation, []string{"PowerOn", "DescribeNodes"}}},
		"off_fails_unreadable": {kind: model.OpPowerOff, node: model.Node{State: model.NodeRunning, CloudInstanceID: "i-1"}, prov: &scripted{powerErr: callFailed, describeErr: errors.New("describe down")},
			want: want{model.OpFailed, model.NodeHostError, model.SourceOperation, []string{"PowerOff", "DescribeNodes"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			node := tc.node
			node.NodeID, node.VCID, node.Unit, node.NodeNo = "n1", "vc1", "u", 1
			done, got := runOp(t, fakeEnv{prov: tc.prov}, &node, tc.kind)
			tc.prov.mu.Lock()
			calls := tc.prov.calls
			tc.prov.mu.Unlock()
			if diff := cmp.Diff(tc.want, want{done.State, got.State, got.ErrorSource, calls}); diff != "" {
				t.Errorf("(-want +got):\n%s\noperation error: %s", diff, done.Error)
			}
			if !strings.Contains(done.Error, tc.errSubst) {
				t.Errorf("operation error %q lacks %q", done.Error, tc.errSubst)
			}
		})
	}
}

// runOp runs one operation of kind on node in a fresh store and returns
// the finished operation and the node after it.
func runOp(t *testing.T, env fakeEnv, node *model.Node, kind model.OpKind) (*model.Operation, *model.Node) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "vcc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	op := &model.Operation{ID: "op1", Kind: kind, VCID: node.VCID, Unit: node.Unit, NodeIDs: []string{node.NodeID}, State: model.OpPending}
	err = st.Update(func(tx store.Tx) error {
		return errors.Join(
			tx.PutVC(&model.VC{VCID: node.VCID, Name: "v", State: model.VCRunning}),
			tx.PutUnit(&model.Unit{VCID: node.VCID, Name: node.Unit, Provider: "fake", State: model.UnitRunning}),
			tx.PutNode(node), tx.PutOp(op))
	})
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, env, events.NewBus(), hclog.NewNullLogger(), Config{Attempts: 1, RetryBase: time.Millisecond, PollInterval: 64 * time.Millisecond})
	t.Cleanup(e.Close)
	e.Submit(op)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := e.Wait(ctx, op.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got *model.Node
	if err := st.View(func(tx store.Tx) (err error) { got, err = tx.Node(node.NodeID); return err }); err != nil {
		t.Fatal(err)
	}
	return done, got
}
