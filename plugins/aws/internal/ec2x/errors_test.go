package ec2x

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/vccproject/vcc/proto/provider"
)

func TestDiagnose(t *testing.T) {
	cases := map[string]struct {
		err       error
		field     string
		retryable bool
		code      string
	}{
		"auth":          {&smithy.GenericAPIError{Code: "AuthFailure", Message: "bad"}, "credentials", false, "AuthFailure"},
		"capacity":      {&smithy.GenericAPIError{Code: "InsufficientInstanceCapacity", Message: "none"}, "", true, provider.CodeCapacity},
		"throttling":    {&smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "slow"}, "", true, "RequestLimitExceeded"},
		"instance_type": {&smithy.GenericAPIError{Code: "Unsupported", Message: "not in zone"}, "spec.instance_type", false, "Unsupported"},
		"ip_in_use":     {&smithy.GenericAPIError{Code: "InvalidIPAddress.InUse", Message: "taken"}, "node.fixed_ip", false, "InvalidIPAddress.InUse"},
		"network":       {errors.New("dial tcp: connection refused"), "", true, "aws_unreachable"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var de *provider.DiagnosticsError
			if !errors.As(Diagnose(tc.err, ""), &de) {
				t.Fatal("no diagnostics")
			}
			d := de.Diags[0]
			if d.Field != tc.field || d.Retryable != tc.retryable || d.Code != tc.code {
				t.Errorf("got field %q retryable %v code %q", d.Field, d.Retryable, d.Code)
			}
		})
	}
	if err := Diagnose(context.Canceled, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancellation must stay cancellation: %v", err)
	}
}
