package openstack

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
)

// TestPreflight: each thing that would make the create fail is an error
// on its field, found with reads only; a good request has none.
func TestPreflight(t *testing.T) {
	c := osemu.Start(t, fast)
	p := New("t")
	taken := env(c)
	mustCreate(t, p, taken, node(1, "10.56.0.60"), `{}`, true)
	before := len(c.State().Servers)
	cases := []struct {
		name   string
		change map[string]any
		creds  provider.Credentials
		spec   string
		ip     string
		field  string
	}{
		{name: "good", spec: `{}`, ip: "10.56.0.61"},
		{name: "image", spec: `{"cloud_image": "nope"}`, field: "spec.cloud_image"},
		{name: "flavor", spec: `{"flavor_name": "m9.huge"}`, field: "spec.flavor_name"},
		{name: "unmapped flavor", change: map[string]any{"flavors": map[string]string{"small": "m1.small"}}, spec: `{"flavor_name": "large"}`, field: "spec.flavor_name"},
		{name: "network", change: map[string]any{"network_uuid": "00000000-0000-4000-8000-000000000000"}, spec: `{}`, field: "catalog.network_uuid"},
		{name: "ip taken", spec: `{}`, ip: "10.56.0.60", field: "spec.ip_addresses"},
		{name: "ip outside subnet", change: map[string]any{"private_network_ipmask": "10.0.0.0/8"}, spec: `{}`, ip: "10.99.0.5", field: "spec.ip_addresses"},
		{name: "security group", change: map[string]any{"security_groups": []string{"nope"}}, spec: `{}`, field: "catalog.security_groups[0]"},
		{name: "zone", change: map[string]any{"availability_zone": "mars"}, spec: `{}`, field: "catalog.availability_zone"},
		{name: "floating pool", change: map[string]any{"floating_ip_pool": "nope"}, spec: `{}`, field: "catalog.floating_ip_pool"},
		{name: "disk", spec: `{"disks": ["00000000-0000-4000-8000-000000000001"]}`, field: "spec.disks[0]"},
		{name: "password", creds: provider.Credentials{"user_name": osemu.UserName, "password": "x"}, spec: `{}`, field: "credentials"},
		{name: "app credential", creds: provider.Credentials{"application_credential_id": osemu.AppCredID, "application_credential_secret": "x"}, spec: `{}`, field: "credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := env(c)
			e.CatalogEntry = entry(c, tc.change)
			if tc.creds != nil {
				e.Credentials = tc.creds
			}
			res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(tc.spec), Nodes: []provider.NodeRef{node(1, tc.ip)}})
			if err != nil {
				t.Fatal(err)
			}
			var errs []provider.Diagnostic
			for _, d := range res.Diagnostics {
				if d.Severity == provider.SeverityError {
					errs = append(errs, d)
				}
			}
			if tc.field == "" && len(errs) != 0 || tc.field != "" && (len(errs) != 1 || errs[0].Field != tc.field) {
				t.Fatalf("preflight: %v, want one error on %q", res.Diagnostics, tc.field)
			}
		})
	}
	if len(c.State().Servers) != before {
		t.Errorf("the preflight made a server")
	}
}
