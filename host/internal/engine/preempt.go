package engine

import (
	"context"
	"errors"
)

// ErrSuperseded ends the step of a node that a delete has taken over:
// users expect a delete to win over a create or power change still
// waiting (for an instance to boot, an agent to join).
var ErrSuperseded = errors.New("superseded by a delete: the node is being deleted")

// nodeWait is the step running on a node, as Preempt finds it.
type nodeWait struct {
	vcid, unit string
	cancel     context.CancelCauseFunc
}

// begin returns the context of the waits of a step on a node: it
// ends with the operation, or when a delete supersedes the node. It is
// registered before the step reads the node, so a delete recorded after
// that read cannot miss it. done unregisters it.
func (e *Engine) begin(ctx context.Context, vcid, unit, nodeID string) (context.Context, func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	w := &nodeWait{vcid: vcid, unit: unit, cancel: cancel}
	e.waitsMu.Lock()
	e.waits[nodeID] = w
	e.waitsMu.Unlock()
	return wctx, func() {
		e.waitsMu.Lock()
		if e.waits[nodeID] == w {
			delete(e.waits, nodeID)
		}
		e.waitsMu.Unlock()
		cancel(nil)
	}
}

// Preempt ends the waits of the steps running on nodes a delete has
// just marked DELETING: every node of the VC (unit ""), of the unit
// (nodeIDs nil), or the listed ones. A cloud call under way is let
// finish (see callUntil); the superseded operation then ends at once,
// and the delete, queued behind it, runs. Operations queued behind it
// find their nodes DELETING and end without a cloud call.
func (e *Engine) Preempt(vcid, unit string, nodeIDs []string) {
	var only map[string]bool
	if nodeIDs != nil {
		only = make(map[string]bool, len(nodeIDs))
		for _, id := range nodeIDs {
			only[id] = true
		}
	}
	e.waitsMu.Lock()
	defer e.waitsMu.Unlock()
	for id, w := range e.waits {
		if w.vcid == vcid && (unit == "" || w.unit == unit) && (only == nil || only[id]) {
			w.cancel(ErrSuperseded)
		}
	}
}

// superseded reports whether wctx ended because a delete took its node
// over.
func superseded(wctx context.Context) bool {
	return errors.Is(context.Cause(wctx), ErrSuperseded)
}
