package ocisdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/vccproject/vcc/proto/provider"
)

// Diagnose maps an error of the SDK onto the kit's codes: the host
// retries by code, the API picks its HTTP status by code, and the user
// reads what to do. It is the one place that knows OCI's error codes.
func Diagnose(what string, err error) provider.Diagnostic {
	var se common.ServiceError
	if !errors.As(err, &se) {
		return provider.Unreachable("could not %s: %v", what, err).
			Because("check catalog.oracle_region (and oracle_endpoint_url if set) and that OCI's API answers from the controller")
	}
	status, code, msg := se.GetHTTPStatusCode(), se.GetCode(), se.GetMessage()
	if id := se.GetOpcRequestID(); id != "" {
		msg += " (opc-request-id " + id + ")"
	}
	switch {
	case status == http.StatusUnauthorized || code == "NotAuthenticated":
		return provider.AuthFailed("OCI refused the API key: %s", msg).On("credentials").
			Because("check user_ocid, fingerprint and private_key: the key's public half must be uploaded to that user of the catalog's tenancy")
	case code == "LimitExceeded" || code == "QuotaExceeded":
		return provider.Quota("could not %s: %s", what, msg).Because("terminate instances, or ask for a higher service limit or compartment quota")
	case strings.Contains(strings.ToLower(msg), "out of host capacity") || code == "OutOfCapacity":
		return provider.Capacity("OCI has no capacity to %s now: %s", what, msg).
			Because("retry later, or pick another shape or availability domain")
	case status == http.StatusTooManyRequests || code == "TooManyRequests":
		return provider.Throttled("OCI throttled the call to %s: %s", what, msg)
	case status == http.StatusNotFound || code == "RelatedResourceNotAuthorizedOrNotFound":
		return provider.NotFound("could not %s: %s", what, msg).
			Because("OCI answers NotAuthorizedOrNotFound both for what does not exist and for what the user's policies hide: check the OCID and the IAM policies (manage instance-family, use virtual-network-family, read images in the compartment)")
	case status == http.StatusForbidden || code == "NotAuthorized":
		return provider.Denied("not allowed to %s: %s", what, msg).Because("give the user's group a policy that allows it in the compartment")
	case status == http.StatusConflict && strings.Contains(msg, "private IP"):
		return provider.Invalid("%s", msg).On("spec.ip_addresses").Because("pick a fixed IP no other VNIC of the subnet uses")
	case code == "IncorrectState" || code == "ExternalServerIncorrectState" || status == http.StatusPreconditionFailed:
		// OCI: the resource is in a state that passes; retry with backoff.
		return provider.Conflict("could not %s now: %s", what, msg)
	case status == http.StatusConflict:
		// OCI's Conflict "is not transient": retrying would not help.
		return provider.Invalid("OCI refused to %s: %s", what, msg)
	case status == http.StatusBadRequest:
		return provider.Invalid("OCI refused to %s: %s", what, msg)
	case status >= 500:
		return provider.Unreachable("OCI failed to %s: %s", what, msg)
	}
	return provider.New(provider.CodePluginError, "unexpected answer of OCI to %s: %d %s %s", what, status, code, msg)
}

// Err is Diagnose as an error. A call cut by its context stays the
// context's error, so the host sees a cancellation, not a cloud failure.
func Err(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	return Diagnose(what, err).Err()
}

// IsStatus reports whether err is OCI's answer with that HTTP status.
func IsStatus(err error, status int) bool {
	var se common.ServiceError
	return errors.As(err, &se) && se.GetHTTPStatusCode() == status
}

// HasCode reports whether err is OCI's answer with that error code.
func HasCode(err error, code string) bool {
	var se common.ServiceError
	return errors.As(err, &se) && se.GetCode() == code
}
