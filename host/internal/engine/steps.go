package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// target is a node with what is needed to call its provider.
type target struct {
	node *model.Node
	unit *model.Unit
	prov provider.Provider
	req  provider.NodeRequest
}

// step converges one node to op's goal. A node that is gone needs nothing.
func (e *Engine) step(ctx context.Context, op *model.Operation, nodeID string) error {
	t, err := e.target(ctx, nodeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		if op.Forget && deletes(op.Kind) && !errors.Is(err, ErrUnavailable) { // e.g. its plugin was removed
			return e.forget(op, nodeID, "", err)
		}
		return err
	}
	name := t.unit.Provider
	switch op.Kind {
	case model.OpCreateNodes:
		if t.node.CloudInstanceID != "" && t.node.State != model.NodeBooting {
			return nil // done before a crash
		}
		// Record the attempt before making it, so that only a node never
		// asked for is promised to the plugin as new.
		if !t.node.CreateAttempted {
			if err := e.setNode(nodeID, func(n *model.Node) error { n.CreateAttempted = true; return nil }); err != nil {
				return err
			}
			t.req.FirstAttempt = true
		}
		var st *provider.NodeStatus
		err := e.call(ctx, name, "CreateNode", func(c context.Context) (err error) {
			st, err = t.prov.CreateNode(c, t.req)
			t.req.FirstAttempt = false // a retry is not a first attempt
			return err
		})
		e.audit(op, name, "CreateNode", nodeID, err)
		if err != nil {
			// Best effort (setNode logs a failed write): the call's error
			// is what the operation reports.
			_ = e.setNode(nodeID, func(n *model.Node) error {
				n.SetError(model.SourceOperation, "create failed: "+err.Error())
				return moveNode(n, model.NodeHostError)
			})
			return err
		}
		return e.awaitInstance(ctx, t, st, provider.InstanceRunning, model.NodeRunning, createGrace)

	case model.OpDeleteNodes, model.OpDeleteUnit, model.OpDeleteVC:
		// The request marked it DELETING already; this re-asserts it for a
		// resumed operation, and the delete goes on either way.
		_ = e.setNode(nodeID, func(n *model.Node) error { return moveNode(n, model.NodeDeleting) })
		err := e.call(ctx, name, "DeleteNode", func(c context.Context) error { return t.prov.DeleteNode(c, t.req) })
		e.audit(op, name, "DeleteNode", nodeID, err)
		if err == nil && e.env.AsyncDelete(t.unit) {
			err = e.awaitGone(ctx, t)
		}
		if err != nil && op.Forget && ctx.Err() == nil {
			return e.forget(op, nodeID, name, err)
		}
		if err != nil {
			_ = e.setNode(nodeID, func(n *model.Node) error { // best effort, as above
				n.SetError(model.SourceOperation, "delete failed: "+err.Error())
				return nil
			})
			return err
		}
		if err := e.st.Update(func(tx store.Tx) error { return tx.DeleteNode(nodeID) }); err != nil {
			return err
		}
		e.bus.Publish(events.Event{Type: "node", VCID: t.node.VCID, Unit: t.node.Unit, NodeID: nodeID, State: "DELETED"})
		return nil

	case model.OpPowerOff:
		if t.node.State == model.NodePowerOff {
			return nil
		}
		return e.power(ctx, op, t, "PowerOff", powerer(t.prov).PowerOff, provider.InstanceStopped, model.NodePowerOff)
	case model.OpPowerOn:
		if t.node.State == model.NodeRunning {
			return nil
		}
		return e.power(ctx, op, t, "PowerOn", powerer(t.prov).PowerOn, provider.InstanceRunning, model.NodeRunning)
	case model.OpReboot:
		return e.power(ctx, op, t, "Reboot", rebooter(t.prov).Reboot, provider.InstanceRunning, model.NodeRunning)
	}
	return fmt.Errorf("unknown operation kind %q", op.Kind)
}

// power runs a power call; on failure the node goes back to where it was.
func (e *Engine) power(ctx context.Context, op *model.Operation, t *target, what string,
	fn func(context.Context, provider.NodeRequest) (*provider.NodeStatus, error),
	want provider.InstanceState, to model.NodeState) error {
	before := t.node.State
	var st *provider.NodeStatus
	err := e.call(ctx, t.unit.Provider, what, func(c context.Context) (err error) {
		st, err = fn(c, t.req)
		return err
	})
	e.audit(op, t.unit.Provider, what, t.node.NodeID, err)
	if err != nil {
		_ = e.setNode(t.node.NodeID, func(n *model.Node) error { // best effort: err is what counts
			n.SetError(model.SourceOperation, what+" failed: "+err.Error())
			if before == model.NodeShuttingDown {
				return moveNode(n, model.NodeRunning)
			}
			return nil
		})
		return err
	}
	return e.awaitInstance(ctx, t, st, want, to, 0)
}

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
		case st.State == want:
			if addr == "" {
				// State-only answers carry no address: ask once in full.
				e.complete(ctx, t, st)
			}
			if to == model.NodeRunning && e.env.AwaitsAgent(t.unit, t.node) {
				return e.awaitAgent(ctx, t, st)
			}
			return e.setNode(t.node.NodeID, func(n *model.Node) error {
				recordInstance(n, st)
				n.ClearError()
				return moveNode(n, to)
			})
		default:
			missing = time.Time{}
			if st.CloudInstanceID != "" && st.CloudInstanceID != t.req.Node.CloudInstanceID {
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
	var got []provider.NodeStatus
	err := e.call(ctx, t.unit.Provider, "DescribeNodes", func(c context.Context) (err error) {
		got, err = t.prov.DescribeNodes(c, provider.DescribeRequest{Env: t.req.Env, Nodes: []provider.NodeRef{t.req.Node}, Spec: t.req.Spec})
		return err
	})
	if full := find(got, t.node.NodeID); err == nil && full != nil && full.State == st.State {
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
	err := e.setNode(t.node.NodeID, func(n *model.Node) error {
		recordInstance(n, st)
		n.SetError(model.SourceNone, "instance running; waiting for the Base container's agent to join") // a note, no error
		return moveNode(n, model.NodeBooting)
	})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, e.cfg.JoinTimeout)
	defer cancel()
	if err := e.env.WaitAgent(wctx, t.node.NodeID); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		reason := fmt.Sprintf("the node's agent did not join within %v: check that the node reaches the controller's Serf port "+
			"(VCP_VCC_PRIVATE_IPMASK / --advertise-addr, port %d) and that its Base image runs vcc-node", e.cfg.JoinTimeout, t.req.Env.ControllerSerfPort)
		_ = e.setNode(t.node.NodeID, func(n *model.Node) error { // best effort: the error below is what counts
			n.SetError(model.SourceLiveness, reason)
			return moveNode(n, model.NodeHostError)
		})
		return errors.New(reason)
	}
	return e.setNode(t.node.NodeID, func(n *model.Node) error {
		n.ClearError()
		return moveNode(n, model.NodeRunning)
	})
}

func find(l []provider.NodeStatus, id string) *provider.NodeStatus {
	for i := range l {
		if l[i].NodeID == id {
			return &l[i]
		}
	}
	return nil
}

// target loads a node, its unit, provider and call environment.
func (e *Engine) target(ctx context.Context, nodeID string) (*target, error) {
	t := &target{}
	err := e.st.View(func(tx store.Tx) error {
		var err error
		if t.node, err = tx.Node(nodeID); err != nil {
			return err
		}
		t.unit, err = tx.Unit(t.node.VCID, t.node.Unit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if t.prov, err = e.env.Provider(t.unit.Provider); err != nil {
		return nil, err
	}
	env, err := e.env.CallEnv(ctx, t.unit)
	if err != nil {
		return nil, err
	}
	t.req = provider.NodeRequest{Env: env, Node: NodeRef(t.node), Spec: t.unit.Spec}
	return t, nil
}

// NodeRef is what a plugin is told about a node.
func NodeRef(n *model.Node) provider.NodeRef {
	return provider.NodeRef{
		NodeID: n.NodeID, NodeNo: n.NodeNo, VCID: n.VCID, UnitName: n.Unit,
		CloudInstanceID: n.CloudInstanceID, CloudInstanceName: n.CloudInstanceName, FixedIP: n.FixedIP,
	}
}

// recordInstance copies the cloud's facts about an instance to its node.
func recordInstance(n *model.Node, st *provider.NodeStatus) {
	if st.CloudInstanceID != "" {
		n.CloudInstanceID = st.CloudInstanceID
	}
	if st.CloudInstanceAddress != "" {
		n.CloudInstanceAddress = st.CloudInstanceAddress
	}
	if st.CloudInstanceName != "" {
		n.CloudInstanceName = st.CloudInstanceName
	}
}

// setNode updates a node in one transaction and announces its state.
func (e *Engine) setNode(nodeID string, fn func(*model.Node) error) error {
	var n *model.Node
	err := e.st.Update(func(tx store.Tx) error {
		var err error
		if n, err = tx.Node(nodeID); err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
		n.Updated = time.Now().UTC()
		return tx.PutNode(n)
	})
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.log.Error("update node", "node", nodeID, "error", err)
		}
		return err
	}
	e.bus.Publish(events.Event{Type: "node", VCID: n.VCID, Unit: n.Unit, NodeID: nodeID, State: string(n.State), Reason: n.StateReason})
	return nil
}

func moveNode(n *model.Node, to model.NodeState) error {
	if err := model.CheckNode(fmt.Sprintf("node %d of unit %s", n.NodeNo, n.Unit), n.State, to); err != nil {
		return err
	}
	n.State = to
	return nil
}

// powerer is p's power calls; the host's plugin clients have them all
// (a plugin without answers "unsupported"), an in-process provider may not.
func powerer(p provider.Provider) provider.Powerer {
	if pw, ok := p.(provider.Powerer); ok {
		return pw
	}
	return unsupported{}
}

func rebooter(p provider.Provider) provider.Rebooter {
	if rb, ok := p.(provider.Rebooter); ok {
		return rb
	}
	return unsupported{}
}

type unsupported struct{}

func (unsupported) PowerOn(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError("this provider", "power on", provider.CapPower)
}

func (unsupported) PowerOff(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError("this provider", "power off", provider.CapPower)
}

func (unsupported) Reboot(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError("this provider", "reboot", provider.CapReboot)
}
