package armclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/vccproject/vcc/proto/provider"
)

// Err maps an error of a call that tried to what onto the kit's codes,
// with what to do. A call cut by its context stays the context's error.
func Err(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	return Diagnose(what, err).Err()
}

// Code is Azure's error code of err ("" when Azure did not answer).
func Code(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// IsNotFound: Azure answered 404.
func IsNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// Diagnose is the one place that knows Azure's error codes.
func Diagnose(what string, err error) provider.Diagnostic {
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) {
		return provider.AuthFailed("Microsoft Entra ID refused the service principal: %s", aadReason(af)).On("credentials").
			Because("store the tenant id, the application (client) id and a current client secret value (not the secret's id): PUT /vcp/v1/occtr/credentials/azure/{tenant_id,client_id,client_secret}")
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return provider.Unreachable("could not %s: %v", what, err).
			Because("check that the controller reaches Azure Resource Manager and the sign-in endpoint (or the catalog entry's endpoint overrides)")
	}
	code, msg := re.ErrorCode, message(re)
	lower := strings.ToLower(code)
	switch {
	case strings.HasPrefix(code, "InvalidAuthenticationToken") || code == "AuthenticationFailed" || code == "ExpiredAuthenticationToken":
		return provider.AuthFailed("Azure refused the sign-in token to %s: %s (%s)", what, msg, code).On("credentials").
			Because("check tenant_id and subscription_id: the service principal must belong to the subscription's tenant")
	case code == "AuthorizationFailed" || code == "LinkedAuthorizationFailed" || re.StatusCode == http.StatusForbidden:
		return provider.Denied("the service principal may not %s: %s (%s)", what, msg, code).
			Because("assign it the roles Virtual Machine Contributor and Network Contributor on the resource group (az role assignment create)")
	case code == "SubscriptionNotFound" || code == "InvalidSubscriptionId":
		return provider.NotFound("could not %s: %s (%s)", what, msg, code).On("credentials.subscription_id").
			Because("store the id of a subscription the service principal has access to")
	case code == "ResourceGroupNotFound":
		return provider.NotFound("could not %s: %s", what, msg).On("catalog.azure_resource_group_name").
			Because("name an existing resource group of the subscription in vpn_catalog.yml")
	case code == "QuotaExceeded" || strings.Contains(strings.ToLower(msg), "quota"):
		return provider.Quota("could not %s: %s (%s)", what, msg, code).
			Because("delete or deallocate VMs, pick a smaller vm_size, or request a quota increase in the Azure portal (Subscriptions > Usage + quotas)")
	case code == "SkuNotAvailable":
		return provider.Invalid("could not %s: %s", what, msg).On("spec.vm_size").
			Because("pick another vm_size, or another azure_location or azure_zone; az vm list-skus --location LOCATION --size SIZE shows restrictions")
	case strings.Contains(lower, "allocationfailed") || code == "OverconstrainedAllocationRequest" || code == "OverconstrainedZonalAllocationRequest":
		return provider.Capacity("Azure has no capacity to %s now: %s (%s)", what, msg, code).
			Because("retry later, or pick another vm_size or azure_zone")
	case code == "ConflictingUserInput" || (code == "BadRequest" && strings.Contains(msg, "cannot be attached to the VM")) ||
		strings.Contains(msg, "maximum number of data disks") || strings.Contains(msg, "does not support the storage account type"):
		// A data disk held by another VM, or in another zone: waiting
		// does not help.
		return provider.Invalid("could not %s: %s (%s)", what, msg, code).On("spec.disks").
			Because("attach disks that no VM holds, in the node's location and zone (azure_zone of its catalog entry), no more than its vm_size takes; Premium disks need a vm_size with premium storage (an s in its name, like Standard_D2s_v3)")
	case code == "PrivateIPAddressIsAllocated" || code == "PrivateIPAddressInReservedRange" || code == "PrivateIPAddressNotInSubnet":
		return provider.Invalid("could not %s: %s (%s)", what, msg, code).On("spec.ip_addresses").
			Because("give free addresses of the subnet; Azure keeps the first four and the last one")
	case re.StatusCode == http.StatusNotFound || strings.HasSuffix(code, "NotFound"):
		return provider.NotFound("could not %s: %s (%s)", what, msg, code)
	case re.StatusCode == http.StatusTooManyRequests:
		return provider.Throttled("Azure throttled the call to %s: %s", what, msg)
	case code == "OperationNotAllowed" || code == "Conflict" || code == "OperationPreempted" || code == "RetryableError" || re.StatusCode == http.StatusConflict:
		return provider.Conflict("could not %s now: %s (%s)", what, msg, code)
	case re.StatusCode >= 500:
		return provider.Unreachable("Azure failed to %s: %s (%d %s)", what, msg, re.StatusCode, code)
	case re.StatusCode == http.StatusBadRequest:
		return provider.Invalid("Azure refused to %s: %s (%s)", what, msg, code)
	}
	return provider.New(provider.CodePluginError, "unexpected answer of Azure to %s: %d %s: %s", what, re.StatusCode, code, msg)
}

// message is Azure's error message of the answer.
func message(re *azcore.ResponseError) string {
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if re.RawResponse != nil {
		raw, _ := runtime.Payload(re.RawResponse) // cached: reads again
		if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
			return body.Error.Message
		}
	}
	return http.StatusText(re.StatusCode)
}

// aadReason is the AADSTS line of a refused sign-in.
func aadReason(af *azidentity.AuthenticationFailedError) string {
	var body struct {
		Desc string `json:"error_description"`
	}
	if af.RawResponse != nil {
		raw, _ := runtime.Payload(af.RawResponse)
		if json.Unmarshal(raw, &body) == nil && body.Desc != "" {
			line, _, _ := strings.Cut(body.Desc, "\r\n")
			return line
		}
	}
	// No answer of Entra ID (TLS, network): its own words.
	return strings.Join(strings.Fields(af.Error()), " ")
}
