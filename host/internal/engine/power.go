package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// powerAction is what a power operation does to a node: the state it
// passes through, the call, and what the cloud must then confirm.
type powerAction struct {
	call  string
	enter model.NodeState
	want  provider.InstanceState
	to    model.NodeState
	// done: the node is already where the action leads.
	done model.NodeState
}

var powerActions = map[model.OpKind]powerAction{
	model.OpPowerOff: {call: "PowerOff", enter: model.NodeShuttingDown, want: provider.InstanceStopped, to: model.NodePowerOff, done: model.NodePowerOff},
	model.OpPowerOn:  {call: "PowerOn", enter: model.NodeBooting, want: provider.InstanceRunning, to: model.NodeRunning, done: model.NodeRunning},
	model.OpReboot:   {call: "Reboot", enter: model.NodeBooting, want: provider.InstanceRunning, to: model.NodeRunning},
}

func (a powerAction) fn(p provider.Provider) func(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	switch a.call {
	case "PowerOff":
		return powerer(p).PowerOff
	case "PowerOn":
		return powerer(p).PowerOn
	}
	return rebooter(p).Reboot
}

// errNothingToDo: the node is already where the action leads.
var errNothingToDo = errors.New("nothing to do")

// powerStep checks the action against the node as the operations before
// it left it, moves the node into the action's passing state, calls the
// cloud and records what the cloud then confirms.
func (e *Engine) powerStep(ctx, wctx context.Context, op *model.Operation, t *target) error {
	a := powerActions[op.Kind]
	before := t.node.State
	if err := e.enter(t, a); err != nil {
		if errors.Is(err, errNothingToDo) {
			return nil
		}
		return err
	}
	var st *provider.NodeStatus
	called := false
	err := e.callUntil(wctx, ctx, t.unit.Provider, a.call, func(c context.Context) (err error) {
		called = true
		st, err = a.fn(t.prov)(c, t.req)
		return err
	})
	if called {
		e.audit(op, t.unit.Provider, a.call, t.node.NodeID, err)
	}
	if err == nil {
		err = e.awaitInstance(wctx, t, st, a.want, a.to, 0)
	}
	switch {
	case err == nil || errors.Is(err, ErrSuperseded):
		return err
	case superseded(wctx):
		return ErrSuperseded
	case e.ctx.Err() != nil:
		return err // stopping: the step runs again at the next start
	}
	// The records below are best effort (setNode logs a failed write):
	// the call's error is what the operation reports.
	if !called {
		// Not even asked: the cloud left the instance as it was.
		_ = e.record(t.node.NodeID, nil, before, failed(a.call+" not made: "+err.Error()))
		return err
	}
	e.settle(t, a.call+" failed: "+err.Error())
	return err
}

// enter moves the node into the action's passing state, in one
// transaction with the check that it may take the action now.
func (e *Engine) enter(t *target, a powerAction) error {
	return e.setNode(t.node.NodeID, func(n *model.Node) error {
		switch {
		case n.State == model.NodeDeleting:
			return ErrSuperseded
		case n.CloudInstanceID == "":
			return noInstance(n, a.call)
		case a.done != "" && n.State == a.done:
			return errNothingToDo
		}
		if err := model.CheckNode(fmt.Sprintf("node %d of unit %s", n.NodeNo, n.Unit), n.State, a.enter); err != nil {
			return err
		}
		n.State = a.enter
		n.ClearError()
		*t.node = *n
		return nil
	})
}

// noInstance refuses a power call on a node that has no instance.
func noInstance(n *model.Node, call string) error {
	why := ""
	if n.StateReason != "" {
		why = " (" + n.StateReason + ")"
	}
	return fmt.Errorf("node %d of unit %s has no instance%s: there is nothing to %s; delete the node, and add a new one if needed", n.NodeNo, n.Unit, why, call)
}

// settle records what the cloud says of a node after a power call on it
// failed: the call may have been carried out (its answer lost), in part,
// or not at all, and only the cloud knows which. A node whose instance
// cannot be read is HOST_ERROR, saying so. Best effort, as the caller's
// records: the failure itself is what the operation reports.
func (e *Engine) settle(t *target, reason string) {
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.CallTimeout)
	defer cancel()
	st, err := e.describeOne(ctx, t)
	id := t.node.NodeID
	switch {
	case err != nil:
		_ = e.record(id, nil, model.NodeHostError, failed(reason+"; the instance's state could not be read: "+err.Error()))
	case st.State == provider.InstanceRunning:
		_ = e.record(id, st, model.NodeRunning, failed(reason))
	case st.State == provider.InstanceStopped:
		_ = e.record(id, st, model.NodePowerOff, failed(reason))
	case st.State == provider.InstanceNotFound:
		_ = e.record(id, nil, model.NodeHostError, failed(reason+"; the cloud has no instance of the node"))
	default:
		_ = e.record(id, st, model.NodeHostError, failed(fmt.Sprintf("%s; the instance is %s %s", reason, st.State, st.StateReason)))
	}
}

// describeOne asks the cloud for one node's instance, in full.
func (e *Engine) describeOne(ctx context.Context, t *target) (*provider.NodeStatus, error) {
	var got []provider.NodeStatus
	err := e.call(ctx, t.unit.Provider, "DescribeNodes", func(c context.Context) (err error) {
		got, err = t.prov.DescribeNodes(c, provider.DescribeRequest{Env: t.req.Env, Nodes: []provider.NodeRef{t.req.Node}, Spec: t.req.Spec})
		return err
	})
	if err != nil {
		return nil, err
	}
	if st := find(got, t.node.NodeID); st != nil {
		return st, nil
	}
	return &provider.NodeStatus{NodeID: t.node.NodeID, State: provider.InstanceNotFound}, nil
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
