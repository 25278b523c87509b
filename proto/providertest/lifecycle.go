package providertest

import (
	"context"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

func lifecycle(t *testing.T, f Fixture, info *provider.Info) {
	ref := newRef(f)
	req := provider.NodeRequest{Env: f.Env, Node: ref, Spec: f.Spec}
	if info.Has(provider.CapPreflight) {
		res, err := call(t, f, "Preflight", func(ctx context.Context) (*provider.PreflightResult, error) {
			return f.Provider.(provider.Preflighter).Preflight(ctx, provider.PreflightRequest{Env: f.Env, Nodes: []provider.NodeRef{ref}, Spec: f.Spec})
		})
		if err != nil || res.Diagnostics.HasError() {
			t.Fatalf("Preflight of a valid node: err=%v diags=%v", err, res.Diagnostics)
		}
	}
	req.FirstAttempt = true
	created, err := call(t, f, "CreateNode", func(ctx context.Context) (*provider.NodeStatus, error) { return f.Provider.CreateNode(ctx, req) })
	if err != nil {
		t.Fatalf("CreateNode: %v", err)
	}
	req.FirstAttempt = false
	t.Cleanup(func() { _ = f.Provider.DeleteNode(context.Background(), req) })
	if created.CloudInstanceID == "" || created.NodeID != ref.NodeID {
		t.Fatalf("CreateNode returned %+v: want the node id and a cloud instance id", created)
	}
	again, err := call(t, f, "repeated CreateNode", func(ctx context.Context) (*provider.NodeStatus, error) { return f.Provider.CreateNode(ctx, req) })
	if err != nil {
		t.Fatalf("repeated CreateNode: %v", err)
	}
	if again.CloudInstanceID != created.CloudInstanceID {
		t.Fatalf("repeated CreateNode made a second instance: %s then %s", created.CloudInstanceID, again.CloudInstanceID)
	}
	req.Node.CloudInstanceID = created.CloudInstanceID
	req.Node.CloudInstanceName = created.CloudInstanceName

	st := describe(t, f, req.Node, false)
	if st == nil || st.State == provider.InstanceNotFound {
		t.Fatalf("created node not found by DescribeNodes")
	}
	if info.Has(provider.CapTags) && (st.Tags[provider.TagNodeID] != ref.NodeID || st.Tags[provider.TagControllerID] != f.Env.ControllerID) {
		t.Errorf("instance tags %v lack %s/%s", st.Tags, provider.TagControllerID, provider.TagNodeID)
	}
	if info.Has(provider.CapListByController) {
		got, err := call(t, f, "DescribeNodes(all of controller)", func(ctx context.Context) ([]provider.NodeStatus, error) {
			return f.Provider.DescribeNodes(ctx, provider.DescribeRequest{Env: f.Env, AllOfController: true, Spec: f.Spec})
		})
		if err != nil || find(got, ref.NodeID) == nil {
			t.Errorf("AllOfController describe misses the node: err=%v", err)
		}
	}
	waitState(t, f, req.Node, provider.InstanceRunning)
	if isDisk(info) {
		diskLifecycle(t, f, req.Node)
	}
	if info.Has(provider.CapPower) {
		pw := f.Provider.(provider.Powerer)
		if _, err := call(t, f, "PowerOff", func(ctx context.Context) (*provider.NodeStatus, error) { return pw.PowerOff(ctx, req) }); err != nil {
			t.Fatalf("PowerOff: %v", err)
		}
		waitState(t, f, req.Node, provider.InstanceStopped)
		if _, err := call(t, f, "PowerOn", func(ctx context.Context) (*provider.NodeStatus, error) { return pw.PowerOn(ctx, req) }); err != nil {
			t.Fatalf("PowerOn: %v", err)
		}
		waitState(t, f, req.Node, provider.InstanceRunning)
	}
	if info.Has(provider.CapReboot) {
		rb := f.Provider.(provider.Rebooter)
		if _, err := call(t, f, "Reboot", func(ctx context.Context) (*provider.NodeStatus, error) { return rb.Reboot(ctx, req) }); err != nil {
			t.Fatalf("Reboot: %v", err)
		}
		waitState(t, f, req.Node, provider.InstanceRunning)
	}

	for _, what := range []string{"DeleteNode", "second DeleteNode"} {
		if _, err := call(t, f, what, func(ctx context.Context) (struct{}, error) { return struct{}{}, f.Provider.DeleteNode(ctx, req) }); err != nil {
			t.Fatalf("%s: %v (deleting what is gone must succeed)", what, err)
		}
	}
	waitState(t, f, req.Node, provider.InstanceNotFound)
}

// cancelMidCreate cancels a create shortly after it starts: the call must
// come back within CancelGrace, and whatever it made must be found by a
// retried create (FirstAttempt false) and removed by a delete. With
// f.Impl the cancelled call goes to the implementation itself (over gRPC
// the client returns at once, whatever the plugin does).
func cancelMidCreate(t *testing.T, f Fixture) {
	ref := newRef(f)
	req := provider.NodeRequest{Env: f.Env, Node: ref, Spec: f.Spec, FirstAttempt: true}
	target := f.Provider
	if f.Impl != nil {
		target = f.Impl
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := target.CreateNode(ctx, req)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done: // the cancellation's error, or none: either is fine
		if err != nil {
			t.Logf("cancelled CreateNode: %v", err)
		}
	case <-time.After(f.CancelGrace):
		t.Fatalf("CreateNode went on %v after its context was cancelled: honour ctx in every call", f.CancelGrace)
	}
	time.Sleep(f.SettleAfterCancel)
	req.FirstAttempt = false
	t.Cleanup(func() { _ = f.Provider.DeleteNode(context.Background(), req) })
	st, err := call(t, f, "CreateNode after a cancelled one", func(ctx context.Context) (*provider.NodeStatus, error) { return f.Provider.CreateNode(ctx, req) })
	if err != nil {
		t.Fatalf("CreateNode after a cancelled one: %v", err)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	if _, err := call(t, f, "DeleteNode", func(ctx context.Context) (struct{}, error) { return struct{}{}, f.Provider.DeleteNode(ctx, req) }); err != nil {
		t.Fatalf("DeleteNode: %v", err)
	}
	waitState(t, f, req.Node, provider.InstanceNotFound)
	got, err := call(t, f, "DescribeNodes", func(ctx context.Context) ([]provider.NodeStatus, error) {
		return f.Provider.DescribeNodes(ctx, provider.DescribeRequest{Env: f.Env, AllOfController: true, Spec: f.Spec})
	})
	if err == nil {
		if st := find(got, ref.NodeID); st != nil && st.State != provider.InstanceNotFound && st.State != provider.InstanceTerminating {
			t.Errorf("after delete, an instance of the cancelled create is left: %+v", st)
		}
	}
}

func describe(t *testing.T, f Fixture, ref provider.NodeRef, stateOnly bool) *provider.NodeStatus {
	t.Helper()
	got, err := call(t, f, "DescribeNodes", func(ctx context.Context) ([]provider.NodeStatus, error) {
		return f.Provider.DescribeNodes(ctx, provider.DescribeRequest{Env: f.Env, Nodes: []provider.NodeRef{ref}, Spec: f.Spec, StateOnly: stateOnly})
	})
	if err != nil {
		t.Fatalf("DescribeNodes (state only %v): %v", stateOnly, err)
	}
	return find(got, ref.NodeID)
}

// waitState polls DescribeNodes as the host's poller does (state only)
// until the node reaches want (a missing entry counts as not found), then
// checks that a full describe agrees.
func waitState(t *testing.T, f Fixture, ref provider.NodeRef, want provider.InstanceState) {
	t.Helper()
	state := func(stateOnly bool) provider.InstanceState {
		if st := describe(t, f, ref, stateOnly); st != nil {
			return st.State
		}
		return provider.InstanceNotFound
	}
	deadline := time.Now().Add(f.Timeout)
	var last provider.InstanceState
	for time.Now().Before(deadline) {
		if last = state(true); last == want {
			if full := state(false); full != want {
				t.Fatalf("node %s: a state-only describe says %q, a full one %q", ref.NodeID, want, full)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node %s: state %q, want %q within %v", ref.NodeID, last, want, f.Timeout)
}
