package sdk

import (
	"reflect"
	"testing"
)

// A compute spec's disks take a storage unit's nodes, sent as node ids;
// the caller's spec is left as it was.
func TestWithDiskIDs(t *testing.T) {
	nodes := []Node{{NodeID: "a"}, {NodeID: "b"}}
	for name, tc := range map[string]struct {
		in   map[string]any
		want map[string]any
	}{
		"nodes":    {map[string]any{"disks": nodes, "size": 1}, map[string]any{"disks": []string{"a", "b"}, "size": 1}},
		"pointers": {map[string]any{"disks": []*Node{&nodes[1]}}, map[string]any{"disks": []string{"b"}}},
		"strings":  {map[string]any{"disks": []string{"vol-1"}}, map[string]any{"disks": []string{"vol-1"}}},
		"none":     {map[string]any{"size": 1}, map[string]any{"size": 1}},
	} {
		if got := withDiskIDs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	spec := map[string]any{"disks": nodes}
	withDiskIDs(spec)
	if _, still := spec["disks"].([]Node); !still {
		t.Errorf("the caller's spec changed: %v", spec)
	}
}
