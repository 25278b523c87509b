package openstack

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
)

// TestValidate: catalog entries and specs checked without a cloud call,
// each problem on its field.
func TestValidate(t *testing.T) {
	c := osemu.New(osemu.Options{}) // never served: validation calls nothing
	c.SetBase("https://cloud.example")
	p := New("t")
	ctx := context.Background()
	entries := []struct {
		name   string
		change map[string]any
		field  string
	}{
		{"good", nil, ""},
		{"url", map[string]any{"auth_url": "keystone:5000"}, "catalog.auth_url"},
		{"region", map[string]any{"region": "bad region"}, "catalog.region"},
		{"empty group", map[string]any{"security_groups": []string{""}}, "catalog.security_groups[0]"},
		{"empty flavor", map[string]any{"flavors": map[string]string{"small": ""}}, "catalog.flavors.small"},
		{"unknown key", map[string]any{"network_name": "x"}, "catalog.network_name"},
	}
	for _, tc := range entries {
		t.Run("catalog/"+tc.name, func(t *testing.T) {
			d, _ := p.ValidateCatalogEntry(ctx, "default", entry(c, tc.change))
			if tc.field == "" && d.HasError() || tc.field != "" && (!d.HasError() || d[0].Field != tc.field) {
				t.Fatalf("%v, want an error on %q", d, tc.field)
			}
		})
	}
	specs := []struct {
		name   string
		change map[string]any
		spec   string
		field  string
	}{
		{"good", nil, `{"flavor_name": "large", "volume_size": 40}`, ""},
		{"site flavor", nil, `{"flavor_name": "m1.xlarge"}`, ""},
		{"no default image", map[string]any{"default_image": nil}, `{}`, "spec.cloud_image"},
		{"named image", map[string]any{"default_image": nil}, `{"cloud_image": "ubuntu"}`, ""},
		{"unmapped flavor", map[string]any{"flavors": map[string]string{"small": "m1.small"}}, `{"flavor_name": "medium"}`, "spec.flavor_name"},
		{"shared disks", nil, `{"num_nodes": 2, "disks": ["` + osemu.DataVolumeID + `"]}`, "spec.disks"},
		{"volume size", nil, `{"volume_size": 20000}`, "spec.volume_size"},
		{"ip outside", nil, `{"ip_addresses": ["10.57.0.4"]}`, "spec.ip_addresses[0]"},
	}
	for _, tc := range specs {
		t.Run("spec/"+tc.name, func(t *testing.T) {
			e := provider.CallEnv{CatalogEntry: entry(c, tc.change)}
			d, _ := p.ValidateSpec(ctx, e, json.RawMessage(tc.spec))
			if tc.field == "" && d.HasError() || tc.field != "" && (!d.HasError() || d[0].Field != tc.field) {
				t.Fatalf("%v, want an error on %q", d, tc.field)
			}
		})
	}
}
