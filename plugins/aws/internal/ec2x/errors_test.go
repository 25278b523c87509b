package ec2x

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

func TestDiagnose(t *testing.T) {
	type got struct {
		Field     string
		Retryable bool
		Code      string
	}
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	cases := map[string]struct {
		err  error
		want got
	}{
		"auth":          {api("AuthFailure"), got{"credentials", false, provider.CodeAuthFailed}},
		"denied":        {api("UnauthorizedOperation"), got{"credentials", false, provider.CodeDenied}},
		"capacity":      {api("InsufficientInstanceCapacity"), got{"", true, provider.CodeCapacity}},
		"quota":         {api("InstanceLimitExceeded"), got{"", false, provider.CodeQuota}},
		"throttling":    {api("RequestLimitExceeded"), got{"", true, provider.CodeThrottled}},
		"unavailable":   {api("ServiceUnavailable"), got{"", true, provider.CodeUnreachable}},
		"busy":          {api("IncorrectInstanceState"), got{"", true, provider.CodeConflict}},
		"ami":           {api("InvalidAMIID.NotFound"), got{"spec.cloud_image", false, provider.CodeNotFound}},
		"other_missing": {api("InvalidVolume.NotFound"), got{"", false, provider.CodeNotFound}},
		"instance_type": {api("Unsupported"), got{"spec.instance_type", false, provider.CodeInvalid}},
		"ip_in_use":     {api("InvalidIPAddress.InUse"), got{"node.fixed_ip", false, provider.CodeInvalid}},
		"unknown":       {api("SomethingNew"), got{"", false, provider.CodeInvalid}},
		"network":       {errors.New("dial tcp: connection refused"), got{"", true, provider.CodeUnreachable}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var de *provider.DiagnosticsError
			if !errors.As(Diagnose(tc.err, ""), &de) {
				t.Fatal("no diagnostics")
			}
			d := de.Diags[0]
			if diff := cmp.Diff(tc.want, got{d.Field, d.Retryable, d.Code}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := Diagnose(context.Canceled, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancellation must stay cancellation: %v", err)
	}
}
