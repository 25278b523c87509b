package engine

import (
	"errors"
	"slices"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// ErrUnavailable marks a failure to prepare a cloud call that should pass
// (the secret backend not answering): a delete does not forget a node
// for it.
var ErrUnavailable = errors.New("temporarily unavailable")

func deletes(k model.OpKind) bool {
	return k == model.OpDeleteNodes || k == model.OpDeleteUnit || k == model.OpDeleteVC
}

// forget drops a node whose instance could not be deleted, for a delete
// the user asked to forget such nodes: the node goes from the store and
// joins the operation's Forgotten list, in one transaction, with what the
// user needs to find the instance in the cloud (provider, id, address)
// and why it could not be deleted.
func (e *Engine) forget(op *model.Operation, nodeID, prov string, cause error) error {
	// A delete's node steps run in parallel; op.Forgotten is theirs to
	// share.
	e.forgetMu.Lock()
	defer e.forgetMu.Unlock()
	var f model.ForgottenNode
	err := e.st.Update(func(tx store.Tx) error {
		n, err := tx.Node(nodeID)
		if err != nil {
			return err
		}
		if prov == "" {
			if u, err := tx.Unit(n.VCID, n.Unit); err == nil {
				prov = u.Provider
			}
		}
		f = model.ForgottenNode{NodeID: nodeID, NodeNo: n.NodeNo, Unit: n.Unit, Provider: prov,
			CloudInstanceID: n.CloudInstanceID, CloudInstanceAddress: n.CloudInstanceAddress, Reason: "delete failed: " + cause.Error()}
		if err := tx.DeleteNode(nodeID); err != nil {
			return err
		}
		cp := *op
		cp.Forgotten = append(slices.Clone(op.Forgotten), f)
		return tx.PutOp(&cp)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // gone already
	}
	if err != nil {
		return err
	}
	op.Forgotten = append(op.Forgotten, f)
	e.log.Warn("node forgotten: its instance may still exist; delete it in the cloud by hand",
		"node", nodeID, "provider", prov, "instance", f.CloudInstanceID, "address", f.CloudInstanceAddress, "cause", cause)
	e.audit(op, prov, "ForgetNode", nodeID, nil)
	e.bus.Publish(events.Event{Type: "node", VCID: op.VCID, Unit: f.Unit, NodeID: nodeID, State: "DELETED", Reason: "forgotten: " + f.Reason})
	return nil
}
