package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/vccproject/vcc/proto/provider"
)

// apiError is an OpenStack answer that was not the one expected: its
// status and the message of its body, whichever service's shape it has
// (Nova/Cinder {"badRequest": {"message"}}, Neutron {"NeutronError":
// {"type", "message"}}, Keystone {"error": {"message"}}, Glance text).
type apiError struct {
	status int
	kind   string // Neutron's error type, Nova's error key
	msg    string
}

func asAPIError(err error) (apiError, bool) {
	var e gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &e) {
		return apiError{}, false
	}
	out := apiError{status: e.Actual, msg: strings.TrimSpace(string(e.Body))}
	var body map[string]json.RawMessage
	if json.Unmarshal(e.Body, &body) == nil {
		for k, v := range body {
			var inner struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			}
			if json.Unmarshal(v, &inner) == nil && inner.Message != "" {
				out.kind, out.msg = k, inner.Message
				if inner.Type != "" {
					out.kind = inner.Type
				}
			}
		}
	}
	if len(out.msg) > 300 {
		out.msg = out.msg[:300] + "…"
	}
	return out, true
}

// badRequestFields place Nova's 400s on the field to fix, by message.
var badRequestFields = []struct{ says, field, fix string }{
	{"Fixed IP address", "spec.ip_addresses", "pick a fixed IP no other port uses"},
	{"is not a valid IP", "spec.ip_addresses", "pick addresses of the network's subnet"},
	{"Flavor", "spec.flavor_name", "use a flavor of `openstack flavor list`"},
	{"Image", "spec.cloud_image", "use an image of `openstack image list`"},
	{"availability zone", "catalog.availability_zone", "use a zone of `openstack availability zone list`"},
	{"Security group", "catalog.security_groups", "use groups of `openstack security group list`"},
	{"Network", "catalog.network_uuid", "use a network of `openstack network list`"},
	{"volume", "spec.disks", "use available volumes of `openstack volume list`"},
	{"Volume", "spec.volume_size", "give a size the image fits in"},
}

// diagnose maps an OpenStack error onto the kit's codes: the one place
// that knows the services' error shapes.
func diagnose(what string, err error) provider.Diagnostic {
	e, ok := asAPIError(err)
	if !ok {
		return provider.Unreachable("could not %s: %v", what, err).
			Because("check catalog.auth_url and that the cloud's APIs answer from the controller")
	}
	lower := strings.ToLower(e.msg)
	switch {
	case e.status == http.StatusUnauthorized:
		return provider.AuthFailed("Keystone refused the credentials (to %s): %s", what, e.msg).On("credentials").
			Because("store working credentials: user_name and password, or application_credential_id and application_credential_secret; check tenant_name and domain_name")
	case (e.status == http.StatusForbidden || e.status == http.StatusRequestEntityTooLarge) && strings.Contains(lower, "quota"):
		return provider.Quota("could not %s: %s", what, e.msg).Because("delete servers of the project, or ask the cloud's operators for a higher quota")
	case e.status == http.StatusRequestEntityTooLarge || e.status == http.StatusTooManyRequests:
		return provider.Throttled("the cloud limited the call to %s: %s", what, e.msg)
	case e.status == http.StatusForbidden:
		return provider.Denied("not allowed to %s: %s", what, e.msg).Because("give the user (or application credential) the member role on the project")
	case e.status == http.StatusNotFound:
		return provider.NotFound("could not %s: %s", what, e.msg)
	case e.status == http.StatusConflict && e.kind == "IpAddressAlreadyAllocated":
		return provider.Invalid("%s", e.msg).On("spec.ip_addresses").Because("pick a fixed IP no other port uses")
	case e.status == http.StatusConflict && strings.Contains(lower, "quota"):
		return provider.Quota("could not %s: %s", what, e.msg).Because("free resources of the project, or ask for a higher quota")
	case e.status == http.StatusConflict:
		return provider.Conflict("could not %s now: %s", what, e.msg)
	case e.status == http.StatusBadRequest:
		for _, f := range badRequestFields {
			if strings.Contains(e.msg, f.says) {
				return provider.Invalid("the cloud refused to %s: %s", what, e.msg).On(f.field).Because("%s", f.fix)
			}
		}
		return provider.Invalid("the cloud refused to %s: %s", what, e.msg)
	case e.status >= 500:
		return provider.Unreachable("the cloud failed to %s (HTTP %d): %s", what, e.status, e.msg)
	}
	return provider.New(provider.CodePluginError, "unexpected answer of the cloud to %s (HTTP %d): %s", what, e.status, e.msg)
}

// cloudErr is diagnose as an error; a diagnostic stays itself, and a call
// cut by its context stays the context's error.
func cloudErr(what string, err error) error {
	var d *provider.DiagnosticsError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	case errors.As(err, &d):
		return err
	}
	return diagnose(what, err).Err()
}

// isNotFound: the thing is gone.
func isNotFound(err error) bool { return gophercloud.ResponseCodeIs(err, http.StatusNotFound) }

// isConflict: refused in the state the thing is in.
func isConflict(err error) bool { return gophercloud.ResponseCodeIs(err, http.StatusConflict) }
