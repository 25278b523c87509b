package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// createGrace is how long a new instance may be unknown to its cloud:
// EC2 and others are eventually consistent, so a describe right after
// the create can miss an instance that exists.
const createGrace = 2 * time.Minute

// awaitInstance records what the cloud says of the node's instance and
// moves the node to state to once the instance is in want. st, the answer
// of the call just made, is the first observation; later ones come from
// the unit's poller, which describes all waiting nodes in one state-only
// call. An instance missing for longer than grace has disappeared.
func (e *Engine) awaitInstance(ctx context.Context, t *target, st *provider.NodeStatus, want provider.InstanceState, to model.NodeState, grace time.Duration) error {
	addr := t.node.CloudInstanceAddress
	var missing time.Time
	for {
		if st != nil && st.CloudInstanceAddress != "" {
			addr = st.CloudInstanceAddress
		}
		switch {
		case st == nil:
		case st.State == provider.InstanceNotFound:
			if missing.IsZero() {
				missing = time.Now()
			}
			if time.Since(missing) >= grace {
				return fmt.Errorf("instance of node %d disappeared while waiting for it to be %s", t.node.NodeNo, want)
			}
		case st.State == provider.InstanceError:
			return fmt.Errorf("instance %s is in error: %s", st.CloudInstanceID, st.StateReason)
		case want == provider.InstanceRunning && containerDown(st):
			return e.containerFailed(t, st)
		case st.State == want:
			if addr == "" {
				// State-only answers carry no address: ask once in full.
				e.complete(ctx, t, st)
			}
			if to == model.NodeRunning && e.env.AwaitsAgent(t.unit, t.node) {
				return e.awaitAgent(ctx, t, st)
			}
			return e.record(t.node.NodeID, st, to, cleared)
		default:
			missing = time.Time{}
			if st.CloudInstanceID != "" && st.CloudInstanceID != t.req.Node.CloudInstanceID {
				// Known at once, so that a delete taking the node over
				// finds the instance.
				if err := e.setNode(t.node.NodeID, func(n *model.Node) error { recordInstance(n, st); return nil }); err != nil {
					return err
				}
				t.req.Node.CloudInstanceID = st.CloudInstanceID
			}
		}
		next, err := e.observe(ctx, t)
		if err != nil {
			return err
		}
		st = &next
	}
}

// complete fills in st with a full describe of the node; a failure
// leaves st as it is (the node then simply has no address yet).
func (e *Engine) complete(ctx context.Context, t *target, st *provider.NodeStatus) {
	if full, err := e.describeOne(ctx, t); err == nil && full.State == st.State {
		*st = *full
	}
}

// awaitGone waits, through the unit's poller, until the cloud no longer
// has the node's instance (a provider with async_delete has only started
// the deletion).
func (e *Engine) awaitGone(ctx context.Context, t *target) error {
	for {
		st, err := e.observe(ctx, t)
		if err != nil {
			return err
		}
		switch st.State {
		case provider.InstanceNotFound:
			return nil
		case provider.InstanceError:
			if st.CloudInstanceID == "" { // the describe itself failed
				return fmt.Errorf("confirm deletion: %s", st.StateReason)
			}
		}
	}
}

// awaitAgent keeps a node whose instance runs BOOTING until its agent
// has joined the controller's Serf: a node is never RUNNING before it
// answers.
func (e *Engine) awaitAgent(ctx context.Context, t *target, st *provider.NodeStatus) error {
	err := e.record(t.node.NodeID, st, model.NodeBooting, func(n *model.Node) {
		n.SetError(model.SourceNone, "instance running; waiting for the Base container's agent to join") // a note, no error
	})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, e.cfg.JoinTimeout)
	defer cancel()
	wctx, stop := context.WithCancelCause(wctx)
	defer stop(nil)
	if st.BaseContainer != "" { // the plugin sees the container: watch it
		go e.watchContainer(wctx, t, stop)
	}
	if err := e.env.WaitAgent(wctx, t.node.NodeID); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var down *errContainerDown
		if errors.As(context.Cause(wctx), &down) {
			return e.containerFailed(t, &down.st)
		}
		reason := fmt.Sprintf("the node's agent did not join within %v: check that the node reaches the controller's Serf port "+
			"(VCP_VCC_PRIVATE_IPMASK / --advertise-addr, port %d) and that its Base image runs vcc-node", e.cfg.JoinTimeout, t.req.Env.ControllerSerfPort)
		if rerr := e.record(t.node.NodeID, nil, model.NodeHostError, func(n *model.Node) { n.SetError(model.SourceLiveness, reason) }); rerr != nil {
			return rerr
		}
		return errors.New(reason)
	}
	return e.record(t.node.NodeID, nil, model.NodeRunning, cleared)
}

func find(l []provider.NodeStatus, id string) *provider.NodeStatus {
	for i := range l {
		if l[i].NodeID == id {
			return &l[i]
		}
	}
	return nil
}
