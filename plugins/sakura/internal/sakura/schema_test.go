package sakura

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// finding is what a test compares of a diagnostic.
type finding struct{ Field, Severity string }

func findings(diags provider.Diagnostics) []finding {
	var out []finding
	for _, d := range diags {
		out = append(out, finding{d.Field, d.Severity.String()})
	}
	return out
}

func TestValidateCatalogEntry(t *testing.T) {
	cases := map[string]struct {
		entry string
		want  []finding
	}{
		"upstream_example": {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`, nil},
		"with_archive":     {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "10.0.0.1", "sakura_zone": "is1b", "private_network_ipmask": "10.0.0.0/16", "sakura_archive": "Ubuntu Server 24.04.1 LTS 64bit"}`, nil},
		"nothing": {`{}`, []finding{{"catalog.sakura_local_switch_id", "error"}, {"catalog.sakura_private_subnet_gateway_ip", "error"},
			{"catalog.sakura_zone", "error"}, {"catalog.private_network_ipmask", "error"}}},
		"switch_name":     {`{"sakura_local_switch_id": "sw-1", "sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`, []finding{{"catalog.sakura_local_switch_id", "error"}}},
		"unknown_zone":    {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "tk9z", "private_network_ipmask": "172.23.1.0/24"}`, []finding{{"catalog.sakura_zone", "error"}}},
		"gateway_outside": {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "172.23.2.254", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`, []finding{{"catalog.sakura_private_subnet_gateway_ip", "error"}}},
		"gateway_v6":      {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "fe80::1", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`, []finding{{"catalog.sakura_private_subnet_gateway_ip", "error"}}},
		"narrow_mask":     {`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "172.23.1.1", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.1/32"}`, []finding{{"catalog.private_network_ipmask", "error"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := New("0").ValidateCatalogEntry(context.Background(), "default", json.RawMessage(tc.entry))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, findings(diags)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}

func TestValidateSpec(t *testing.T) {
	e := env("tk1a") // no call is made
	cases := map[string]struct {
		spec string
		want []finding
		says string
	}{
		"small":           {`{"core": 1, "memory": 1, "sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 20}`, nil, ""},
		"large_hdd":       {`{"core": 4, "memory": 8, "sakuracloud_disk_plan": "hdd", "sakuracloud_disk_size": 2048, "ip_addresses": ["172.23.1.12"]}`, nil, ""},
		"defaults":        {`{}`, nil, ""},
		"size_not_sold":   {`{"sakuracloud_disk_size": 30}`, []finding{{"spec.sakuracloud_disk_size", "error"}}, "it offers 20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096 GB"},
		"hdd_only_size":   {`{"sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 12288}`, []finding{{"spec.sakuracloud_disk_size", "error"}}, "not a size of the ssd plan"},
		"unknown_plan":    {`{"sakuracloud_disk_plan": "nvme"}`, []finding{{"spec.sakuracloud_disk_plan", "error"}}, "ssd"},
		"no_cores":        {`{"core": 0}`, []finding{{"spec.core", "error"}}, "1 to 128"},
		"alias_too_many":  {`{"num_cores": 500}`, []finding{{"spec.num_cores", "error"}}, "1 to 128"},
		"alias_over_core": {`{"core": 1, "num_cores": 2}`, nil, ""},
		"memory_in_mb":    {`{"memory": 4096}`, []finding{{"spec.memory", "error"}}, "in GB"},
		"mac_addresses":   {`{"mac_addresses": ["02:00:00:00:00:01"]}`, []finding{{"spec.mac_addresses", "error"}}, "MAC"},
		"ip_is_gateway":   {`{"ip_addresses": ["172.23.1.254"]}`, []finding{{"spec.ip_addresses[0]", "error"}}, "gateway"},
		"ip_outside":      {`{"ip_addresses": ["172.23.9.5"]}`, []finding{{"spec.ip_addresses[0]", "error"}}, "not inside"},
		"disk_not_an_id":  {`{"disks": ["data"]}`, []finding{{"spec.disks[0]", "error"}}, "12-digit"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := New("0").ValidateSpec(context.Background(), e, json.RawMessage(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, findings(diags)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, diags)
			}
			if tc.says != "" && !containsText(diags, tc.says) {
				t.Errorf("no diagnostic says %q: %v", tc.says, diags)
			}
		})
	}
}

// TestFlavors: upstream's flavors pass the plugin's own validation.
func TestFlavors(t *testing.T) {
	for _, f := range flavors {
		raw, _ := json.Marshal(f.Values)
		diags, err := New("0").ValidateSpec(context.Background(), env("tk1a"), raw)
		if err != nil || diags.HasError() {
			t.Errorf("flavor %s: %v %v", f.Name, err, diags)
		}
	}
}

func TestCores(t *testing.T) {
	cases := map[string]struct {
		s    spec
		want int
	}{
		"core":           {spec{Core: 2}, 2},
		"alias_wins":     {spec{Core: 1, NumCores: 4}, 4},
		"alias_only":     {spec{NumCores: 3}, 3},
		"neither_is_bad": {spec{}, 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.s.cores()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func containsText(diags provider.Diagnostics, s string) bool {
	for _, d := range diags {
		if contains(d.Summary+" "+d.Detail, s) {
			return true
		}
	}
	return false
}
