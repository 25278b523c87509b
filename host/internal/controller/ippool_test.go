package controller

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// openStore is a real bbolt store in a temp dir.
func openStore(t *testing.T) *store.Bolt {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

func testPool(addrs ...string) *config.IPPool {
	p := &config.IPPool{File: "/cfg/p.yml", Entry: "a", Providers: []string{"pooled"}, PrefixLen: 24}
	for _, a := range addrs {
		p.Addresses = append(p.Addresses, netip.MustParseAddr(a))
	}
	return p
}

// TestAllocate: new nodes get the pool's first free addresses in file
// order, or the ones asked; a pool too small is a 400 naming the pool and
// how many it lacks, an address taken a 400 naming the field, and either
// way nothing is recorded. Every case runs on a real store in which
// node "old" holds the addresses listed in held.
func TestAllocate(t *testing.T) {
	three := testPool("10.0.0.1", "10.0.0.2", "10.0.0.3")
	cases := map[string]struct {
		pool       *config.IPPool
		held       []string
		nodes      int
		ask        []string
		want       []string // addresses of the new nodes
		wantStatus int
		wantErr    string // in the message
		wantField  string
	}{
		"first_free":       {pool: three, nodes: 2, want: []string{"10.0.0.1", "10.0.0.2"}},
		"skips_held":       {pool: three, held: []string{"10.0.0.1"}, nodes: 2, want: []string{"10.0.0.2", "10.0.0.3"}},
		"fills_a_gap":      {pool: three, held: []string{"10.0.0.2"}, nodes: 2, want: []string{"10.0.0.1", "10.0.0.3"}},
		"exactly_full":     {pool: three, nodes: 3, want: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		"asked":            {pool: three, held: []string{"10.0.0.1"}, nodes: 1, ask: []string{"10.0.0.3"}, want: []string{"10.0.0.3"}},
		"none_needed":      {pool: three, nodes: 0},
		"too_small":        {pool: three, held: []string{"10.0.0.3", "10.0.0.1"}, nodes: 2, wantStatus: 400, wantField: "spec.num_nodes", wantErr: "IP pool pooled/a (p.yml) has 1 free address(es) but 2 node(s) need one: it lacks 1"},
		"too_small_by_all": {pool: three, nodes: 5, wantStatus: 400, wantField: "spec.num_nodes", wantErr: "it lacks 2"},
		"no_pool":          {nodes: 1, wantStatus: 400, wantField: "spec.num_nodes", wantErr: "it lacks 1; p.yml has no pool for catalog entry a"},
		"asked_taken":      {pool: three, held: []string{"10.0.0.2"}, nodes: 2, ask: []string{"10.0.0.1", "10.0.0.2"}, wantStatus: 400, wantField: "spec.ip_addresses[1]", wantErr: "10.0.0.2 of IP pool pooled/a (p.yml) is already allocated"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			d := &poolDraw{pool: tc.pool, file: "p.yml", prov: "pooled", entry: "a", countField: "spec.num_nodes", ipField: "spec.ip_addresses"}
			err := st.Update(func(tx store.Tx) error {
				for _, a := range tc.held {
					if err := tx.LeaseIP(d.key(), a, "old"); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			nodes := make([]*model.Node, tc.nodes)
			for i := range nodes {
				nodes[i] = &model.Node{NodeID: string(rune('a' + i)), VCID: "v", Unit: "u", NodeNo: i + 1}
			}
			err = st.Update(func(tx store.Tx) error {
				if err := d.allocate(tx, nodes, tc.ask); err != nil {
					return err
				}
				for _, n := range nodes {
					if err := tx.PutNode(n); err != nil {
						return err
					}
				}
				return nil
			})
			wantLeases := map[string]string{}
			for _, a := range tc.held {
				wantLeases[a] = "old"
			}
			if tc.wantStatus != 0 {
				var ce *Error
				if !errors.As(err, &ce) || ce.Status != tc.wantStatus || !strings.Contains(ce.Msg+ce.Error(), tc.wantErr) || !hasField(ce.Details, tc.wantField) {
					t.Fatalf("got %v, want %d naming %q on %s", err, tc.wantStatus, tc.wantErr, tc.wantField)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for i, n := range nodes {
					got = append(got, n.FixedIP)
					wantLeases[n.FixedIP] = n.NodeID
					if n.IPPool != "p.yml/a" {
						t.Errorf("node %d: IPPool %q", i, n.IPPool)
					}
				}
				if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("addresses (-want +got): %s", diff)
				}
			}
			var leases map[string]string
			_ = st.View(func(tx store.Tx) (err error) { leases, err = tx.IPLeases("p.yml/a"); return err })
			if diff := cmp.Diff(wantLeases, leases, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("leases after (-want +got): %s", diff)
			}
		})
	}
}

// TestCheckAsked: asked addresses must be the pool's, each blamed on its
// index; a provider that draws from no pool takes any.
func TestCheckAsked(t *testing.T) {
	d := &poolDraw{pool: testPool("10.0.0.1", "10.0.0.2"), file: "p.yml", prov: "pooled", entry: "a", ipField: "ip_addresses"}
	cases := map[string]struct {
		draw   *poolDraw
		ips    []string
		fields []string
	}{
		"in_pool":      {draw: d, ips: []string{"10.0.0.2", "10.0.0.1"}},
		"outside":      {draw: d, ips: []string{"10.0.0.1", "10.0.0.9", "10.1.0.1"}, fields: []string{"ip_addresses[1]", "ip_addresses[2]"}},
		"no_pool":      {draw: &poolDraw{file: "p.yml", prov: "pooled", entry: "b", ipField: "ip_addresses"}, ips: []string{"10.0.0.1"}, fields: []string{"ip_addresses[0]"}},
		"not_pool_any": {ips: []string{"192.0.2.1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.draw.checkAsked(tc.ips)
			var got []string
			var ce *Error
			if errors.As(err, &ce) {
				if ce.Status != 400 {
					t.Errorf("status %d", ce.Status)
				}
				for _, d := range ce.Details {
					got = append(got, d.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields blamed (-want +got): %s", diff)
			}
		})
	}
}

// TestKeptAddresses: after the pool file shrank or lost an entry, every
// address still held outside it is reported as kept, at the pool's line
// and with its node's provider when known; held addresses still in the
// pool are not.
func TestKeptAddresses(t *testing.T) {
	st := openStore(t)
	_ = st.Update(func(tx store.Tx) error {
		_ = tx.LeaseIP("p.yml/a", "10.0.0.1", "n1")
		_ = tx.LeaseIP("p.yml/a", "10.0.0.3", "n3")
		_ = tx.PutUnit(&model.Unit{VCID: "v", Name: "u", Provider: "pooled"})
		_ = tx.PutNode(&model.Node{NodeID: "n3", VCID: "v", Unit: "u", NodeNo: 3, FixedIP: "10.0.0.3", IPPool: "p.yml/a"})
		return tx.LeaseIP("p.yml/gone", "10.9.0.1", "n9")
	})
	dir := t.TempDir()
	c := &Controller{st: st, cfg: Config{ConfigDir: dir}}
	cat := &config.Catalog{Entries: map[string]map[string]*config.Entry{"pooled": {"a": {Values: []byte(`{}`)}}}}
	if err := os.WriteFile(filepath.Join(dir, "p.yml"), []byte("a:\n  prefix_len: 24\n  ip_addresses: [10.0.0.1, 10.0.0.2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pools, probs := config.LoadIPPools(dir, cat, map[string]*provider.Info{"pooled": {IPPoolFile: "p.yml"}})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	got, err := c.keptAddresses(pools)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Problems{
		{File: filepath.Join(dir, "p.yml"), Line: 1, Provider: "pooled", Entry: "a", Key: "ip_addresses", Warning: true, Message: "10.0.0.3 is no longer in the pool but node n3 holds it; it stays allocated until that node is deleted"},
		{File: filepath.Join(dir, "p.yml"), Entry: "gone", Key: "ip_addresses", Warning: true, Message: "10.9.0.1 is no longer in the pool but node n9 holds it; it stays allocated until that node is deleted"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got): %s", diff)
	}
}

func hasField(ds []FieldError, f string) bool {
	for _, d := range ds {
		if d.Field == f {
			return true
		}
	}
	return false
}
