package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testSchema = Schema{Attributes: []Attribute{
	{Name: "region", Type: TypeString, Required: true, AllowedValues: []string{"tk1", "is1"}},
	{Name: "count", Type: TypeInt, Default: 1},
	{Name: "ratio", Type: TypeNumber},
	{Name: "on", Type: TypeBool},
	{Name: "ips", Type: TypeStringList},
	{Name: "tags", Type: TypeStringMap},
}}

func TestSchemaValidate(t *testing.T) {
	type finding struct{ Field, Summary string }
	cases := map[string]struct {
		doc  string
		want []finding
	}{
		"valid":                       {`{"region": "tk1", "count": 2, "ratio": 0.5, "on": true, "ips": ["a"], "tags": {"k": "v"}}`, nil},
		"null_is_absent_but_required": {`{"region": null}`, []finding{{"x.region", `required field "region" is missing`}}},
		"not_object":                  {`[1]`, []finding{{"x", "must be a JSON object"}}},
		"unknown_key":                 {`{"region": "tk1", "regoin": "tk1"}`, []finding{{"x.regoin", `unknown field "regoin"`}}},
		"not_allowed":                 {`{"region": "us1"}`, []finding{{"x.region", `"us1" is not allowed`}}},
		"int_fraction":                {`{"region": "tk1", "count": 1.5}`, []finding{{"x.count", "must be an integer, got a number (1.5)"}}},
		"int_string":                  {`{"region": "tk1", "count": "2"}`, []finding{{"x.count", "must be an integer, got a string"}}},
		"int_max":                     {`{"region": "tk1", "count": 9223372036854775807}`, nil},
		"int_min":                     {`{"region": "tk1", "count": -9223372036854775808}`, nil},
		"int_over":                    {`{"region": "tk1", "count": 9223372036854775808}`, []finding{{"x.count", "must be an integer from -9223372036854775808 to 9223372036854775807, got a number (9223372036854775808)"}}},
		"int_under":                   {`{"region": "tk1", "count": -9223372036854775809}`, []finding{{"x.count", "must be an integer from -9223372036854775808 to 9223372036854775807, got a number (-9223372036854775809)"}}},
		"int_exp_over":                {`{"region": "tk1", "count": 1e19}`, []finding{{"x.count", "must be an integer from -9223372036854775808 to 9223372036854775807, got a number (1e19)"}}},
		"int_beyond_float":            {`{"region": "tk1", "count": 1e400}`, []finding{{"x.count", "must be an integer from -9223372036854775808 to 9223372036854775807, got a number (1e400)"}}},
		"int_point_zero":              {`{"region": "tk1", "count": 2.0}`, []finding{{"x.count", "must be an integer, got a number (2.0)"}}},
		"bool_number":                 {`{"region": "tk1", "on": 1}`, []finding{{"x.on", "must be a bool, got a number (1)"}}},
		"list_elem":                   {`{"region": "tk1", "ips": ["a", 2]}`, []finding{{"x.ips[1]", "must be a string, got a number (2)"}}},
		"map_value":                   {`{"region": "tk1", "tags": {"k": false}}`, []finding{{"x.tags.k", "must be a string, got a bool"}}},
		"two_errors":                  {`{"count": "x"}`, []finding{{"x.count", "must be an integer, got a string"}, {"x.region", `required field "region" is missing`}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []finding
			for _, d := range testSchema.Validate(json.RawMessage(tc.doc), "x") {
				got = append(got, finding{d.Field, d.Summary})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnknownFieldSuggestion(t *testing.T) {
	d := testSchema.Validate(json.RawMessage(`{"region": "tk1", "regoin": 1}`), "")
	if len(d) != 1 || d[0].Detail != `did you mean "region"?` {
		t.Fatalf("got %+v", d)
	}
	d = testSchema.Validate(json.RawMessage(`{"region": "tk1", "zzzzzzzz": 1}`), "")
	if len(d) != 1 || !strings.HasPrefix(d[0].Detail, "known fields: count, ips") {
		t.Fatalf("got %+v", d)
	}
}

func TestWithDefaults(t *testing.T) {
	got, err := testSchema.WithDefaults(json.RawMessage(`{"region": "tk1", "ratio": null}`))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(got, &m)
	want := map[string]any{"region": "tk1", "count": float64(1), "ratio": nil}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	c := Credentials{"secret_key": "hunter2"}
	env := CallEnv{Credentials: c, SerfKey: Secret("gossip-hunter2")}
	raw, _ := json.Marshal(env)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", env), fmt.Sprintf("%#v", c), fmt.Sprintf("%v %s %x", env.SerfKey, env.SerfKey, env.SerfKey), string(raw)} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("secret printed: %s", s)
		}
	}
}
