package controller

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// simInfo is a provider as its plugin would describe itself: the common
// spec fields and one of its own with a default.
func simInfo() *provider.Info {
	return &provider.Info{Name: "sim", SpecSchema: provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
		{Name: "instance_type", Type: provider.TypeString, Default: "sim.small"},
	}})}
}

// resolvedView is what a test compares of a resolved spec.
type resolvedView struct {
	Spec         map[string]any
	NumNodes     int
	IPs          []string
	CatalogEntry string
}

// errView is what a test compares of a refusal. A detail's Message is
// compared only when the case gives one: the schema's own wording is
// the protocol module's business.
type errView struct {
	Status  int
	Msg     string
	Details []FieldError
}

func viewErr(t *testing.T, err error, want *errView) *errView {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *controller.Error", err)
	}
	got := &errView{Status: e.Status, Msg: e.Msg, Details: append([]FieldError(nil), e.Details...)}
	for i := range got.Details {
		if want != nil && i < len(want.Details) && want.Details[i].Message == "" {
			got.Details[i].Message = ""
		}
	}
	return got
}

func raw(t *testing.T, m map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// defaults is the spec of a user who sets nothing and names no flavor.
func defaults(over map[string]any) map[string]any {
	out := map[string]any{"num_nodes": 1.0, "cloud_image": "default", "private_network": "default",
		"privileged": true, "auto_replace": false, "instance_type": "sim.small"}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func TestResolveSpec(t *testing.T) {
	flavors := map[string]any{
		"large": map[string]any{"instance_type": "sim.large"},
		"quad":  map[string]any{"instance_type": "sim.large", "num_nodes": 4},
	}
	cases := map[string]struct {
		flavor  string
		user    map[string]any
		want    *resolvedView
		wantErr *errView
	}{
		"schema defaults when the user sets nothing": {
			want: &resolvedView{Spec: defaults(nil), NumNodes: 1, CatalogEntry: "default"},
		},
		"a flavor's values over the defaults": {
			flavor: "large",
			want:   &resolvedView{Spec: defaults(map[string]any{"instance_type": "sim.large"}), NumNodes: 1, CatalogEntry: "default"},
		},
		"the user's values over the flavor's": {
			flavor: "quad", user: map[string]any{"instance_type": "sim.huge", "num_nodes": 2},
			want: &resolvedView{Spec: defaults(map[string]any{"instance_type": "sim.huge", "num_nodes": 2.0}), NumNodes: 2, CatalogEntry: "default"},
		},
		"the count from a flavor": {
			flavor: "quad",
			want:   &resolvedView{Spec: defaults(map[string]any{"instance_type": "sim.large", "num_nodes": 4.0}), NumNodes: 4, CatalogEntry: "default"},
		},
		"private_network names the catalog entry": {
			user: map[string]any{"private_network": "tokyo"},
			want: &resolvedView{Spec: defaults(map[string]any{"private_network": "tokyo"}), NumNodes: 1, CatalogEntry: "tokyo"},
		},
		"fixed IPs set the count": {
			user: map[string]any{"ip_addresses": []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
			want: &resolvedView{Spec: defaults(map[string]any{"num_nodes": 3.0, "ip_addresses": []any{"10.0.0.1", "10.0.0.2", "10.0.0.3"}}),
				NumNodes: 3, IPs: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, CatalogEntry: "default"},
		},
		"num_nodes agreeing with the fixed IPs": {
			user: map[string]any{"num_nodes": 2, "ip_addresses": []string{"10.0.0.1", "10.0.0.2"}},
			want: &resolvedView{Spec: defaults(map[string]any{"num_nodes": 2.0, "ip_addresses": []any{"10.0.0.1", "10.0.0.2"}}),
				NumNodes: 2, IPs: []string{"10.0.0.1", "10.0.0.2"}, CatalogEntry: "default"},
		},
		"a flavor's count yields to the user's fixed IPs": {
			flavor: "quad", user: map[string]any{"ip_addresses": []string{"10.0.0.1", "10.0.0.2"}},
			want: &resolvedView{Spec: defaults(map[string]any{"instance_type": "sim.large", "num_nodes": 2.0, "ip_addresses": []any{"10.0.0.1", "10.0.0.2"}}),
				NumNodes: 2, IPs: []string{"10.0.0.1", "10.0.0.2"}, CatalogEntry: "default"},
		},
		"num_nodes disagreeing with the fixed IPs": {
			user: map[string]any{"num_nodes": 3, "ip_addresses": []string{"10.0.0.1", "10.0.0.2"}},
			wantErr: &errView{Status: 400, Msg: "num_nodes and ip_addresses disagree", Details: []FieldError{{Field: "spec.num_nodes",
				Message: "num_nodes is 3 but 2 ip_addresses are given; one node is made per address, so drop num_nodes or make them agree"}}},
		},
		"malformed and repeated fixed IPs": {
			user: map[string]any{"ip_addresses": []string{"10.0.0.1", "ten", "10.0.0.1"}},
			wantErr: &errView{Status: 400, Msg: "bad fixed IP addresses", Details: []FieldError{
				{Field: "spec.ip_addresses[1]", Message: `"ten" is not an IP address`},
				{Field: "spec.ip_addresses[2]", Message: "10.0.0.1 is already at index 0"},
			}},
		},
		"an unknown flavor, with the ones there are": {
			flavor: "tiny",
			wantErr: &errView{Status: 400, Msg: "unknown flavor", Details: []FieldError{{Field: "flavor",
				Message: `provider sim has no flavor "tiny" (flavors: large, quad)`}}},
		},
		"a field the schema lacks": {
			user:    map[string]any{"colour": "red"},
			wantErr: &errView{Status: 400, Msg: "the spec does not fit provider sim", Details: []FieldError{{Field: "spec.colour"}}},
		},
		"a value of the wrong type": {
			user:    map[string]any{"num_nodes": "two"},
			wantErr: &errView{Status: 400, Msg: "the spec does not fit provider sim", Details: []FieldError{{Field: "spec.num_nodes"}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := resolveSpec(simInfo(), tc.flavor, raw(t, flavors), raw(t, tc.user))
			if diff := cmp.Diff(tc.wantErr, viewErr(t, err, tc.wantErr)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			got := &resolvedView{NumNodes: r.numNodes, IPs: r.ips, CatalogEntry: r.catalogEntry}
			if err := json.Unmarshal(r.json(), &got.Spec); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resolved (-want +got):\n%s", diff)
			}
		})
	}
}
