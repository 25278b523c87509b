package model

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckNode(t *testing.T) {
	cases := []struct {
		from, to NodeState
		ok       bool
		msg      string
	}{
		{NodeBooting, NodeRunning, true, ""},
		{NodeRunning, NodeShuttingDown, true, ""},
		{NodeShuttingDown, NodePowerOff, true, ""},
		{NodePowerOff, NodeBooting, true, ""},
		{NodeSuspended, NodeStopping, true, ""},
		{NodeStopped, NodeBooting, true, ""},
		{NodeHostError, NodeRunning, true, ""},
		{NodeRunning, NodeRunning, true, ""},
		{NodePowerOff, NodeRunning, false, "from POWER_OFF it may become BOOTING, HOST_ERROR, DELETING"},
		{NodeStopped, NodeSuspended, false, "cannot become SUSPENDED"},
		{NodeDeleting, NodeRunning, false, "it is being deleted"},
	}
	for _, tc := range cases {
		t.Run(string(tc.from)+"->"+string(tc.to), func(t *testing.T) {
			err := CheckNode("node 1", tc.from, tc.to)
			if (err == nil) != tc.ok {
				t.Fatalf("got %v, want ok=%v", err, tc.ok)
			}
			var te *TransitionError
			if err != nil && (!errors.As(err, &te) || !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
		})
	}
}

// Every state in the list has a rule, and every rule names known states.
func TestTransitionTableComplete(t *testing.T) {
	for _, s := range AllNodeStates() {
		for _, to := range nodeTransitions[s] {
			if !ValidNodeState(to) {
				t.Errorf("%s -> unknown %s", s, to)
			}
		}
	}
	if len(nodeTransitions) != len(AllNodeStates()) {
		t.Errorf("%d rules for %d states", len(nodeTransitions), len(AllNodeStates()))
	}
}
