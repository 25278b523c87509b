package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// record writes what the cloud said of a node's instance (st, when not
// nil) and the state it confirms, with note setting or clearing the
// reason. It is an observation, not a request: the rules of requested
// changes do not apply (an instance the cloud stopped makes its node
// POWER_OFF whatever the node was). Only a delete wins: a DELETING node
// keeps its state, gets the instance recorded for the delete to find,
// and record answers ErrSuperseded.
func (e *Engine) record(nodeID string, st *provider.NodeStatus, to model.NodeState, note func(*model.Node)) error {
	deleting := false
	err := e.setNode(nodeID, func(n *model.Node) error {
		if st != nil {
			recordInstance(n, st)
		}
		if n.State == model.NodeDeleting {
			deleting = true
			return nil
		}
		n.State = to
		note(n)
		return nil
	})
	if err == nil && deleting {
		return ErrSuperseded
	}
	return err
}

// cleared is the note of a node the cloud confirmed as asked.
func cleared(n *model.Node) { n.ClearError() }

// failed is the note of a node an operation's cloud call failed on.
func failed(reason string) func(*model.Node) {
	return func(n *model.Node) { n.SetError(model.SourceOperation, reason) }
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
	if d := st.Disk; d != nil {
		n.Disk = &model.Disk{SizeGB: d.SizeGB, Zone: d.Zone, Type: d.Type, AttachedTo: d.AttachedTo, Device: d.Device}
	}
	if len(st.AttachedDisks) > 0 {
		n.Attached = n.Attached[:0]
		for _, a := range st.AttachedDisks {
			n.Attached = append(n.Attached, model.Attachment{CloudDiskID: a.CloudDiskID, Device: a.Device, Serial: a.Serial})
		}
	}
}

// setNode updates a node in one transaction and announces its state.
func (e *Engine) setNode(nodeID string, fn func(*model.Node) error) error {
	var n *model.Node
	var refused error // fn's answer: the caller's to judge, not a store failure
	err := e.st.Update(func(tx store.Tx) error {
		var err error
		if n, err = tx.Node(nodeID); err != nil {
			return err
		}
		if refused = fn(n); refused != nil {
			return refused
		}
		n.Updated = time.Now().UTC()
		return tx.PutNode(n)
	})
	if err != nil {
		if refused == nil && !errors.Is(err, store.ErrNotFound) {
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
