package armclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/vccproject/vcc/proto/provider"
)

// azureErr is Azure's answer as the SDK reports it.
func azureErr(status int, code, msg string) error {
	body := fmt.Sprintf(`{"error": {"code": %q, "message": %q}}`, code, msg)
	u, _ := url.Parse("https://management.azure.com/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v")
	resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"X-Ms-Error-Code": {code}},
		Body: io.NopCloser(strings.NewReader(body)), Request: &http.Request{Method: http.MethodPut, URL: u}}
	return fmt.Errorf("wrapped: %w", runtime.NewResponseError(resp))
}

func TestDiagnose(t *testing.T) {
	for _, c := range []struct {
		status      int
		code, msg   string
		want, field string
	}{
		{401, "InvalidAuthenticationToken", "The access token is invalid.", provider.CodeAuthFailed, "credentials"},
		{403, "AuthorizationFailed", "The client does not have authorization to perform action", provider.CodeDenied, ""},
		{404, "SubscriptionNotFound", "The subscription could not be found.", provider.CodeNotFound, "credentials.subscription_id"},
		{404, "ResourceGroupNotFound", "Resource group 'g' could not be found.", provider.CodeNotFound, "catalog.azure_resource_group_name"},
		{409, "SkuNotAvailable", "The requested VM size is currently not available", provider.CodeInvalid, "spec.vm_size"},
		{409, "OperationNotAllowed", "Operation could not be completed as it results in exceeding approved Total Regional Cores quota.", provider.CodeQuota, ""},
		{409, "QuotaExceeded", "too many", provider.CodeQuota, ""},
		{409, "AllocationFailed", "Allocation failed.", provider.CodeCapacity, ""},
		{409, "ZonalAllocationFailed", "Allocation failed.", provider.CodeCapacity, ""},
		{409, "OperationNotAllowed", "Operation 'start' is not allowed since the VM is marked for deletion.", provider.CodeConflict, ""},
		{409, "Conflict", "Another operation is in progress.", provider.CodeConflict, ""},
		{404, "ResourceNotFound", "The Resource was not found.", provider.CodeNotFound, ""},
		{404, "PlatformImageNotFound", "not available", provider.CodeNotFound, ""},
		{400, "PrivateIPAddressIsAllocated", "already allocated", provider.CodeInvalid, "spec.ip_addresses"},
		{409, "ConflictingUserInput", "Cannot attach the disk d to VM v because it is already attached to VM w.", provider.CodeInvalid, "spec.disks"},
		{409, "OperationNotAllowed", "The maximum number of data disks allowed to be attached to a VM of this size is 2.", provider.CodeInvalid, "spec.disks"},
		{400, "InvalidParameter", "Requested operation cannot be performed because the VM size Standard_D4_v2 does not support the storage account type Premium_LRS of disk 'd'.", provider.CodeInvalid, "spec.disks"},
		{400, "BadRequest", "Disk d cannot be attached to the VM because it is not in the same zone as the VM.", provider.CodeInvalid, "spec.disks"},
		{429, "TooManyRequests", "slow down", provider.CodeThrottled, ""},
		{503, "ServiceUnavailable", "later", provider.CodeUnreachable, ""},
		{400, "InvalidParameter", "bad", provider.CodeInvalid, ""},
	} {
		t.Run(c.code, func(t *testing.T) {
			d := Diagnose("create VM v", azureErr(c.status, c.code, c.msg))
			if d.Code != c.want || d.Field != c.field {
				t.Errorf("%s %d: code %s field %q, want %s %q (%s)", c.code, c.status, d.Code, d.Field, c.want, c.field, d.Summary)
			}
			if !strings.Contains(d.Summary, c.msg) {
				t.Errorf("the summary lacks Azure's message: %s", d.Summary)
			}
		})
	}
	if d := Diagnose("x", errors.New("dial tcp: connection refused")); d.Code != provider.CodeUnreachable {
		t.Errorf("no answer: %s", d.Code)
	}
	if err := Err("x", context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled call is not the context's error: %v", err)
	}
}
