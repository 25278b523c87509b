package ec2x

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/vccproject/vcc/proto/provider"
)

// Diagnose turns an AWS error into a diagnostic that says what to do.
// field names the input the caller blames by default.
func Diagnose(err error, field string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return provider.RetryableError("aws_unreachable", "cannot reach EC2: %v", err)
	}
	code, msg := api.ErrorCode(), api.ErrorMessage()
	d := provider.Diagnostic{Severity: provider.SeverityError, Code: code, Summary: msg, Field: field}
	switch {
	case code == "AuthFailure" || code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch":
		d.Summary, d.Detail, d.Field = "AWS refused the credentials: "+msg, "check access_key and secret_key (PUT /vcp/v1/occtr/credentials/aws/...)", "credentials"
	case Denied(code):
		// EC2 says UnauthorizedOperation; other AWS APIs and
		// EC2-compatible clouds AccessDenied.
		d.Summary, d.Detail, d.Field = "AWS refused the call: "+msg, "the IAM policy of these credentials must allow it (see the README's list of EC2 permissions)", "credentials"
	case strings.HasPrefix(code, "InvalidAMIID"):
		d.Summary, d.Detail, d.Field = "unknown AMI: "+msg, "set spec.cloud_image to an AMI id or name that exists in this region", "spec.cloud_image"
	case strings.HasPrefix(code, "InvalidSubnetID") || code == "InvalidSubnet":
		d.Summary, d.Detail, d.Field = "subnet not found: "+msg, "aws_vpc_subnet_id must be a subnet of aws_region", "catalog.aws_vpc_subnet_id"
	case strings.HasPrefix(code, "InvalidGroup") || strings.HasPrefix(code, "InvalidSecurityGroupID"):
		d.Summary, d.Detail, d.Field = "security group not found: "+msg, "aws_vpc_security_group_id must be a group of the subnet's VPC", "catalog.aws_vpc_security_group_id"
	case code == "Unsupported" || code == "InvalidInstanceType" || (code == "InvalidParameterValue" && strings.Contains(msg, "instance type")):
		d.Summary, d.Detail, d.Field = "instance type not available: "+msg, "pick another spec.instance_type or another availability zone", "spec.instance_type"
	case code == "InvalidIPAddress.InUse" || code == "InvalidParameterValue" && strings.Contains(msg, "address"):
		d.Summary, d.Field = "fixed IP not usable: "+msg, "node.fixed_ip"
	case code == "InsufficientInstanceCapacity" || code == "InsufficientCapacity" || code == "SpotMaxPriceTooLow" || code == "MaxSpotInstanceCountExceeded":
		d.Summary, d.Detail, d.Retryable, d.Code = "no capacity now: "+msg, "retried with backoff; another instance type or zone may help", true, provider.CodeCapacity
	case code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException" || code == "ServiceUnavailable" || code == "InternalError":
		d.Summary, d.Retryable = "EC2 asks to slow down: "+msg, true
	}
	return provider.Diagnostics{d}.Err()
}

// notFoundError is the error EC2 would give for an id it does not know,
// for the rare empty answer without one, so both read the same.
func notFoundError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

// Denied tells an error code of a call the credentials may not make.
func Denied(code string) bool { return code == "UnauthorizedOperation" || code == "AccessDenied" }
