package describe_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

func st(node, id string, s provider.InstanceState) provider.NodeStatus {
	return provider.NodeStatus{NodeID: node, CloudInstanceID: id, State: s}
}

func TestAnswer(t *testing.T) {
	asked := []provider.NodeRef{{NodeID: "a", CloudInstanceID: "i-a2"}, {NodeID: "b"}}
	cases := map[string]struct {
		all   bool
		found []provider.NodeStatus
		want  []provider.NodeStatus
	}{
		"missing_is_not_found": {false, nil,
			[]provider.NodeStatus{st("a", "i-a2", provider.InstanceNotFound), st("b", "", provider.InstanceNotFound)}},
		"asked_order_kept": {false, []provider.NodeStatus{st("b", "i-b", provider.InstanceRunning), st("a", "i-a2", provider.InstancePending)},
			[]provider.NodeStatus{st("a", "i-a2", provider.InstancePending), st("b", "i-b", provider.InstanceRunning)}},
		"unasked_dropped": {false, []provider.NodeStatus{st("c", "i-c", provider.InstanceRunning)},
			[]provider.NodeStatus{st("a", "i-a2", provider.InstanceNotFound), st("b", "", provider.InstanceNotFound)}},
		"all_of_controller_once": {true, []provider.NodeStatus{st("c", "i-c", provider.InstanceRunning), st("c", "i-c", provider.InstanceRunning), st("", "i-x", provider.InstanceRunning)},
			[]provider.NodeStatus{st("a", "i-a2", provider.InstanceNotFound), st("b", "", provider.InstanceNotFound), st("c", "i-c", provider.InstanceRunning)}},
		"known_instance_wins": {false, []provider.NodeStatus{st("a", "i-a2", provider.InstanceRunning), st("a", "i-a1", provider.InstanceRunning)},
			[]provider.NodeStatus{st("a", "i-a2", provider.InstanceRunning), st("b", "", provider.InstanceNotFound)}},
		"live_beats_dying": {false, []provider.NodeStatus{st("b", "i-b1", provider.InstanceTerminating), st("b", "i-b2", provider.InstanceRunning)},
			[]provider.NodeStatus{st("a", "i-a2", provider.InstanceNotFound), st("b", "i-b2", provider.InstanceRunning)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := describe.New(provider.DescribeRequest{Nodes: asked, AllOfController: tc.all})
			for _, s := range tc.found {
				a.Add(s)
			}
			if diff := cmp.Diff(tc.want, a.Nodes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	var de *provider.DiagnosticsError
	err := describe.Missing(provider.NodeRef{NodeNo: 3, CloudInstanceID: "i-9"}, "EC2")
	if !errors.As(err, &de) || !de.HasCode(provider.CodeNotFound) || de.Retryable() {
		t.Fatalf("want a permanent not_found, got %v", err)
	}
}
