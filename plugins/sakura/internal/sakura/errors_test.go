package sakura

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sacloud/iaas-api-go"

	"github.com/vccproject/vcc/proto/provider"
)

type mapped struct {
	Code      string
	Field     string
	Retryable bool
}

// apiErr is an error as iaas-api-go returns Sakura's answers.
func apiErr(status int, code string) error {
	return iaas.NewAPIError("POST", nil, status, &iaas.APIErrorResponse{IsFatal: true, ErrorCode: code, ErrorMessage: "m"})
}

func TestDiagnose(t *testing.T) {
	cases := map[string]struct {
		err  error
		want mapped
	}{
		"no_answer":      {errors.New("dial tcp: lookup secure.sakura.ad.jp: no such host"), mapped{provider.CodeUnreachable, "", true}},
		"bad_key":        {apiErr(401, "unauthorized"), mapped{provider.CodeAuthFailed, "credentials", false}},
		"wrapped":        {fmt.Errorf("create: %w", apiErr(401, "unauthorized")), mapped{provider.CodeAuthFailed, "credentials", false}},
		"read_only_key":  {apiErr(403, "forbidden"), mapped{provider.CodeDenied, "", false}},
		"zone_limit":     {apiErr(409, "limit_count_in_zone"), mapped{provider.CodeQuota, "", false}},
		"memory_limit":   {apiErr(403, "limit_memory_in_account"), mapped{provider.CodeQuota, "", false}},
		"not_found":      {apiErr(404, "not_found"), mapped{provider.CodeNotFound, "", false}},
		"still_creating": {apiErr(409, "still_creating"), mapped{provider.CodeConflict, "", true}},
		"busy":           {apiErr(409, "busy"), mapped{provider.CodeConflict, "", true}},
		"locked":         {apiErr(423, "locked"), mapped{provider.CodeConflict, "", true}},
		"throttled":      {apiErr(429, "too_many_requests"), mapped{provider.CodeThrottled, "", true}},
		"ratelimit":      {apiErr(503, "ratelimit"), mapped{provider.CodeThrottled, "", true}},
		"maintenance":    {apiErr(503, "service_unavailable"), mapped{provider.CodeUnreachable, "", true}},
		"bad_request":    {apiErr(400, "bad_request"), mapped{provider.CodeInvalid, "", false}},
		"odd_status":     {apiErr(418, "teapot"), mapped{provider.CodePluginError, "", false}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := diagnose("do it", tc.err)
			if diff := cmp.Diff(tc.want, mapped{d.Code, d.Field, d.Retryable}); diff != "" {
				t.Errorf("diagnose (-want +got):\n%s", diff)
			}
			if d.Summary == "" || d.Severity != provider.SeverityError {
				t.Errorf("diagnostic %+v: want an error with a summary", d)
			}
		})
	}
}

// TestCloudErrKeepsCancellation: a cut call is the context's error, not
// a cloud failure the host would record on the node.
func TestCloudErrKeepsCancellation(t *testing.T) {
	err := cloudErr("create the server", fmt.Errorf("POST /server: %w", context.Canceled))
	var de *provider.DiagnosticsError
	if !errors.Is(err, context.Canceled) || errors.As(err, &de) {
		t.Errorf("got %v, want the wrapped context.Canceled", err)
	}
}

func TestAPIKey(t *testing.T) {
	type key struct{ Token, Secret string }
	cases := map[string]struct {
		creds provider.Credentials
		want  key
		code  string
	}{
		"upstream":  {provider.Credentials{"token": "t", "secret": "s"}, key{"t", "s"}, ""},
		"no_secret": {provider.Credentials{"token": "t"}, key{}, provider.CodeAuthFailed},
		"empty":     {provider.Credentials{"token": "", "secret": "s"}, key{}, provider.CodeAuthFailed},
		"none":      {nil, key{}, provider.CodeAuthFailed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tok, sec, err := apiKey(tc.creds)
			var de *provider.DiagnosticsError
			if tc.code != "" && (!errors.As(err, &de) || !de.HasCode(tc.code)) {
				t.Fatalf("got %v, want a %s diagnostic", err, tc.code)
			}
			if diff := cmp.Diff(tc.want, key{tok, sec}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
