package model

import (
	"encoding/json"
	"strings"
)

// ErrorSource says what set a node's error state and its StateReason.
// Decisions about undoing an error (liveness brings a node back when its
// agent answers, reconcile when a reclaimed instance runs again) are made
// on it, never on the reason's text, which is for people.
type ErrorSource string

const (
	// SourceNone: the node has no error (a reason, if any, is a note).
	SourceNone ErrorSource = ""
	// SourceLiveness: its agent never joined or stopped answering, or its
	// Base container exited; undone when the agent answers again.
	SourceLiveness ErrorSource = "liveness"
	// SourceReconcile: reconcile found the instance gone or stopped
	// outside vcc.
	SourceReconcile ErrorSource = "reconcile"
	// SourceReclaim: the cloud itself reports the instance in error (a
	// spot instance taken back); undone when the instance runs again.
	SourceReclaim ErrorSource = "reclaim"
	// SourceOperation: a create, delete or power call failed.
	SourceOperation ErrorSource = "operation"
)

// SetError records an error of the node with where it came from.
func (n *Node) SetError(src ErrorSource, reason string) {
	n.ErrorSource, n.StateReason = src, reason
}

// ClearError forgets the node's error (or note).
func (n *Node) ClearError() {
	n.ErrorSource, n.StateReason = SourceNone, ""
}

// UnmarshalJSON reads a node record; one written before ErrorSource
// existed gets it from the prefix its reason then carried.
func (n *Node) UnmarshalJSON(b []byte) error {
	type plain Node // without this method
	if err := json.Unmarshal(b, (*plain)(n)); err != nil {
		return err
	}
	if n.ErrorSource == SourceNone && n.StateReason != "" {
		n.ErrorSource = legacySource(n.StateReason)
	}
	return nil
}

// legacyPrefixes are the reason prefixes that marked an error's source
// before the field existed, in the order they are tried.
var legacyPrefixes = []struct {
	prefix string
	src    ErrorSource
}{
	{"liveness: ", SourceLiveness},
	{"the cloud reports the instance in error: ", SourceReclaim},
	{"create failed: ", SourceOperation},
	{"delete failed: ", SourceOperation},
	{"PowerOff failed: ", SourceOperation},
	{"PowerOn failed: ", SourceOperation},
	{"Reboot failed: ", SourceOperation},
	{"stopped outside vcc", SourceReconcile},
}

func legacySource(reason string) ErrorSource {
	for _, p := range legacyPrefixes {
		if strings.HasPrefix(reason, p.prefix) {
			return p.src
		}
	}
	// "instance ID no longer exists in PROVIDER (deleted outside vcc?) ..."
	if strings.HasPrefix(reason, "instance ") && strings.Contains(reason, " no longer exists in ") {
		return SourceReconcile
	}
	return SourceNone
}
