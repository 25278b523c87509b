package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// TestVCRule: a VC, and an operation of it, is seen by its owner and by
// privileged super users only: while the VC lives, after it was deleted
// (its last owner), and for operations of VCs deleted before deleted VCs
// were kept (who asked for them).
func TestVCRule(t *testing.T) {
	st := openStore(t)
	err := st.Update(func(tx store.Tx) error {
		for _, vc := range []*model.VC{{VCID: "live", Owner: "alice"}, {VCID: "gone", Owner: "alice"}} {
			if err := tx.PutVC(vc); err != nil {
				return err
			}
		}
		if err := tx.DeleteVC("gone"); err != nil {
			return err
		}
		for id, vcid := range map[string]string{"op-live": "live", "op-gone": "gone", "op-old": "forgotten"} {
			if err := tx.PutOp(&model.Operation{ID: id, VCID: vcid, User: "alice", State: model.OpSucceeded}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &Controller{st: st, log: hclog.NewNullLogger()}
	callers := map[string]auth.Identity{
		"owner":                 {User: "alice", Role: "regular"},
		"other":                 {User: "bob", Role: "regular"},
		"super, not privileged": {User: "carol", Role: "super"},
		"super, privileged":     {User: "carol", Role: "super", Privileged: true},
	}
	want := map[string][]string{ // what each sees of: live, gone, op-live, op-gone, op-old
		"owner":                 {"live", "gone", "op-live", "op-gone", "op-old"},
		"other":                 {},
		"super, not privileged": {},
		"super, privileged":     {"live", "gone", "op-live", "op-gone", "op-old"},
	}
	for name, who := range callers {
		t.Run(name, func(t *testing.T) {
			got := []string{}
			for _, vcid := range []string{"live", "gone"} {
				if c.MaySee(&who, vcid) {
					got = append(got, vcid)
				}
			}
			for _, id := range []string{"op-live", "op-gone", "op-old"} {
				if _, err := c.GetOp(&who, id); err == nil {
					got = append(got, id)
				} else if ce, ok := err.(*Error); !ok || ce.Status != 404 {
					t.Errorf("%s: %v; want a 404", id, err)
				}
			}
			if diff := cmp.Diff(want[name], got); diff != "" {
				t.Errorf("sees (-want +got):\n%s", diff)
			}
		})
	}
}
