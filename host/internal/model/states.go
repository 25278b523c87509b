package model

import (
	"fmt"
	"slices"
	"strings"
)

// VCState is a UnitGroup's state.
type VCState string

const (
	VCApplying VCState = "APPLYING"
	VCRunning  VCState = "RUNNING"
	VCDeleting VCState = "DELETING"
	VCError    VCState = "ERROR"
)

// UnitState is a unit's state.
type UnitState string

const (
	UnitBooting  UnitState = "BOOTING"
	UnitRunning  UnitState = "RUNNING"
	UnitError    UnitState = "ERROR"
	UnitDeleting UnitState = "DELETING"
)

// NodeState is a node's state, as upstream's node state diagram.
type NodeState string

const (
	NodeBooting        NodeState = "BOOTING"
	NodeRunning        NodeState = "RUNNING"
	NodeSuspending     NodeState = "SUSPENDING"
	NodeSuspended      NodeState = "SUSPENDED"
	NodeResuming       NodeState = "RESUMING"
	NodeShuttingDown   NodeState = "SHUTTING_DOWN"
	NodePowerOff       NodeState = "POWER_OFF"
	NodeStopping       NodeState = "STOPPING"
	NodeStopped        NodeState = "STOPPED"
	NodeContainerError NodeState = "CONTAINER_ERROR"
	NodeHostError      NodeState = "HOST_ERROR"
	NodeDeleting       NodeState = "DELETING"
)

// errorish states may be left for any recovery or for deletion.
var nodeTransitions = map[NodeState][]NodeState{
	NodeBooting:        {NodeRunning, NodeShuttingDown, NodeContainerError, NodeHostError, NodeDeleting},
	NodeRunning:        {NodeBooting, NodeSuspending, NodeShuttingDown, NodeContainerError, NodeHostError, NodeDeleting},
	NodeSuspending:     {NodeSuspended, NodeRunning, NodeContainerError, NodeHostError, NodeDeleting},
	NodeSuspended:      {NodeResuming, NodeStopping, NodeShuttingDown, NodeHostError, NodeDeleting},
	NodeResuming:       {NodeRunning, NodeContainerError, NodeHostError, NodeDeleting},
	NodeStopping:       {NodeStopped, NodeHostError, NodeDeleting},
	NodeStopped:        {NodeBooting, NodeDeleting},
	NodeShuttingDown:   {NodePowerOff, NodeRunning, NodeHostError, NodeDeleting},
	NodePowerOff:       {NodeBooting, NodeHostError, NodeDeleting},
	NodeContainerError: {NodeRunning, NodeSuspended, NodeStopped, NodeBooting, NodeShuttingDown, NodeHostError, NodeDeleting},
	NodeHostError:      {NodeRunning, NodeStopped, NodeBooting, NodePowerOff, NodeShuttingDown, NodeContainerError, NodeDeleting},
	NodeDeleting:       {},
}

// AllNodeStates lists the node states in diagram order.
func AllNodeStates() []NodeState {
	return []NodeState{NodeBooting, NodeRunning, NodeSuspending, NodeSuspended, NodeResuming, NodeShuttingDown,
		NodePowerOff, NodeStopping, NodeStopped, NodeContainerError, NodeHostError, NodeDeleting}
}

// TransitionError is a refused state change.
type TransitionError struct {
	What     string // "node 3 of unit web"
	From, To NodeState
}

func (e *TransitionError) Error() string {
	allowed := nodeTransitions[e.From]
	names := make([]string, len(allowed))
	for i, s := range allowed {
		names[i] = string(s)
	}
	if len(names) == 0 {
		return fmt.Sprintf("%s is %s and cannot become %s (it is being deleted)", e.What, e.From, e.To)
	}
	return fmt.Sprintf("%s is %s and cannot become %s (from %s it may become %s)", e.What, e.From, e.To, e.From, strings.Join(names, ", "))
}

// CheckNode reports whether a node may go from one state to another.
// Staying in a state is always allowed.
func CheckNode(what string, from, to NodeState) error {
	if from == to || slices.Contains(nodeTransitions[from], to) {
		return nil
	}
	return &TransitionError{What: what, From: from, To: to}
}

// ValidNodeState reports whether s names a node state.
func ValidNodeState(s NodeState) bool {
	_, ok := nodeTransitions[s]
	return ok
}
