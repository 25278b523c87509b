package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// TestHandoverAllowed: no owner change while an operation runs on the VC
// or when the new owner has a VC of the same name; then the units move
// to the new owner's credentials and drop their references.
func TestHandoverAllowed(t *testing.T) {
	cases := map[string]struct {
		openOpOn  string // the VC of an open operation
		bobHas    string // the name of a VC bob owns
		wantError string
	}{
		"free":                     {},
		"operation on another VC":  {openOpOn: "other"},
		"operation on this VC":     {openOpOn: "v", wantError: "operation op1 (create_nodes) is under way on VC v; change its owner once it has finished"},
		"bob has another name":     {bobHas: "w"},
		"bob has a VC of the name": {bobHas: "web", wantError: `bob already has a VC named "web" (vcid b); rename or delete one first`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			vc := &model.VC{VCID: "v", Name: "web", Owner: "alice"}
			err := st.Update(func(tx store.Tx) error {
				if tc.openOpOn != "" {
					if err := tx.PutOp(&model.Operation{ID: "op1", Kind: model.OpCreateNodes, VCID: tc.openOpOn, State: model.OpRunning}); err != nil {
						return err
					}
				}
				if tc.bobHas != "" {
					if err := tx.PutVC(&model.VC{VCID: "b", Name: tc.bobHas, Owner: "bob"}); err != nil {
						return err
					}
				}
				if err := tx.PutUnit(&model.Unit{VCID: "v", Name: "u", CredentialUser: "alice", CredentialRefs: map[string]string{"k": "vault://secret/x"}}); err != nil {
					return err
				}
				if err := handoverAllowed(tx, vc, "bob"); err != nil {
					return err
				}
				vc.Owner = "bob"
				return handOver(tx, vc)
			})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.wantError, got); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return // the transaction, unit included, did not happen
			}
			_ = st.View(func(tx store.Tx) error {
				u, _ := tx.Unit("v", "u")
				if diff := cmp.Diff([]any{"bob", map[string]string(nil)}, []any{u.CredentialUser, u.CredentialRefs}); diff != "" {
					t.Errorf("the unit's credentials after the handover (-want +got):\n%s", diff)
				}
				return nil
			})
		})
	}
}
