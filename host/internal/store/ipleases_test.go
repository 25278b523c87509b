package store

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vccproject/vcc/host/internal/model"
)

// TestIPLeases: a lease is taken by one node only, kept across a reopen,
// and released by deleting its node in the same transaction — but not by
// deleting a node that does not hold it. Each case runs its steps on a
// fresh store.
func TestIPLeases(t *testing.T) {
	node := func(id, addr string) *model.Node {
		return &model.Node{NodeID: id, VCID: "v", Unit: "u", NodeNo: int(id[1] - '0'), FixedIP: addr, IPPool: "p.yml/a"}
	}
	type step struct {
		lease   *model.Node // recorded with its lease
		del     string      // node deleted
		wantErr error
	}
	cases := map[string]struct {
		steps []step
		want  map[string]string // leases of p.yml/a after
	}{
		"one":              {steps: []step{{lease: node("n1", "10.0.0.1")}}, want: map[string]string{"10.0.0.1": "n1"}},
		"same_node_again":  {steps: []step{{lease: node("n1", "10.0.0.1")}, {lease: node("n1", "10.0.0.1")}}, want: map[string]string{"10.0.0.1": "n1"}},
		"taken":            {steps: []step{{lease: node("n1", "10.0.0.1")}, {lease: node("n2", "10.0.0.1"), wantErr: ErrTaken}}, want: map[string]string{"10.0.0.1": "n1"}},
		"released":         {steps: []step{{lease: node("n1", "10.0.0.1")}, {del: "n1"}}, want: map[string]string{}},
		"reused":           {steps: []step{{lease: node("n1", "10.0.0.1")}, {del: "n1"}, {lease: node("n2", "10.0.0.1")}}, want: map[string]string{"10.0.0.1": "n2"}},
		"two":              {steps: []step{{lease: node("n1", "10.0.0.1")}, {lease: node("n2", "10.0.0.2")}, {del: "n1"}}, want: map[string]string{"10.0.0.2": "n2"}},
		"refused_no_trace": {steps: []step{{lease: node("n1", "10.0.0.1")}, {lease: node("n2", "10.0.0.1"), wantErr: ErrTaken}, {del: "n2"}}, want: map[string]string{"10.0.0.1": "n1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, path := open(t)
			for i, st := range tc.steps {
				err := s.Update(func(tx Tx) error {
					if st.del != "" {
						return tx.DeleteNode(st.del)
					}
					if err := tx.LeaseIP(st.lease.IPPool, st.lease.FixedIP, st.lease.NodeID); err != nil {
						return err
					}
					return tx.PutNode(st.lease)
				})
				if !errors.Is(err, st.wantErr) {
					t.Fatalf("step %d: %v, want %v", i, err, st.wantErr)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := OpenBolt(path) // leases are durable
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			var got map[string]string
			_ = s.View(func(tx Tx) (err error) { got, err = tx.IPLeases("p.yml/a"); return err })
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("leases (-want +got): %s", diff)
			}
		})
	}
}

// TestEachIPLease: every pool's leases, and a pool whose name another
// starts with is not mixed up with it.
func TestEachIPLease(t *testing.T) {
	s, _ := open(t)
	_ = s.Update(func(tx Tx) error {
		_ = tx.LeaseIP("p.yml/a", "10.0.0.1", "n1")
		_ = tx.LeaseIP("p.yml/ab", "10.0.1.1", "n2")
		return tx.LeaseIP("q.yml/a", "10.0.2.1", "n3")
	})
	type lease struct{ Pool, Addr, Node string }
	var all []lease
	var a map[string]string
	_ = s.View(func(tx Tx) error {
		a, _ = tx.IPLeases("p.yml/a")
		return tx.EachIPLease(func(p, addr, n string) error { all = append(all, lease{p, addr, n}); return nil })
	})
	if diff := cmp.Diff(map[string]string{"10.0.0.1": "n1"}, a); diff != "" {
		t.Errorf("pool p.yml/a (-want +got): %s", diff)
	}
	want := []lease{{"p.yml/a", "10.0.0.1", "n1"}, {"p.yml/ab", "10.0.1.1", "n2"}, {"q.yml/a", "10.0.2.1", "n3"}}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("all leases (-want +got): %s", diff)
	}
}
