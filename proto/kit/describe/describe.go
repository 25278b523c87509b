// Package describe assembles DescribeNodes answers the same way for every
// plugin: one entry per asked node (not_found when the cloud has none),
// and with AllOfController every other instance of the controller, each
// once.
package describe

import (
	"fmt"

	"github.com/vccproject/vcc/proto/provider"
)

// Answer collects what a plugin found for one DescribeNodes call.
type Answer struct {
	req   provider.DescribeRequest
	asked map[string]provider.NodeRef
	found map[string]provider.NodeStatus // by node id
	order []string                       // node ids of unasked instances, first seen first
}

// New starts the answer to req.
func New(req provider.DescribeRequest) *Answer {
	a := &Answer{req: req, asked: map[string]provider.NodeRef{}, found: map[string]provider.NodeStatus{}}
	for _, n := range req.Nodes {
		a.asked[n.NodeID] = n
	}
	return a
}

// Add records an instance the cloud reported. An instance without a node
// id is not the controller's and is dropped. When two instances carry
// one node id (a create retried outside vcc, a listing repeated across
// pages), the one the host knows by id wins, else a live one.
func (a *Answer) Add(st provider.NodeStatus) {
	if st.NodeID == "" {
		return
	}
	_, asked := a.asked[st.NodeID]
	if !asked && !a.req.AllOfController {
		return
	}
	prev, seen := a.found[st.NodeID]
	if seen && !better(st, prev, a.asked[st.NodeID]) {
		return
	}
	if !seen && !asked {
		a.order = append(a.order, st.NodeID)
	}
	a.found[st.NodeID] = st
}

// better reports whether st should replace prev as the node's instance.
func better(st, prev provider.NodeStatus, ref provider.NodeRef) bool {
	if ref.CloudInstanceID != "" && (st.CloudInstanceID == ref.CloudInstanceID) != (prev.CloudInstanceID == ref.CloudInstanceID) {
		return st.CloudInstanceID == ref.CloudInstanceID
	}
	return gone(prev.State) && !gone(st.State)
}

func gone(s provider.InstanceState) bool {
	return s == provider.InstanceNotFound || s == provider.InstanceTerminating
}

// Nodes is the answer: the asked nodes in the order asked, then the
// controller's other instances.
func (a *Answer) Nodes() []provider.NodeStatus {
	out := make([]provider.NodeStatus, 0, len(a.req.Nodes)+len(a.order))
	for _, n := range a.req.Nodes {
		if st, ok := a.found[n.NodeID]; ok {
			out = append(out, st)
		} else {
			out = append(out, NotFound(n))
		}
	}
	for _, id := range a.order {
		out = append(out, a.found[id])
	}
	return out
}

// NotFound is the entry of a node the cloud does not have.
func NotFound(n provider.NodeRef) provider.NodeStatus {
	return provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: n.CloudInstanceID, State: provider.InstanceNotFound}
}

// Missing is the error of a call on one node (power, reboot, attach)
// whose instance the cloud does not have.
func Missing(n provider.NodeRef, cloud string) error {
	what := "an instance"
	if n.CloudInstanceID != "" {
		what = "instance " + n.CloudInstanceID
	}
	return provider.NotFound("node %d has no %s in %s any more (deleted outside vcc?)", n.NodeNo, what, cloud).
		Because("delete the node (DELETE with ?forget=true if the delete fails), then add a new one").Err()
}

// Failed is the entry of a node the plugin could not look at (its server
// does not answer): an instance error with the reason, so the host can
// tell a lost host from a gone one.
func Failed(n provider.NodeRef, err error) provider.NodeStatus {
	return provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: n.CloudInstanceID, CloudInstanceAddress: n.FixedIP,
		State: provider.InstanceError, StateReason: fmt.Sprint(err)}
}
