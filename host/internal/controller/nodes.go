package controller

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// Selector picks nodes of a unit. Empty selects all.
type Selector struct {
	NodeIDs     []string
	NodeNos     []int
	IPAddresses []string
	Num         int
}

func (s Selector) empty() bool {
	return len(s.NodeIDs) == 0 && len(s.NodeNos) == 0 && len(s.IPAddresses) == 0 && s.Num == 0
}

// pick applies the selector; every named node must exist.
func (s Selector) pick(nodes []*model.Node) ([]*model.Node, error) {
	if s.empty() {
		return nodes, nil
	}
	if s.Num < 0 || s.Num > len(nodes) {
		return nil, invalid("bad selector", FieldError{Field: "num", Message: fmt.Sprintf("must be between 1 and the unit's %d nodes", len(nodes))})
	}
	chosen := map[string]*model.Node{}
	var missing []string
	byID, byNo, byIP := map[string]*model.Node{}, map[int]*model.Node{}, map[string]*model.Node{}
	for _, n := range nodes {
		byID[n.NodeID], byNo[n.NodeNo] = n, n
		byIP[n.CloudInstanceAddress] = n
	}
	for _, id := range s.NodeIDs {
		if n, ok := byID[id]; ok {
			chosen[n.NodeID] = n
		} else {
			missing = append(missing, "node_id "+id)
		}
	}
	for _, no := range s.NodeNos {
		if n, ok := byNo[no]; ok {
			chosen[n.NodeID] = n
		} else {
			missing = append(missing, fmt.Sprintf("node_no %d", no))
		}
	}
	for _, ip := range s.IPAddresses {
		if n, ok := byIP[ip]; ok && ip != "" {
			chosen[n.NodeID] = n
		} else {
			missing = append(missing, "ip_address "+ip)
		}
	}
	if len(missing) > 0 {
		return nil, notFound("the unit has no %s", strings.Join(missing, ", "))
	}
	for i := len(nodes) - 1; i >= 0 && s.Num > 0; i-- { // newest first
		if _, ok := chosen[nodes[i].NodeID]; !ok {
			chosen[nodes[i].NodeID] = nodes[i]
			s.Num--
		}
	}
	out := make([]*model.Node, 0, len(chosen))
	for _, n := range chosen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeNo < out[j].NodeNo })
	return out, nil
}

// pickNodes loads a visible unit and its nodes, and applies sel.
func pickNodes(tx store.Tx, who *auth.Identity, vcid, unit string, sel Selector) (*model.Unit, []*model.Node, error) {
	u, err := loadUnit(tx, who, vcid, unit)
	if err != nil {
		return nil, nil, err
	}
	nodes, err := tx.Nodes(vcid, unit)
	if err != nil {
		return nil, nil, err
	}
	picked, err := sel.pick(nodes)
	return u, picked, err
}

// markDeleting moves the selected nodes of a unit (nil: all) to DELETING.
func markDeleting(tx store.Tx, vcid, unit string, only map[string]bool) error {
	nodes, err := tx.Nodes(vcid, unit)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if only != nil && !only[n.NodeID] {
			continue
		}
		n.State = model.NodeDeleting // every state may become DELETING
		if err := tx.PutNode(n); err != nil {
			return err
		}
	}
	return nil
}

// DeleteNodes deletes the selected nodes; a selector is required.
func (c *Controller) DeleteNodes(_ context.Context, who *auth.Identity, vcid, unit string, sel Selector, opts DeleteOptions) ([]*model.Node, *model.Operation, error) {
	if sel.empty() {
		return nil, nil, badRequest("say which nodes to delete: node_ids, node_nos, ip_addresses or num (to delete the whole unit, DELETE the unit)")
	}
	var picked []*model.Node
	var op *model.Operation
	err := c.st.Update(func(tx store.Tx) error {
		var err error
		if _, picked, err = pickNodes(tx, who, vcid, unit, sel); err != nil {
			return err
		}
		vc, err := loadVC(tx, who, vcid)
		if err != nil {
			return err
		}
		if err := refuseHeld(tx, vc, picked, opts.Force); err != nil {
			return err
		}
		only := map[string]bool{}
		for _, n := range picked {
			only[n.NodeID] = true
			n.State = model.NodeDeleting // the answer shows what was stored
		}
		if err := markDeleting(tx, vcid, unit, only); err != nil {
			return err
		}
		op, err = c.newOp(tx, who, model.OpDeleteNodes, vcid, unit, ids(picked), opts.Forget)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	c.eng.Preempt(vcid, unit, ids(picked)) // a delete wins over waits for these nodes
	c.eng.Submit(op)
	return picked, op, nil
}

// actions maps an action to its operation, the node state it passes
// through when it runs, and the capability it needs.
var actions = map[string]struct {
	kind  model.OpKind
	enter model.NodeState
	needs provider.Capability
}{
	"power_off": {model.OpPowerOff, model.NodeShuttingDown, provider.CapPower},
	"power_on":  {model.OpPowerOn, model.NodeBooting, provider.CapPower},
	"reboot":    {model.OpReboot, model.NodeBooting, provider.CapReboot},
}

// unsupportedActions are upstream actions no provider of protocol v1 can
// carry out.
var unsupportedActions = map[string]bool{"start": true, "stop": true, "suspend": true, "resume": true}

// ClearProcessing cancels the unit's running operation (it finishes as
// failed) and returns its id.
func (c *Controller) ClearProcessing(vcid, unit string) (string, error) {
	id, ok := c.eng.Cancel(vcid, unit, errors.New("cleared by clear_processing"))
	if !ok {
		return "", conflict("unit %s has no operation in progress", unit)
	}
	return id, nil
}

// Action runs a node action on the selected nodes of a unit. All the
// nodes must be able to take it, or nothing changes. The nodes keep
// their state until the operation runs: queued behind others (a create,
// say), it is checked again then, against the state they left.
func (c *Controller) Action(ctx context.Context, who *auth.Identity, vcid, unit, action string, sel Selector) ([]*model.Node, *model.Operation, error) {
	if _, known := actions[action]; known || action == "watch" || action == "unwatch" || unsupportedActions[action] {
		if err := c.refuseOnStorage(who, vcid, unit, action); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case action == "watch" || action == "unwatch":
		nodes, err := c.setWatch(who, vcid, unit, sel, action == "watch")
		return nodes, nil, err
	case action == "clear_processing":
		_, err := c.ClearProcessing(vcid, unit)
		return nil, nil, err
	case unsupportedActions[action]:
		return nil, nil, badRequest("%s is not supported: no provider of protocol v1 can %s a node (use power_off / power_on)", action, action)
	}
	a, ok := actions[action]
	if !ok {
		return nil, nil, notFound("unknown action %q (actions: power_on, power_off, reboot, start, stop, suspend, resume, watch, unwatch, clear_processing)", action)
	}
	var picked []*model.Node
	var op *model.Operation
	err := c.st.Update(func(tx store.Tx) error {
		u, chosen, err := pickNodes(tx, who, vcid, unit, sel)
		if err != nil {
			return err
		}
		picked = chosen
		info, err := c.plugins.Info(u.Provider)
		if err != nil {
			return err
		}
		if !info.Has(a.needs) {
			return errUnsupported(info, strings.ReplaceAll(action, "_", " "), a.needs)
		}
		if err := admit(action, a.enter, picked, c.eng.Busy(vcid, unit)); err != nil {
			return err
		}
		op, err = c.newOp(tx, who, a.kind, vcid, unit, ids(picked), false)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	c.eng.Submit(op)
	return picked, op, nil
}

// admit checks that every node may take the action: its state may lead
// to the action's, and it has an instance, or one is being made (busy: an
// operation of the unit, its create, is queued or running).
func admit(action string, enter model.NodeState, nodes []*model.Node, busy bool) error {
	var refused []string
	for _, n := range nodes {
		if err := model.CheckNode(fmt.Sprintf("node %d", n.NodeNo), n.State, enter); err != nil {
			refused = append(refused, err.Error())
			continue
		}
		if n.CloudInstanceID == "" && (n.State != model.NodeBooting || !busy) {
			refused = append(refused, noInstance(n))
		}
	}
	if len(refused) > 0 {
		return conflict("%s refused, nothing changed: %s", action, strings.Join(refused, "; "))
	}
	return nil
}

// noInstance says why a node without an instance takes no power action.
func noInstance(n *model.Node) string {
	why := ""
	if n.StateReason != "" {
		why = " (" + n.StateReason + ")"
	}
	return fmt.Sprintf("node %d has no instance%s, so it cannot be powered on, off or rebooted: delete it, and add a new node if needed", n.NodeNo, why)
}

func (c *Controller) setWatch(who *auth.Identity, vcid, unit string, sel Selector, watch bool) ([]*model.Node, error) {
	var picked []*model.Node
	err := c.st.Update(func(tx store.Tx) error {
		var err error
		if _, picked, err = pickNodes(tx, who, vcid, unit, sel); err != nil {
			return err
		}
		for _, n := range picked {
			n.Unwatched = !watch
			if err := tx.PutNode(n); err != nil {
				return err
			}
		}
		return nil
	})
	return picked, err
}

// refuseOnStorage refuses the actions of compute nodes (power, watch) on a
// storage unit, whose nodes are disks.
func (c *Controller) refuseOnStorage(who *auth.Identity, vcid, unit, action string) error {
	return c.st.View(func(tx store.Tx) error {
		vc, err := loadVC(tx, who, vcid)
		if err != nil {
			return err
		}
		if _, err := loadUnit(tx, who, vcid, unit); err != nil {
			return err
		}
		if vc.Type == storageType {
			return invalid(action+" on a storage unit", FieldError{Field: "action",
				Message: fmt.Sprintf("unit %s of VC %s is a storage unit: its nodes are disks, which have no power or monitoring (%s applies to compute units)", unit, vc.Name, action)})
		}
		return nil
	})
}
