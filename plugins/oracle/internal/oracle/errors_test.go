package oracle

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

func diagOf(t *testing.T, err error) provider.Diagnostic {
	t.Helper()
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || len(de.Diags) == 0 {
		t.Fatalf("not a diagnostic: %v", err)
	}
	return de.Diags[0]
}

func nodeReq(e provider.CallEnv, spec string) provider.NodeRequest {
	id := providertest.NewNodeID()
	return provider.NodeRequest{Env: e, Spec: json.RawMessage(spec), FirstAttempt: true,
		Node: provider.NodeRef{NodeID: id, NodeNo: 1, VCID: providertest.NewNodeID(), UnitName: "u", CloudInstanceName: "VCP-" + id[:8]}}
}

// TestErrorMapping: OCI's errors, as the emulator answers them and the SDK
// reads them, land on the kit's codes (and so on the host's retries and
// HTTP statuses).
func TestErrorMapping(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	e := env(w, srv.URL)
	cases := []struct {
		name          string
		status        int
		code, message string
		want          string
		retryable     bool
	}{
		{"not authenticated", 401, "NotAuthenticated", "The required information to complete authentication was not provided.", provider.CodeAuthFailed, false},
		{"not authorized or not found", 404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.", provider.CodeNotFound, false},
		{"not authorized", 403, "NotAuthorized", "You do not have authorization to update one or more of the fields.", provider.CodeDenied, false},
		{"limit", 400, "LimitExceeded", "You have reached your service limit.", provider.CodeQuota, false},
		{"quota", 400, "QuotaExceeded", "Compartment quota exceeded.", provider.CodeQuota, false},
		{"out of capacity", 500, "InternalError", "Out of host capacity.", provider.CodeCapacity, true},
		{"throttled", 429, "TooManyRequests", "Too many requests for the user.", provider.CodeThrottled, true},
		{"invalid", 400, "InvalidParameter", "Invalid shape.", provider.CodeInvalid, false},
		{"conflict", 409, "Conflict", "The requested state conflicts with the current one.", provider.CodeInvalid, false},
		{"related not found", 400, "RelatedResourceNotAuthorizedOrNotFound", "Authorization failed or requested resource not found.", provider.CodeNotFound, false},
		{"incorrect state", 409, "IncorrectState", "Instance is STOPPING.", provider.CodeConflict, true},
		{"internal", 503, "ServiceUnavailable", "Try again.", provider.CodeUnreachable, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.Fail("LaunchInstance", 1, tc.status, tc.code, tc.message)
			_, err := p.CreateNode(context.Background(), nodeReq(e, `{}`))
			d := diagOf(t, err)
			if d.Code != tc.want || d.Retryable != tc.retryable {
				t.Errorf("got %s (retryable %v): %v; want %s", d.Code, d.Retryable, d, tc.want)
			}
		})
	}
	if n := len(w.Live()); n != 0 {
		t.Errorf("%d instances made by failed launches", n)
	}
}

// TestNoSDKRetries: whatever OCI_SDK_DEFAULT_RETRY_ENABLED and
// OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED say, the SDK makes one request
// per call; the host is the one that retries.
func TestNoSDKRetries(t *testing.T) {
	t.Setenv("OCI_SDK_DEFAULT_RETRY_ENABLED", "true")
	t.Setenv("OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED", "true")
	w, srv := ociemu.Start(t)
	p := New("test")
	e := env(w, srv.URL)
	w.Fail("LaunchInstance", 20, 429, "TooManyRequests", "slow down")
	for i := 0; i < 12; i++ {
		_, err := p.CreateNode(context.Background(), nodeReq(e, `{}`))
		if d := diagOf(t, err); d.Code != provider.CodeThrottled {
			t.Fatalf("call %d: %v (a circuit breaker would answer differently)", i, d)
		}
	}
	if n := w.Calls("LaunchInstance"); n != 12 {
		t.Errorf("%d LaunchInstance requests for 12 calls", n)
	}
}

// TestWrongKeyAtPreflight: a key OCI does not know for the user is refused
// at preflight with an error on credentials, before anything is made; a
// private key that is not PEM is refused without a call.
func TestWrongKeyAtPreflight(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	_, other, err := ociemu.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, key, want string
	}{
		{"another key", other, "credentials"},
		{"not pem", "not a key", "credentials.private_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := env(w, srv.URL)
			e.Credentials["private_key"] = tc.key
			res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(`{}`)})
			var diags provider.Diagnostics
			if err != nil {
				diags = provider.AsDiagnostics(err)
			} else {
				diags = res.Diagnostics
			}
			var got []string
			for _, d := range diags {
				if d.Severity == provider.SeverityError && d.Code == provider.CodeAuthFailed {
					got = append(got, d.Field)
				}
			}
			if diff := cmp.Diff([]string{tc.want}, got); diff != "" {
				t.Errorf("auth_failed fields (-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
	if n := len(w.Instances()); n != 0 {
		t.Errorf("%d instances", n)
	}
}
