package sakura

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sacloud/iaas-api-go"

	"github.com/vccproject/vcc/proto/provider"
)

// diagnose maps an error of the Sakura Cloud API onto the kit's codes:
// the host retries by code, picks the HTTP status by code, and the user
// reads what to do. It is the one place that knows the API's error
// shapes (status and error_code).
func diagnose(what string, err error) provider.Diagnostic {
	var e iaas.APIError
	if !errors.As(err, &e) {
		return provider.Unreachable("could not %s: %v", what, err).
			Because("check that the controller reaches the Sakura Cloud API (https://secure.sakura.ad.jp)")
	}
	msg := e.Message()
	if msg == "" {
		msg = e.Code()
	}
	code, status := e.Code(), e.ResponseCode()
	switch {
	case status == http.StatusUnauthorized:
		return provider.AuthFailed("Sakura Cloud refused the API key: %s", msg).
			Because("store a valid API key: PUT /vcp/v1/occtr/credentials/sakura/token and .../sakura/secret")
	case strings.HasPrefix(code, "limit_"): // limit_count_in_zone, limit_memory_in_account, ...
		return provider.Quota("could not %s: %s (%s)", what, msg, code).
			Because("delete servers or disks of the zone, or ask Sakura Cloud to raise the account's limit")
	case status == http.StatusForbidden:
		return provider.Denied("the API key may not %s: %s", what, msg).
			Because("give the API key the access level 作成・削除 (create and delete) in the control panel")
	case status == http.StatusNotFound:
		return provider.NotFound("could not %s: %s", what, msg)
	case status == http.StatusTooManyRequests || strings.Contains(code, "ratelimit"):
		return provider.Throttled("Sakura Cloud throttled the call to %s: %s", what, msg)
	case status == http.StatusConflict || status == http.StatusLocked: // busy, still_creating: retried
		return provider.Conflict("could not %s now: %s", what, msg)
	case status >= 500:
		return provider.Unreachable("Sakura Cloud failed to %s: %s (%d %s)", what, msg, status, code)
	case status == http.StatusBadRequest:
		return provider.Invalid("Sakura Cloud refused to %s: %s", what, msg)
	}
	return provider.New(provider.CodePluginError, "unexpected answer of Sakura Cloud to %s: %v", what, err)
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

// notFound reports whether err is the API's 404.
func notFound(err error) bool {
	var e iaas.APIError
	return errors.As(err, &e) && e.ResponseCode() == http.StatusNotFound
}

// conflict reports whether err is the API's 409 (busy, already in that
// state).
func conflict(err error) bool {
	var e iaas.APIError
	return errors.As(err, &e) && e.ResponseCode() == http.StatusConflict
}
