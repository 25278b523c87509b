package oracle

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/plugins/oracle/toycloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

type mapped struct {
	Code      string
	Field     string
	Retryable bool
}

func TestDiagnose(t *testing.T) {
	api := func(status int, code string) error { return &cloud.APIError{Status: status, Code: code, Message: "m"} }
	cases := map[string]struct {
		err  error
		want mapped
	}{
		"no_answer":      {errors.New("dial tcp 127.0.0.1:1: connection refused"), mapped{provider.CodeUnreachable, "", true}},
		"bad_key":        {api(401, "unauthorized"), mapped{provider.CodeAuthFailed, "credentials", false}},
		"wrapped":        {fmt.Errorf("create: %w", api(401, "unauthorized")), mapped{provider.CodeAuthFailed, "credentials", false}},
		"quota":          {api(403, "quota_exceeded"), mapped{provider.CodeQuota, "", false}},
		"forbidden":      {api(403, "forbidden"), mapped{provider.CodeDenied, "", false}},
		"not_found":      {api(404, "not_found"), mapped{provider.CodeNotFound, "", false}},
		"address_in_use": {api(409, "address_in_use"), mapped{provider.CodeInvalid, "spec.ip_addresses", false}},
		"conflict":       {api(409, "conflict"), mapped{provider.CodeConflict, "", true}},
		"throttled":      {api(429, "rate_limited"), mapped{provider.CodeThrottled, "", true}},
		"no_capacity":    {api(503, "no_capacity"), mapped{provider.CodeCapacity, "", true}},
		"server_error":   {api(502, "unknown"), mapped{provider.CodeUnreachable, "", true}},
		"bad_request":    {api(400, "invalid_request"), mapped{provider.CodeInvalid, "", false}},
		"odd_status":     {api(418, "teapot"), mapped{provider.CodePluginError, "", false}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := diagnose("do it", tc.err)
			if diff := cmp.Diff(tc.want, mapped{d.Code, d.Field, d.Retryable}); diff != "" {
				t.Errorf("diagnose (-want +got):\n%s", diff)
			}
			if d.Summary == "" || d.Severity != provider.SeverityError {
				t.Errorf("diagnostic %+v: want an error with a summary", d)
			}
		})
	}
}

// TestCloudErrKeepsCancellation: a cut call is the context's error, not
// a cloud failure the host would record on the node.
func TestCloudErrKeepsCancellation(t *testing.T) {
	err := cloudErr("create the server", fmt.Errorf("POST /v1/servers: %w", context.Canceled))
	var de *provider.DiagnosticsError
	if !errors.Is(err, context.Canceled) || errors.As(err, &de) {
		t.Errorf("got %v, want the wrapped context.Canceled", err)
	}
}

// TestCloudRefusals: the toy cloud's real error answers, through the
// client and the plugin, arrive as the kit's codes.
func TestCloudRefusals(t *testing.T) {
	_, full := toycloud.Start(t, func(o *toycloud.Options) { o.Quota = 1 })
	_, roomy := toycloud.Start(t)
	p := New("0.1.0")
	create := func(url, key, fixedIP string) error {
		_, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: env(url, key), FirstAttempt: true,
			Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: fixedIP}, Spec: []byte(`{}`)})
		return err
	}
	for _, url := range []string{full.URL, roomy.URL} {
		if err := create(url, toycloud.TestKey, "10.20.0.7"); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]struct {
		url, key, fixedIP string
		want              string
	}{
		"unknown_key": {roomy.URL, "wrong", "", provider.CodeAuthFailed},
		"reader_key":  {roomy.URL, toycloud.ReaderKey, "", provider.CodeDenied},
		"ip_taken":    {roomy.URL, toycloud.TestKey, "10.20.0.7", provider.CodeInvalid},
		"over_quota":  {full.URL, toycloud.TestKey, "", provider.CodeQuota},
		"no_cloud":    {"http://127.0.0.1:1", toycloud.TestKey, "", provider.CodeUnreachable},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var de *provider.DiagnosticsError
			if err := create(tc.url, tc.key, tc.fixedIP); !errors.As(err, &de) || !de.HasCode(tc.want) {
				t.Errorf("got %v, want a %q diagnostic", err, tc.want)
			}
		})
	}
}
