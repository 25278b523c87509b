package engine

import (
	"context"
	"errors"
	"fmt"

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
	if deletes(op.Kind) {
		return e.deleteStep(ctx, op, nodeID)
	}
	wctx, done := e.begin(ctx, op.VCID, op.Unit, nodeID)
	defer done()
	t, err := e.target(ctx, nodeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil && op.Kind == model.OpCreateNodes {
		return e.createFailed(ctx, wctx, nodeID, err)
	}
	if err != nil {
		return err // nothing was asked of the cloud: the node stays as it is
	}
	if t.node.State == model.NodeDeleting {
		return ErrSuperseded // checked when the step runs, not when it was asked
	}
	switch op.Kind {
	case model.OpCreateNodes:
		return e.createStep(ctx, wctx, op, t)
	case model.OpPowerOff, model.OpPowerOn, model.OpReboot:
		return e.powerStep(ctx, wctx, op, t)
	}
	return fmt.Errorf("unknown operation kind %q", op.Kind)
}

// createStep makes the node's instance and waits, on wctx, until it
// runs (and its agent has joined).
func (e *Engine) createStep(ctx, wctx context.Context, op *model.Operation, t *target) error {
	nodeID, name := t.node.NodeID, t.unit.Provider
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
	called := false
	err := e.callUntil(wctx, ctx, name, "CreateNode", func(c context.Context) (err error) {
		called = true
		st, err = t.prov.CreateNode(c, t.req)
		t.req.FirstAttempt = false // a retry is not a first attempt
		return err
	})
	if called {
		e.audit(op, name, "CreateNode", nodeID, err)
	}
	if err == nil {
		err = e.awaitInstance(wctx, t, st, provider.InstanceRunning, model.NodeRunning, createGrace)
	}
	return e.createFailed(ctx, wctx, nodeID, err)
}

// createFailed ends a create step that failed: a node the cloud did not
// confirm running is HOST_ERROR with the reason, unless a delete took it
// over or the engine is stopping (the step then resumes at the next
// start).
func (e *Engine) createFailed(ctx, wctx context.Context, nodeID string, err error) error {
	switch {
	case err == nil || errors.Is(err, ErrSuperseded):
		return err
	case superseded(wctx):
		return ErrSuperseded
	case e.ctx.Err() != nil:
		return err
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	}
	_ = e.setNode(nodeID, func(n *model.Node) error { // best effort (setNode logs a failed write): err is what counts
		if n.State != model.NodeBooting {
			return nil // the agent's wait already said why (HOST_ERROR, liveness)
		}
		n.SetError(model.SourceOperation, "create failed: "+err.Error())
		n.State = model.NodeHostError
		return nil
	})
	return err
}

// deleteStep deletes the node's instance, then the node.
func (e *Engine) deleteStep(ctx context.Context, op *model.Operation, nodeID string) error {
	t, err := e.target(ctx, nodeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		if op.Forget && !errors.Is(err, ErrUnavailable) { // e.g. its plugin was removed
			return e.forget(op, nodeID, "", err)
		}
		return err
	}
	name := t.unit.Provider
	// The request marked it DELETING already (no second write then); a
	// resumed operation re-asserts it, and the delete goes on either way.
	if t.node.State != model.NodeDeleting {
		_ = e.setNode(nodeID, func(n *model.Node) error { return moveNode(n, model.NodeDeleting) })
	}
	err = e.call(ctx, name, "DeleteNode", func(c context.Context) error { return t.prov.DeleteNode(c, t.req) })
	e.audit(op, name, "DeleteNode", nodeID, err)
	if err == nil && e.env.AsyncDelete(t.unit) {
		err = e.awaitGone(ctx, t)
	}
	if err != nil && op.Forget && ctx.Err() == nil {
		return e.forget(op, nodeID, name, err)
	}
	if err != nil {
		_ = e.setNode(nodeID, func(n *model.Node) error { // best effort (setNode logs a failed write): err is what counts
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
	env.ControllerAddress = e.env.ControllerAddressFor(t.unit, t.node)
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
