package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/sdk"
)

// TestReportFor: each caller reads the findings about nodes of the VCs
// it may see (also a VC deleted since the pass, and a node made since);
// orphans and errors about no node go to super users only.
func TestReportFor(t *testing.T) {
	st := openStore(t)
	err := st.Update(func(tx store.Tx) error {
		for _, vc := range []*model.VC{{VCID: "va", Owner: "alice"}, {VCID: "vg", Owner: "alice"}, {VCID: "vb", Owner: "bob"}} {
			if err := tx.PutVC(vc); err != nil {
				return err
			}
		}
		if err := tx.PutNode(&model.Node{NodeID: "new-a", VCID: "va", Unit: "u", NodeNo: 9}); err != nil {
			return err
		}
		return tx.DeleteVC("vg")
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &Controller{st: st, log: hclog.NewNullLogger()}
	c.rec.vcOf = map[string]string{"a1": "va", "g1": "vg", "b1": "vb"}
	orphans := []sdk.Orphan{{Provider: "sim", CloudInstanceID: "i-1"}}
	rep := &sdk.ReconcileReport{
		Adopted: []string{"a1"}, Vanished: []string{"g1", "b1"}, Drifted: []string{}, Replaced: []string{"new-a", "unknown"},
		Orphans: orphans, Errors: []string{"node a1: x", "node b1: replace: y", "sim.default: z"},
	}
	none := []string{}
	cases := map[string]struct {
		who  auth.Identity
		want *sdk.ReconcileReport
	}{
		"owner": {auth.Identity{User: "alice", Role: "regular"}, &sdk.ReconcileReport{Adopted: []string{"a1"}, Vanished: []string{"g1"},
			Drifted: none, Replaced: []string{"new-a"}, Orphans: []sdk.Orphan{}, Errors: []string{"node a1: x"}}},
		"other regular user": {auth.Identity{User: "bob", Role: "regular"}, &sdk.ReconcileReport{Adopted: none, Vanished: []string{"b1"},
			Drifted: none, Replaced: none, Orphans: []sdk.Orphan{}, Errors: []string{"node b1: replace: y"}}},
		"super, not privileged": {auth.Identity{User: "carol", Role: "super"}, &sdk.ReconcileReport{Adopted: none, Vanished: none,
			Drifted: none, Replaced: none, Orphans: orphans, Errors: []string{"sim.default: z"}}},
		"super, privileged": {auth.Identity{User: "carol", Role: "super", Privileged: true}, rep},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, c.ReportFor(&tc.who, rep)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
