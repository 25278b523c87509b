package fields_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

type finding struct {
	Field, Code string
	Warning     bool
}

func findings(diags provider.Diagnostics) []finding {
	var out []finding
	for _, d := range diags {
		out = append(out, finding{d.Field, d.Code, d.Severity == provider.SeverityWarning})
	}
	return out
}

type catalog struct {
	fields.Network
}

type spec struct {
	fields.Spec
}

func TestNetwork(t *testing.T) {
	cases := map[string]struct {
		doc  string
		want []finding
	}{
		"ok":             {`{"private_network_ipmask": "172.30.2.0/24", "ntp_servers": ["ntp.example.org", "10.0.0.1"], "cloud_instance_dns_servers": ["10.0.0.2"]}`, nil},
		"unset":          {`{}`, nil},
		"not_cidr":       {`{"private_network_ipmask": "172.30.2.0"}`, []finding{{"catalog.private_network_ipmask", provider.CodeInvalid, false}}},
		"ipv6":           {`{"private_network_ipmask": "fd00::/64"}`, []finding{{"catalog.private_network_ipmask", provider.CodeInvalid, false}}},
		"too_narrow":     {`{"private_network_ipmask": "10.0.0.0/31"}`, []finding{{"catalog.private_network_ipmask", provider.CodeInvalid, false}}},
		"host_bits":      {`{"private_network_ipmask": "10.0.0.5/24"}`, []finding{{"catalog.private_network_ipmask", provider.CodeInvalid, true}}},
		"bad_ntp":        {`{"ntp_servers": ["not a host"]}`, []finding{{"catalog.ntp_servers[0]", provider.CodeInvalid, false}}},
		"dns_needs_ip":   {`{"cloud_instance_dns_servers": ["dns.example.org"]}`, []finding{{"catalog.cloud_instance_dns_servers[0]", provider.CodeInvalid, false}}},
		"schema_unknown": {`{"private_network_mask": "10.0.0.0/24"}`, []finding{{"catalog.private_network_mask", provider.CodeInvalid, false}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var c catalog
			got := decode.Into(provider.CommonCatalogAttributes(), json.RawMessage(tc.doc), "catalog", &c)
			if diff := cmp.Diff(tc.want, findings(got)); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, got)
			}
		})
	}
}

func TestSpec(t *testing.T) {
	cases := map[string]struct {
		doc  string
		want []finding
	}{
		"defaults":          {`{}`, nil},
		"fixed_ips":         {`{"num_nodes": 2, "ip_addresses": ["10.0.0.5", "10.0.0.6"]}`, nil},
		"count_disagrees":   {`{"num_nodes": 3, "ip_addresses": ["10.0.0.5", "10.0.0.6"]}`, []finding{{"spec.num_nodes", provider.CodeInvalid, false}}},
		"negative":          {`{"num_nodes": -1}`, []finding{{"spec.num_nodes", provider.CodeInvalid, false}}},
		"ip_twice":          {`{"num_nodes": 2, "ip_addresses": ["10.0.0.5", "10.0.0.5"]}`, []finding{{"spec.ip_addresses[1]", provider.CodeInvalid, false}}},
		"ip_bad":            {`{"num_nodes": 1, "ip_addresses": ["10.0.0"]}`, []finding{{"spec.ip_addresses[0]", provider.CodeInvalid, false}}},
		"mac_count":         {`{"num_nodes": 2, "mac_addresses": ["02:00:00:00:00:01"]}`, []finding{{"spec.mac_addresses", provider.CodeInvalid, false}}},
		"mac_bad":           {`{"mac_addresses": ["zz"]}`, []finding{{"spec.mac_addresses[0]", provider.CodeInvalid, false}}},
		"disk_twice":        {`{"disks": ["vol-1", "vol-1"]}`, []finding{{"spec.disks[1]", provider.CodeInvalid, false}}},
		"reserved_tag":      {`{"tags": {"vcc:node_id": "x"}}`, []finding{{"spec.tags.vcc:node_id", provider.CodeInvalid, false}}},
		"long_tag":          {`{"tags": {"k": "` + strings.Repeat("v", 300) + `"}}`, []finding{{"spec.tags.k", provider.CodeInvalid, false}}},
		"params_v":          {`{"params_v": ["/data:/data:ro", "/data", "/a:rel"]}`, []finding{{"spec.params_v[1]", provider.CodeInvalid, false}, {"spec.params_v[2]", provider.CodeInvalid, false}}},
		"params_e":          {`{"params_e": ["A=1", "1A=2", "B"]}`, []finding{{"spec.params_e[1]", provider.CodeInvalid, false}, {"spec.params_e[2]", provider.CodeInvalid, false}}},
		"image":             {`{"image": "Bad Image"}`, []finding{{"spec.image", provider.CodeInvalid, false}}},
		"image_ok":          {`{"image": "registry.example.org:5000/vcp/base:1.0"}`, nil},
		"user_init_size":    {`{"user_init_command": "` + strings.Repeat("x", fields.MaxUserInitCommand+1) + `"}`, []finding{{"spec.user_init_command", provider.CodeInvalid, false}}},
		"user_init_shebang": {`{"user_init_command": "#!bash\necho"}`, []finding{{"spec.user_init_command", provider.CodeInvalid, false}}},
		"user_init_ok":      {`{"user_init_command": "#!/bin/sh\necho hi"}`, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var s spec
			got := decode.Into(provider.CommonSpecAttributes(), json.RawMessage(tc.doc), "spec", &s)
			if diff := cmp.Diff(tc.want, findings(got)); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, got)
			}
		})
	}
}

func TestFixedIPsInsideNetwork(t *testing.T) {
	var c catalog
	if d := decode.Into(provider.CommonCatalogAttributes(), json.RawMessage(`{"private_network_ipmask": "10.1.0.0/24"}`), "catalog", &c); d.HasError() {
		t.Fatal(d)
	}
	var s spec
	doc := `{"num_nodes": 4, "ip_addresses": ["10.1.0.5", "10.2.0.5", "10.1.0.0", "10.1.0.255"]}`
	if d := decode.Into(provider.CommonSpecAttributes(), json.RawMessage(doc), "spec", &s); d.HasError() {
		t.Fatal(d)
	}
	want := []finding{{"spec.ip_addresses[1]", provider.CodeInvalid, false}, {"spec.ip_addresses[2]", provider.CodeInvalid, false}, {"spec.ip_addresses[3]", provider.CodeInvalid, false}}
	if diff := cmp.Diff(want, findings(s.CheckFixedIPs(&c.Network, "spec"))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var none catalog
	if d := s.CheckFixedIPs(&none.Network, "spec"); len(d) != 0 {
		t.Errorf("no mask, yet %v", d)
	}
}
