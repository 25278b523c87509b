package ec2x

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/vccproject/vcc/proto/provider"
)

// Diagnose maps an AWS error onto the kit's codes with a message that says
// what to do. field names the input the caller blames by default; the AWS
// error code stays in the detail for people searching AWS's docs.
func Diagnose(err error, field string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return provider.Unreachable("cannot reach EC2: %v", err).Err()
	}
	code, msg := api.ErrorCode(), api.ErrorMessage()
	d := classify(code, msg)
	if d.Field == "" {
		d.Field = field
	}
	if d.Detail == "" {
		d.Detail = "AWS error " + code
	} else {
		d.Detail += " (AWS error " + code + ")"
	}
	return d.Err()
}

// classify is the table from AWS error codes to the kit's codes.
func classify(code, msg string) provider.Diagnostic {
	switch {
	case code == "AuthFailure" || code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" || code == "UnrecognizedClientException":
		return provider.AuthFailed("AWS refused the credentials: %s", msg).
			Because("check access_key and secret_key (PUT /vcp/v1/occtr/credentials/aws/...)")
	case Denied(code):
		// EC2 says UnauthorizedOperation; other AWS APIs and
		// EC2-compatible clouds AccessDenied.
		return provider.Denied("AWS refused the call: %s", msg).On("credentials").
			Because("the IAM policy of these credentials must allow it (see the README's list of EC2 permissions)")
	case strings.HasPrefix(code, "InvalidAMIID"):
		return provider.NotFound("unknown AMI: %s", msg).On("spec.cloud_image").
			Because("set spec.cloud_image to an AMI id or name that exists in this region")
	case strings.HasPrefix(code, "InvalidSubnetID") || code == "InvalidSubnet":
		return provider.NotFound("subnet not found: %s", msg).On("catalog.aws_vpc_subnet_id").
			Because("aws_vpc_subnet_id must be a subnet of aws_region")
	case strings.HasPrefix(code, "InvalidGroup") || strings.HasPrefix(code, "InvalidSecurityGroupID"):
		return provider.NotFound("security group not found: %s", msg).On("catalog.aws_vpc_security_group_id").
			Because("aws_vpc_security_group_id must be a group of the subnet's VPC")
	case code == "Unsupported" || code == "InvalidInstanceType" || (code == "InvalidParameterValue" && strings.Contains(msg, "instance type")):
		return provider.Invalid("instance type not available: %s", msg).On("spec.instance_type").
			Because("pick another spec.instance_type or another availability zone")
	case code == "InvalidIPAddress.InUse" || code == "InvalidParameterValue" && strings.Contains(msg, "address"):
		return provider.Invalid("fixed IP not usable: %s", msg).On("node.fixed_ip")
	case code == "InsufficientInstanceCapacity" || code == "InsufficientCapacity" || code == "SpotMaxPriceTooLow" || code == "MaxSpotInstanceCountExceeded":
		return provider.Capacity("no capacity now: %s", msg).Because("retried with backoff; another instance type or zone may help")
	case code == "InstanceLimitExceeded" || code == "VcpuLimitExceeded" || strings.HasSuffix(code, "LimitExceeded") && code != "RequestLimitExceeded":
		return provider.Quota("an account limit is reached: %s", msg).Because("ask AWS to raise the limit, or delete nodes you no longer need")
	case code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException":
		return provider.Throttled("EC2 asks to slow down: %s", msg)
	case code == "ServiceUnavailable" || code == "InternalError" || code == "Unavailable":
		return provider.Unreachable("EC2 cannot answer now: %s", msg)
	case code == "IncorrectInstanceState" || code == "IncorrectState":
		return provider.Conflict("the instance is busy: %s", msg)
	case strings.HasSuffix(code, ".NotFound"):
		return provider.NotFound("%s", msg)
	}
	return provider.Invalid("EC2 refused the call: %s", msg)
}

// notFoundError is the error EC2 would give for an id it does not know,
// for the rare empty answer without one, so both read the same.
func notFoundError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

// Denied tells an AWS error code of a call the credentials may not make.
func Denied(code string) bool { return code == "UnauthorizedOperation" || code == "AccessDenied" }
