package preflight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

func TestRun(t *testing.T) {
	type got struct {
		Field, Code string
		Warning     bool
	}
	fail := func(d provider.Diagnostic) func(context.Context) error {
		return func(context.Context) error { return d.Err() }
	}
	ok := func(context.Context) error { return nil }
	cases := map[string]struct {
		checks []preflight.Check
		want   []got
	}{
		"all_pass": {[]preflight.Check{{Name: "a", Field: "x", Run: ok}}, nil},
		"refusal_blames_field": {[]preflight.Check{{Name: "the image", Field: "spec.cloud_image", Run: fail(provider.NotFound("no such image"))}},
			[]got{{"spec.cloud_image", provider.CodeNotFound, false}}},
		"own_field_kept": {[]preflight.Check{{Name: "g", Field: "catalog.sg", Run: fail(provider.Invalid("wrong vpc").On("catalog.other"))}},
			[]got{{"catalog.other", provider.CodeInvalid, false}}},
		"unreachable_warns": {[]preflight.Check{{Name: "s", Field: "catalog.subnet", Run: fail(provider.Unreachable("timeout"))}},
			[]got{{"", provider.CodeUnreachable, true}}},
		"denied_warns": {[]preflight.Check{{Name: "s", Field: "catalog.subnet", Run: fail(provider.Denied("policy").On("credentials"))}},
			[]got{{"", provider.CodeDenied, true}}},
		"auth_once": {[]preflight.Check{
			{Name: "a", Field: "x", Run: fail(provider.AuthFailed("bad key"))},
			{Name: "b", Field: "y", Run: fail(provider.AuthFailed("bad key"))}},
			[]got{{"credentials", provider.CodeAuthFailed, false}}},
		"plain_error": {[]preflight.Check{{Name: "a", Field: "x", Run: func(context.Context) error { return errors.New("bug") }}},
			[]got{{"x", provider.CodePluginError, false}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out []got
			for _, d := range preflight.Run(context.Background(), tc.checks...) {
				out = append(out, got{d.Field, d.Code, d.Severity == provider.SeverityWarning})
			}
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFatal(t *testing.T) {
	if !preflight.Fatal(provider.Diagnostics{provider.AuthFailed("x")}) || preflight.Fatal(provider.Diagnostics{provider.Invalid("x")}) {
		t.Error("Fatal must tell refused credentials only")
	}
}
