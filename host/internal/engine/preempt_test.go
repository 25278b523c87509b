package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// slowBoot is a cloud whose CreateNode waits for release and whose
// instances never finish booting.
type slowBoot struct {
	refuser
	called, release chan struct{}
}

func (s slowBoot) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	close(s.called)
	<-s.release // the cloud finishes what it was asked, cancelled or not
	return &provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: "i-1", State: provider.InstancePending}, nil
}

func (s slowBoot) DescribeNodes(_ context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	var out []provider.NodeStatus
	for _, n := range req.Nodes {
		out = append(out, provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: "i-1", State: provider.InstancePending})
	}
	return out, nil
}

// TestPreemptLetsTheCallFinish: a delete taking over a node whose create
// call is at the cloud ends the create as soon as the call returns (not
// after the boot), with the instance recorded for the delete to find.
func TestPreemptLetsTheCallFinish(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "vcc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	node := &model.Node{NodeID: "n1", VCID: "vc1", Unit: "u", NodeNo: 1, State: model.NodeBooting}
	op := &model.Operation{ID: "op1", Kind: model.OpCreateNodes, VCID: "vc1", Unit: "u", NodeIDs: []string{"n1"}, State: model.OpPending}
	if err := st.Update(func(tx store.Tx) error {
		return errors.Join(tx.PutVC(&model.VC{VCID: "vc1", Name: "v"}), tx.PutUnit(&model.Unit{VCID: "vc1", Name: "u", Provider: "fake"}), tx.PutNode(node), tx.PutOp(op))
	}); err != nil {
		t.Fatal(err)
	}
	cloud := slowBoot{called: make(chan struct{}), release: make(chan struct{})}
	e := New(st, fakeEnv{prov: cloud}, events.NewBus(), hclog.NewNullLogger(), Config{Attempts: 1, PollInterval: 64 * time.Millisecond})
	t.Cleanup(e.Close)
	e.Submit(op)
	<-cloud.called

	// What the controller does for a delete: mark, then preempt.
	if err := st.Update(func(tx store.Tx) error { node.State = model.NodeDeleting; return tx.PutNode(node) }); err != nil {
		t.Fatal(err)
	}
	e.Preempt("vc1", "", nil)
	close(cloud.release)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := e.Wait(ctx, op.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != model.OpFailed || !strings.Contains(done.Error, "superseded by a delete") {
		t.Errorf("create: %s %q, want failed, superseded", done.State, done.Error)
	}
	var got *model.Node
	_ = st.View(func(tx store.Tx) (err error) { got, err = tx.Node("n1"); return err })
	if got.State != model.NodeDeleting || got.CloudInstanceID != "i-1" {
		t.Errorf("node %s with instance %q, want DELETING with i-1 recorded", got.State, got.CloudInstanceID)
	}
}
