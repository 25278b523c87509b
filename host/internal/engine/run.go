package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// errTimeout is the cause of an operation that ran out of time.
var errTimeout = errors.New("operation timed out")

// run executes one operation to its end (or until the engine closes,
// leaving it open for the next start).
func (e *Engine) run(op *model.Operation) {
	k := queueKey(op.VCID, op.Unit)
	ctx, cancel := context.WithCancelCause(e.ctx)
	ctx, cancelT := context.WithTimeoutCause(ctx, e.cfg.OpTimeout, fmt.Errorf("%w after %v; the unit is free again", errTimeout, e.cfg.OpTimeout))
	defer cancelT()
	e.mu.Lock()
	e.active[k] = running{opID: op.ID, cancel: cancel}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.active, k)
		e.mu.Unlock()
		cancel(nil)
	}()

	if op.Kind == model.OpDeleteVC {
		// Let the VC's unit queues drain first; no new ones are accepted
		// once the VC is deleting.
		for e.busyVC(op.VCID, k) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	e.setOp(op, model.OpRunning, "")
	e.unitStarted(op)

	err := e.steps(ctx, op)
	if e.ctx.Err() != nil {
		return // shutting down: the operation stays open and resumes later
	}
	if err == nil {
		err = e.finish(op)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	}
	msg := ""
	state := model.OpSucceeded
	if err != nil {
		state, msg = model.OpFailed, err.Error()
		if deletes(op.Kind) && !op.Forget && ctx.Err() == nil {
			msg += "; if these instances cannot be deleted, delete again with ?forget=true to drop their nodes (the operation then lists them for you to remove in the cloud)"
		}
		e.log.Error("operation failed", "op", op.ID, "kind", op.Kind, "vcid", op.VCID, "unit", op.Unit, "error", msg)
	}
	e.unitFinished(op, msg)
	e.setOp(op, state, msg)
	e.mu.Lock()
	if ch, ok := e.done[op.ID]; ok {
		close(ch)
		delete(e.done, op.ID)
	}
	e.mu.Unlock()
}

// steps runs the node steps of op in parallel and sums up failures.
func (e *Engine) steps(ctx context.Context, op *model.Operation) error {
	ids := op.NodeIDs
	if op.Kind == model.OpDeleteVC || op.Kind == model.OpDeleteUnit {
		ids = e.nodesToDelete(op) // nodes may have been added since the request
	}
	var (
		mu   sync.Mutex
		fail = map[string]error{}
		wg   sync.WaitGroup
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.step(ctx, op, id); err != nil {
				mu.Lock()
				fail[id] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(fail) == 0 {
		return nil
	}
	return summarize(len(ids), fail)
}

func summarize(total int, fail map[string]error) error {
	ids := make([]string, 0, len(fail))
	for id := range fail {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var parts []string
	for i, id := range ids {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("node %s: %v", id, fail[id]))
	}
	return fmt.Errorf("%d of %d nodes failed: %s", len(fail), total, strings.Join(parts, "; "))
}

func (e *Engine) nodesToDelete(op *model.Operation) []string {
	var ids []string
	_ = e.st.View(func(tx store.Tx) error {
		units := []string{op.Unit}
		if op.Kind == model.OpDeleteVC {
			us, _ := tx.Units(op.VCID)
			units = units[:0]
			for _, u := range us {
				units = append(units, u.Name)
			}
		}
		for _, u := range units {
			nodes, _ := tx.Nodes(op.VCID, u)
			for _, n := range nodes {
				ids = append(ids, n.NodeID)
			}
		}
		return nil
	})
	return ids
}

// finish removes what a delete operation leaves behind once its nodes are
// gone.
func (e *Engine) finish(op *model.Operation) error {
	if op.Kind != model.OpDeleteUnit && op.Kind != model.OpDeleteVC {
		return nil
	}
	var gone []events.Event
	err := e.st.Update(func(tx store.Tx) error {
		gone = gone[:0]
		units := []string{op.Unit}
		if op.Kind == model.OpDeleteVC {
			us, err := tx.Units(op.VCID)
			if err != nil {
				return err
			}
			units = units[:0]
			for _, u := range us {
				units = append(units, u.Name)
			}
		}
		for _, u := range units {
			if nodes, _ := tx.Nodes(op.VCID, u); len(nodes) > 0 {
				return fmt.Errorf("unit %s still has %d nodes", u, len(nodes))
			}
			if err := tx.DeleteUnit(op.VCID, u); err != nil {
				return err
			}
			gone = append(gone, events.Event{Type: "unit", VCID: op.VCID, Unit: u, State: "DELETED"})
		}
		if op.Kind == model.OpDeleteVC {
			gone = append(gone, events.Event{Type: "vc", VCID: op.VCID, State: "DELETED"})
			return tx.DeleteVC(op.VCID)
		}
		return nil
	})
	if err == nil {
		for _, ev := range gone {
			e.bus.Publish(ev)
		}
	}
	return err
}

func (e *Engine) setOp(op *model.Operation, state model.OpState, msg string) {
	op.State, op.Error, op.Updated = state, msg, time.Now().UTC()
	if err := e.st.Update(func(tx store.Tx) error { return tx.PutOp(op) }); err != nil {
		e.log.Error("record operation state", "op", op.ID, "error", err)
		return
	}
	e.bus.Publish(events.Event{Type: "operation", VCID: op.VCID, Unit: op.Unit, OpID: op.ID, State: string(state), Reason: msg})
}

// unitStarted and unitFinished keep unit and VC states in step with the
// operations running on them.
func (e *Engine) unitStarted(op *model.Operation) {
	if op.Kind == model.OpCreateNodes {
		e.setUnit(op.VCID, op.Unit, func(u *model.Unit) {
			if !u.Deleting {
				u.State = model.UnitBooting
			}
		})
	}
	e.refreshVC(op.VCID, "")
}

func (e *Engine) unitFinished(op *model.Operation, failure string) {
	switch op.Kind {
	case model.OpCreateNodes, model.OpDeleteNodes, model.OpDeleteUnit:
		e.setUnit(op.VCID, op.Unit, func(u *model.Unit) {
			u.LastError = failure
			switch {
			case u.Deleting: // a delete took the unit over: it stays DELETING
				u.State = model.UnitDeleting
			case failure != "":
				u.State = model.UnitError
			default:
				u.State = model.UnitRunning
			}
		})
	}
	e.refreshVC(op.VCID, queueKey(op.VCID, op.Unit))
}

func (e *Engine) setUnit(vcid, name string, fn func(*model.Unit)) {
	var state model.UnitState
	err := e.st.Update(func(tx store.Tx) error {
		u, err := tx.Unit(vcid, name)
		if err != nil {
			return err
		}
		fn(u)
		state = u.State
		return tx.PutUnit(u)
	})
	if err == nil {
		e.bus.Publish(events.Event{Type: "unit", VCID: vcid, Unit: name, State: string(state)})
	} else if !errors.Is(err, store.ErrNotFound) {
		e.log.Error("update unit", "vcid", vcid, "unit", name, "error", err)
	}
}

// refreshVC derives the VC's state: DELETING while deleting, APPLYING while
// any of its queues (other than the finishing one) is busy, ERROR when a
// unit is, else RUNNING.
func (e *Engine) refreshVC(vcid, finishing string) {
	busy := e.busyVC(vcid, finishing)
	var state model.VCState
	err := e.st.Update(func(tx store.Tx) error {
		vc, err := tx.VC(vcid)
		if err != nil {
			return err
		}
		units, err := tx.Units(vcid)
		if err != nil {
			return err
		}
		vc.State = model.VCRunning
		for _, u := range units {
			if u.State == model.UnitError {
				vc.State = model.VCError
			}
		}
		if busy {
			vc.State = model.VCApplying
		}
		if vc.Deleting {
			vc.State = model.VCDeleting
		}
		state = vc.State
		return tx.PutVC(vc)
	})
	if err == nil {
		e.bus.Publish(events.Event{Type: "vc", VCID: vcid, State: string(state)})
	}
}
