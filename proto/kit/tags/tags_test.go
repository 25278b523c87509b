package tags_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

func TestFor(t *testing.T) {
	env := provider.CallEnv{ControllerID: "ctl"}
	node := provider.NodeRef{NodeID: "n1", NodeNo: 2, VCID: "vc", UnitName: "web"}
	got := tags.For(env, node, map[string]string{"team": "hpc", provider.TagNodeID: "spoofed"})
	want := map[string]string{"team": "hpc", provider.TagControllerID: "ctl", provider.TagNodeID: "n1",
		tags.TagVCID: "vc", tags.TagUnit: "web", tags.TagNodeNo: "2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	dotted := tags.Dotted(got)
	if dotted["vcc.node_id"] != "n1" || dotted["team"] != "hpc" {
		t.Errorf("dotted: %v", dotted)
	}
	for _, m := range []map[string]string{got, dotted} {
		if tags.NodeID(m) != "n1" || !tags.Owned(m, "ctl") || tags.Owned(m, "other") {
			t.Errorf("read back from %v failed", m)
		}
	}
	if tags.Owned(map[string]string{}, "") {
		t.Error("an empty controller id owns untagged resources")
	}
}

func TestStrings(t *testing.T) {
	m := map[string]string{provider.TagNodeID: "n1", provider.TagControllerID: "ctl", "team": "hpc", "flag": ""}
	got := tags.Strings(m)
	want := []string{"flag=", "team=hpc", "vcc.controller_id=ctl", "vcc.node_id=n1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(m, tags.FromStrings(got)); diff != "" {
		t.Errorf("FromStrings(Strings(m)) (-want +got):\n%s", diff)
	}
	cases := map[string]struct {
		in   []string
		want map[string]string
	}{
		"console_tag":   {[]string{"@size-extendable"}, map[string]string{"@size-extendable": ""}},
		"value_with_eq": {[]string{"note=a=b"}, map[string]string{"note": "a=b"}},
		"none":          {nil, map[string]string{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tags.FromStrings(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got := tags.Pair(provider.TagNodeID, "n1"); got != "vcc.node_id=n1" {
		t.Errorf("Pair: %q", got)
	}
}
