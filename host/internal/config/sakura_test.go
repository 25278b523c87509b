package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadSakura(t *testing.T) {
	catalog := &Catalog{Entries: map[string]map[string]*Entry{"sakura": {
		"tk1a": {Values: []byte(`{"sakura_private_subnet_gateway_ip": "192.168.10.1"}`)},
	}}}
	cases := map[string]struct {
		body string
		want Problems
		n    int
	}{
		"valid": {body: "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.12]\n", n: 2},
		"outside_gateway_net": {
			body: "tk1a:\n  prefix_len: 24\n  ip_addresses:\n    - 192.168.10.11\n    - 192.168.11.5\n",
			want: Problems{{Line: 5, Provider: "sakura", Entry: "tk1a", Key: "ip_addresses[1]", Message: "192.168.11.5 is outside 192.168.10.0/24 (prefix_len 24)"}},
		},
		"outside_first_addr_net": {
			body: "is1a:\n  prefix_len: 28\n  ip_addresses: [10.0.0.1, 10.0.0.20]\n",
			want: Problems{{Line: 3, Provider: "sakura", Entry: "is1a", Key: "ip_addresses[1]", Message: "10.0.0.20 is outside 10.0.0.0/28 (prefix_len 28)"}},
		},
		"bad_prefix": {
			body: "tk1a:\n  prefix_len: 40\n  ip_addresses: []\n",
			want: Problems{{Line: 2, Provider: "sakura", Entry: "tk1a", Key: "prefix_len", Message: `must be a whole number from 8 to 30, got "40"`}},
		},
		"duplicate_and_junk": {
			body: "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.11, nope]\n  gateway: x\n",
			want: Problems{
				{Line: 3, Provider: "sakura", Entry: "tk1a", Key: "ip_addresses[1]", Message: "192.168.10.11 is already ip_addresses[0]"},
				{Line: 3, Provider: "sakura", Entry: "tk1a", Key: "ip_addresses[2]", Message: `"nope" is not an IPv4 address`},
				{Line: 4, Provider: "sakura", Entry: "tk1a", Key: "gateway", Message: "unknown key (known: prefix_len, ip_addresses)"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), SakuraFile)
			os.WriteFile(path, []byte(tc.body), 0o644)
			pools, got := LoadSakura(path, catalog)
			for i := range tc.want {
				tc.want[i].File = path
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b Problem) bool { return a.Key < b.Key })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.n > 0 && len(pools["tk1a"].IPAddresses) != tc.n {
				t.Errorf("pool %+v", pools)
			}
		})
	}
}
