package provider

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each constructor sets its code and the retry flag the host relies on.
func TestCodeConstructors(t *testing.T) {
	type got struct {
		Code      string
		Retryable bool
		Status    int
	}
	cases := map[string]struct {
		d    Diagnostic
		want got
	}{
		"invalid":     {Invalid("x"), got{CodeInvalid, false, 400}},
		"auth":        {AuthFailed("x"), got{CodeAuthFailed, false, 400}},
		"denied":      {Denied("x"), got{CodeDenied, false, 403}},
		"not_found":   {NotFound("x"), got{CodeNotFound, false, 400}},
		"quota":       {Quota("x"), got{CodeQuota, false, 409}},
		"capacity":    {Capacity("x"), got{CodeCapacity, true, 503}},
		"throttled":   {Throttled("x"), got{CodeThrottled, true, 503}},
		"unreachable": {Unreachable("x"), got{CodeUnreachable, true, 503}},
		"conflict":    {Conflict("x"), got{CodeConflict, true, 409}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, got{tc.d.Code, tc.d.Retryable, HTTPStatus(tc.d.Code)}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !KnownCode(tc.d.Code) || tc.d.Severity != SeverityError {
				t.Errorf("%+v", tc.d)
			}
		})
	}
	if KnownCode("aws_unreachable") || HTTPStatus("whatever") != 400 {
		t.Error("free-form codes must not pass as known")
	}
	if len(Codes()) != 11 {
		t.Errorf("codes %v", Codes())
	}
	d := NotFound("image %s", "x").On("spec.cloud_image").Because("pick %s", "another").Warning()
	if d.Field != "spec.cloud_image" || d.Detail != "pick another" || d.Severity != SeverityWarning || d.Summary != "image x" {
		t.Errorf("builders: %+v", d)
	}
	if got := AsDiagnostics(Quota("q").Err()); len(got) != 1 || got[0].Code != CodeQuota {
		t.Errorf("AsDiagnostics of a diagnostics error: %v", got)
	}
	if got := AsDiagnostics(fmt.Errorf("boom")); len(got) != 1 || got[0].Code != CodePluginError || got[0].Summary != "boom" {
		t.Errorf("AsDiagnostics of a plain error: %v", got)
	}
	if AsDiagnostics(nil) != nil {
		t.Error("AsDiagnostics(nil)")
	}
	if AuthFailed("x").Field != "credentials" {
		t.Error("refused credentials are blamed on credentials")
	}
}
