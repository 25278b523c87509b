package decode_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

var schema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "size", Type: provider.TypeInt, Default: 20, Description: "disk GB"},
}})

type spec struct {
	fields.Spec
	Size  int `json:"size"`
	calls int
}

// Check is the plugin's own check; the embedded common one runs too.
func (s *spec) Check(prefix string) provider.Diagnostics {
	s.calls++
	if s.Size > 100 {
		return provider.Diagnostics{provider.Invalid("at most 100").On(prefix + ".size")}
	}
	return nil
}

func TestInto(t *testing.T) {
	cases := map[string]struct {
		doc        string
		wantFields []string
		wantSize   int
		wantCalls  int
	}{
		"defaults":      {`{}`, nil, 20, 1},
		"own_check":     {`{"size": 101}`, []string{"spec.size"}, 101, 1},
		"common_check":  {`{"num_nodes": -1}`, []string{"spec.num_nodes"}, 20, 1},
		"both":          {`{"num_nodes": -1, "size": 101}`, []string{"spec.num_nodes", "spec.size"}, 101, 1},
		"schema_first":  {`{"size": "big"}`, []string{"spec.size"}, 0, 0},
		"unknown_field": {`{"sise": 3}`, []string{"spec.sise"}, 0, 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var s spec
			var got []string
			for _, d := range decode.Into(schema, json.RawMessage(tc.doc), "spec", &s) {
				got = append(got, d.Field)
			}
			if diff := cmp.Diff(tc.wantFields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if s.Size != tc.wantSize || s.calls != tc.wantCalls {
				t.Errorf("size %d checks %d, want %d and %d", s.Size, s.calls, tc.wantSize, tc.wantCalls)
			}
		})
	}
}

func TestMust(t *testing.T) {
	var s spec
	if err := decode.Must(schema, json.RawMessage(`{"size": 500}`), "spec", &s); err == nil {
		t.Error("a refused document decoded without an error")
	}
}
