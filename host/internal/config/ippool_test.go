package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vccproject/vcc/proto/provider"
)

func TestLoadIPPools(t *testing.T) {
	catalog := &Catalog{File: "vpn_catalog.yml", Entries: map[string]map[string]*Entry{
		"pooled": {
			"tk1a":   {File: "vpn_catalog.yml", Line: 2, Values: []byte(`{"private_network_ipmask": "192.168.10.0/25"}`)},
			"is1a":   {File: "vpn_catalog.yml", Line: 4, Values: []byte(`{}`)},
			"unused": {File: "vpn_catalog.yml", Line: 6, Values: []byte(`{}`)},
		},
		"twin": {"is1a": {Values: []byte(`{}`)}},
	}}
	infos := map[string]*provider.Info{"pooled": {Name: "pooled", IPPoolFile: "pools.yml"}, "plain": {Name: "plain"}}
	// Every case but missing_file has pools for tk1a and is1a only.
	unusedWarning := Problem{File: "vpn_catalog.yml", Line: 6, Provider: "pooled", Entry: "unused", Warning: true,
		Message: "has no IP pool in POOLS, so its units cannot get addresses; add `unused: {prefix_len: 24, ip_addresses: [...]}` there"}
	const ok = "is1a:\n  prefix_len: 28\n  ip_addresses: [10.0.0.1, 10.0.0.2]\n"
	cases := map[string]struct {
		infos map[string]*provider.Info
		body  string // "" for no file
		want  Problems
		pools map[string][]string // key -> addresses
	}{
		"valid": {
			body:  "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.12]\n" + ok,
			want:  Problems{unusedWarning},
			pools: map[string][]string{"pools.yml/tk1a": {"192.168.10.11", "192.168.10.12"}, "pools.yml/is1a": {"10.0.0.1", "10.0.0.2"}},
		},
		"outside_first_addr_net": {
			body: ok + "tk1a:\n  prefix_len: 24\n  ip_addresses:\n    - 192.168.10.11\n    - 192.168.11.5\n",
			want: Problems{{Line: 8, Provider: "pooled", Entry: "tk1a", Key: "ip_addresses[1]", Message: "192.168.11.5 is outside 192.168.10.0/24 (prefix_len 24)"}, unusedWarning},
		},
		"outside_entry_mask": {
			body: ok + "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.200]\n",
			want: Problems{{Line: 6, Provider: "pooled", Entry: "tk1a", Key: "ip_addresses[1]", Message: "192.168.10.200 is outside the catalog entry's private_network_ipmask 192.168.10.0/25"}, unusedWarning},
		},
		"bad_prefix": {
			body: ok + "tk1a:\n  prefix_len: 40\n  ip_addresses: []\n",
			want: Problems{{Line: 5, Provider: "pooled", Entry: "tk1a", Key: "prefix_len", Message: `must be a whole number from 8 to 30, got "40"`}, unusedWarning},
		},
		"missing_prefix": {
			body: ok + "tk1a:\n  ip_addresses: [192.168.10.11]\n",
			want: Problems{{Line: 4, Provider: "pooled", Entry: "tk1a", Key: "prefix_len", Message: "is missing"}, unusedWarning},
		},
		"duplicate_and_junk": {
			body: ok + "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.11, nope, '::1']\n  gateway: x\n",
			want: Problems{
				{Line: 6, Provider: "pooled", Entry: "tk1a", Key: "ip_addresses[1]", Message: "192.168.10.11 is already ip_addresses[0]"},
				{Line: 6, Provider: "pooled", Entry: "tk1a", Key: "ip_addresses[2]", Message: `"nope" is not an IPv4 address`},
				{Line: 6, Provider: "pooled", Entry: "tk1a", Key: "ip_addresses[3]", Message: `"::1" is not an IPv4 address`},
				{Line: 7, Provider: "pooled", Entry: "tk1a", Key: "gateway", Message: "unknown key (known: prefix_len, ip_addresses)"},
				unusedWarning,
			},
		},
		"no_such_entry": {
			body: ok + "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11]\nosaka:\n  prefix_len: 24\n  ip_addresses: [10.9.0.1]\n",
			want: Problems{{Line: 7, Provider: "pooled", Entry: "osaka", Message: "names no catalog entry of pooled (entries: is1a, tk1a, unused); add the entry to vpn_catalog.yml or remove the pool"}, unusedWarning},
		},
		"missing_file": {
			want: Problems{
				{File: "vpn_catalog.yml", Line: 4, Provider: "pooled", Entry: "is1a", Warning: true, Message: "has no IP pool in POOLS, so its units cannot get addresses; add `is1a: {prefix_len: 24, ip_addresses: [...]}` there"},
				{File: "vpn_catalog.yml", Line: 2, Provider: "pooled", Entry: "tk1a", Warning: true, Message: "has no IP pool in POOLS, so its units cannot get addresses; add `tk1a: {prefix_len: 24, ip_addresses: [...]}` there"},
				unusedWarning,
			},
			pools: map[string][]string{},
		},
		"shared_file": {
			infos: map[string]*provider.Info{"pooled": {IPPoolFile: "pools.yml"}, "twin": {IPPoolFile: "pools.yml"}},
			body:  ok + "tk1a:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11]\n",
			want:  Problems{unusedWarning},
			pools: map[string][]string{"pools.yml/tk1a": {"192.168.10.11"}, "pools.yml/is1a": {"10.0.0.1", "10.0.0.2"}},
		},
		"bad_file_name": {
			infos: map[string]*provider.Info{"pooled": {IPPoolFile: "../etc/pools.yml"}},
			want: Problems{{File: "plugin pooled", Provider: "pooled", Warning: true,
				Message: `declares the IP pool file "../etc/pools.yml", which is not a plain .yml file name in the config dir; its units cannot get addresses until the plugin is fixed`}},
			pools: map[string][]string{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "pools.yml")
			if tc.body != "" {
				if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.infos == nil {
				tc.infos = infos
			}
			pools, got := LoadIPPools(dir, catalog, tc.infos)
			for i := range tc.want {
				if tc.want[i].File == "" {
					tc.want[i].File = path
				}
				tc.want[i].Message = replace(tc.want[i].Message, "POOLS", path)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if tc.pools == nil {
				return
			}
			gotPools := map[string][]string{}
			for _, p := range pools.All() {
				var addrs []string
				for _, a := range p.Addresses {
					addrs = append(addrs, a.String())
				}
				gotPools[p.Key()] = addrs
			}
			if diff := cmp.Diff(tc.pools, gotPools, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("pools (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIPPoolLookup: a pool is found by its file and entry, whichever
// provider asks; a shared file's pool lists every provider drawing from
// it; an entry without a pool, or another file, finds none.
func TestIPPoolLookup(t *testing.T) {
	catalog := &Catalog{Entries: map[string]map[string]*Entry{"pooled": {"a": {Values: []byte(`{}`)}}, "twin": {"a": {Values: []byte(`{}`)}}}}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yml"), []byte("a:\n  prefix_len: 30\n  ip_addresses: [10.0.0.1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pools, probs := LoadIPPools(dir, catalog, map[string]*provider.Info{"pooled": {IPPoolFile: "p.yml"}, "twin": {IPPoolFile: "p.yml"}, "plain": {}})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	type row struct {
		Key, Name string
		Has       bool
	}
	look := func(file, entry string) row {
		var r row
		if p := pools.Pool(file, entry); p != nil {
			r.Key, r.Name, r.Has = p.Key(), p.Name(), p.Has(netip.MustParseAddr("10.0.0.1"))
		}
		return r
	}
	got := map[string]row{"p.yml/a": look("p.yml", "a"), "p.yml/b": look("p.yml", "b"), "q.yml/a": look("q.yml", "a")}
	want := map[string]row{
		"p.yml/a": {Key: "p.yml/a", Name: "pooled,twin/a (p.yml)", Has: true},
		"p.yml/b": {},
		"q.yml/a": {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func replace(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
