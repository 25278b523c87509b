package openstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/vccproject/vcc/proto/provider"
)

func httpErr(status int, body string) error {
	return gophercloud.ErrUnexpectedResponseCode{Actual: status, Body: []byte(body), Method: "POST", URL: "http://x/servers"}
}

// TestDiagnose: OpenStack's answers, in each service's error shape, map
// onto the kit's codes and fields.
func TestDiagnose(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		code, field string
		retryable   bool
	}{
		{"keystone 401", httpErr(401, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`), provider.CodeAuthFailed, "credentials", false},
		{"nova quota", httpErr(403, `{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}`), provider.CodeQuota, "", false},
		{"nova over limit", httpErr(413, `{"overLimit": {"code": 413, "message": "Quota exceeded for cores"}}`), provider.CodeQuota, "", false},
		{"rate limit", httpErr(429, `{"overLimit": {"code": 429, "message": "Too many requests"}}`), provider.CodeThrottled, "", true},
		{"policy", httpErr(403, `{"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:servers:create to be performed."}}`), provider.CodeDenied, "", false},
		{"not found", httpErr(404, `{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}`), provider.CodeNotFound, "", false},
		{"neutron ip", httpErr(409, `{"NeutronError": {"type": "IpAddressAlreadyAllocated", "message": "IP address 10.0.0.5 already allocated in subnet s", "detail": ""}}`), provider.CodeInvalid, "spec.ip_addresses", false},
		{"neutron quota", httpErr(409, `{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['port'].", "detail": ""}}`), provider.CodeQuota, "", false},
		{"task state", httpErr(409, `{"conflictingRequest": {"code": 409, "message": "Cannot 'stop' instance x while it is in task_state powering-off"}}`), provider.CodeConflict, "", true},
		{"nova fixed ip", httpErr(400, `{"badRequest": {"code": 400, "message": "Fixed IP address 10.0.0.5 is already in use on instance y."}}`), provider.CodeInvalid, "spec.ip_addresses", false},
		{"nova flavor", httpErr(400, `{"badRequest": {"code": 400, "message": "Flavor 99 could not be found."}}`), provider.CodeInvalid, "spec.flavor_name", false},
		{"nova zone", httpErr(400, `{"badRequest": {"code": 400, "message": "The requested availability zone is not available"}}`), provider.CodeInvalid, "catalog.availability_zone", false},
		{"server error", httpErr(503, `<html>Service Unavailable</html>`), provider.CodeUnreachable, "", true},
		{"no answer", fmt.Errorf("dial tcp: connection refused"), provider.CodeUnreachable, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := cloudErr("create server", tc.err)
			var de *provider.DiagnosticsError
			if !errors.As(err, &de) {
				t.Fatalf("%v is no diagnostic", err)
			}
			d := de.Diags[0]
			if d.Code != tc.code || d.Field != tc.field || de.Retryable() != tc.retryable {
				t.Errorf("got %s on %q (retryable %v): %s; want %s on %q", d.Code, d.Field, de.Retryable(), d.Summary, tc.code, tc.field)
			}
		})
	}
	if err := cloudErr("x", fmt.Errorf("wrapped: %w", context.Canceled)); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancellation became %v", err)
	}
	if !isNotFound(httpErr(http.StatusNotFound, "")) {
		t.Error("404 is not found")
	}
}
