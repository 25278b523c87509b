package oracle

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/provider"
)

// diagnose maps an error of the cloud client onto the kit's codes: the
// host retries by code, the API picks its HTTP status by code, and the
// user reads what to do. It is the one place that knows the cloud's error
// shapes: give it your SDK's error types and codes.
func diagnose(what string, err error) provider.Diagnostic {
	var e *cloud.APIError
	if !errors.As(err, &e) {
		return provider.Unreachable("could not %s: %v", what, err).
			Because("check catalog.oracle_endpoint_url and that the cloud's API answers from the controller")
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		return provider.AuthFailed("the cloud refused the API key: %s", e.Message).
			Because("store a valid key: PUT /vcp/v1/occtr/credentials/oracle/api_key")
	case e.Status == http.StatusForbidden && e.Code == "quota_exceeded":
		return provider.Quota("could not %s: %s", what, e.Message).Because("delete servers, or ask the cloud for a higher quota")
	case e.Status == http.StatusForbidden:
		return provider.Denied("not allowed to %s: %s", what, e.Message).Because("give the API key a role that may change servers")
	case e.Status == http.StatusNotFound:
		return provider.NotFound("could not %s: %s", what, e.Message)
	case e.Status == http.StatusConflict && e.Code == "address_in_use":
		return provider.Invalid("%s", e.Message).On("spec.ip_addresses").Because("pick a fixed IP no other server uses")
	case e.Status == http.StatusConflict:
		return provider.Conflict("could not %s now: %s", what, e.Message)
	case e.Status == http.StatusTooManyRequests:
		return provider.Throttled("the cloud throttled the call to %s: %s", what, e.Message)
	case e.Status == http.StatusServiceUnavailable && e.Code == "no_capacity":
		return provider.Capacity("the cloud has no room to %s: %s", what, e.Message)
	case e.Status >= 500:
		return provider.Unreachable("the cloud failed to %s: %v", what, err)
	case e.Status == http.StatusBadRequest:
		return provider.Invalid("the cloud refused to %s: %s", what, e.Message)
	}
	return provider.New(provider.CodePluginError, "unexpected answer of the cloud to %s: %v", what, err)
}

// cloudErr is diagnose as an error. A call cut by its context stays the
// context's error, so the host sees a cancellation, not a cloud failure.
func cloudErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	return diagnose(what, err).Err()
}
