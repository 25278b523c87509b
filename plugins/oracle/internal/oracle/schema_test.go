package oracle

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// errorFields lists the fields of the error diagnostics.
func errorFields(diags provider.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == provider.SeverityError {
			out = append(out, d.Field)
		}
	}
	return out
}

func TestValidateCatalogEntry(t *testing.T) {
	cases := map[string]struct {
		entry string
		want  []string
	}{
		"valid":       {`{"oracle_endpoint_url": "https://api.cloud.example", "oracle_network_id": "n1", "private_network_ipmask": "10.1.0.0/16"}`, nil},
		"no_keys":     {`{}`, []string{"catalog.oracle_endpoint_url", "catalog.oracle_network_id"}},
		"not_http":    {`{"oracle_endpoint_url": "ftp://x", "oracle_network_id": "n1"}`, []string{"catalog.oracle_endpoint_url"}},
		"empty_net":   {`{"oracle_endpoint_url": "http://x", "oracle_network_id": ""}`, []string{"catalog.oracle_network_id"}},
		"narrow_mask": {`{"oracle_endpoint_url": "http://x", "oracle_network_id": "n", "private_network_ipmask": "10.1.0.0/31"}`, []string{"catalog.private_network_ipmask"}},
		"unknown_key": {`{"oracle_endpoint_url": "http://x", "oracle_network_id": "n", "region": "r"}`, []string{"catalog.region"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := New("0").ValidateCatalogEntry(context.Background(), "default", json.RawMessage(tc.entry))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, errorFields(diags)); diff != "" {
				t.Errorf("error fields (-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}

func TestValidateSpec(t *testing.T) {
	e := env("http://127.0.0.1:1", "k") // no call is made
	cases := map[string]struct {
		spec string
		want []string
	}{
		"valid":        {`{"instance_type": "large", "ip_addresses": ["10.20.0.5"], "tags": {"team": "a"}}`, nil},
		"unknown_size": {`{"instance_type": "huge"}`, []string{"spec.instance_type"}},
		"ip_outside":   {`{"ip_addresses": ["10.21.0.5"]}`, []string{"spec.ip_addresses[0]"}},
		"ip_twice":     {`{"num_nodes": 2, "ip_addresses": ["10.20.0.5", "10.20.0.5"]}`, []string{"spec.ip_addresses[1]"}},
		"vcc_tag":      {`{"tags": {"vcc:node_id": "x"}}`, []string{"spec.tags.vcc:node_id"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := New("0").ValidateSpec(context.Background(), e, json.RawMessage(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, errorFields(diags)); diff != "" {
				t.Errorf("error fields (-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}
