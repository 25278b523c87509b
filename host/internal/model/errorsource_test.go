package model

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrorSourceOnLoad: a record with the field keeps it; a record
// written before the field existed gets it from its reason's old prefix
// once, when read; a note without a known prefix is no error.
func TestErrorSourceOnLoad(t *testing.T) {
	cases := map[string]struct {
		record string
		want   ErrorSource
	}{
		"field_wins":        {`{"state_reason": "liveness: the node's agent left", "error_source": "operation"}`, SourceOperation},
		"no_reason":         {`{"state": "RUNNING"}`, SourceNone},
		"old_liveness":      {`{"state_reason": "liveness: the node's agent stopped answering"}`, SourceLiveness},
		"old_reclaim":       {`{"state_reason": "the cloud reports the instance in error: spot instance reclaimed"}`, SourceReclaim},
		"old_create":        {`{"state_reason": "create failed: quota"}`, SourceOperation},
		"old_delete":        {`{"state_reason": "delete failed: protected"}`, SourceOperation},
		"old_power":         {`{"state_reason": "PowerOff failed: timeout"}`, SourceOperation},
		"old_vanished":      {`{"state_reason": "instance i-1 no longer exists in aws (deleted outside vcc?); delete the node or add a new one"}`, SourceReconcile},
		"old_stopped":       {`{"state_reason": "stopped outside vcc"}`, SourceReconcile},
		"note_is_no_error":  {`{"state_reason": "instance running; waiting for the Base container's agent to join"}`, SourceNone},
		"prefix_inside_txt": {`{"state_reason": "the agent said liveness: fine"}`, SourceNone},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var n Node
			if err := json.Unmarshal([]byte(tc.record), &n); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, n.ErrorSource); diff != "" {
				t.Errorf("(-want +got): %s", diff)
			}
		})
	}
}

// TestErrorSourceRoundTrip: the field survives a write and a read, and
// ClearError empties both it and the reason.
func TestErrorSourceRoundTrip(t *testing.T) {
	n := Node{NodeID: "a", State: NodeHostError}
	n.SetError(SourceReclaim, "spot instance reclaimed")
	raw, err := json.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	var back Node
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(n, back); diff != "" {
		t.Errorf("round trip (-want +got): %s", diff)
	}
	back.ClearError()
	if back.ErrorSource != SourceNone || back.StateReason != "" {
		t.Errorf("after ClearError: %q %q", back.ErrorSource, back.StateReason)
	}
}
