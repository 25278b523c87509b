package providerplugin_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// fake is a provider whose answers the test sets.
type fake struct {
	info   *provider.Info
	spec   provider.Diagnostics
	create func(ctx context.Context) (*provider.NodeStatus, error)
	gotReq provider.NodeRequest
	gotDes provider.DescribeRequest
}

func (f *fake) GetInfo(context.Context) (*provider.Info, error) { return f.info, nil }
func (f *fake) ValidateCatalogEntry(context.Context, string, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}
func (f *fake) ValidateSpec(context.Context, provider.CallEnv, json.RawMessage) (provider.Diagnostics, error) {
	return f.spec, nil
}
func (f *fake) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	f.gotReq = req
	return f.create(ctx)
}
func (f *fake) DeleteNode(context.Context, provider.NodeRequest) error { return nil }
func (f *fake) DescribeNodes(_ context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	f.gotDes = req
	return []provider.NodeStatus{{NodeID: "n", CloudInstanceID: "i-1", State: provider.InstancePending}}, nil
}
func (f *fake) PowerOn(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}
func (f *fake) PowerOff(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}
func (f *fake) Reboot(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}

// TestInfoRoundTrip: everything GetInfo says survives the wire.
func TestInfoRoundTrip(t *testing.T) {
	info := &provider.Info{
		Name: "x", Version: "1.2.3", Description: "d", Aliases: []string{"x-alias"},
		Capabilities:   []provider.Capability{provider.CapPower, provider.CapSpot, provider.CapSimulator},
		CatalogSchema:  provider.Schema{Attributes: []provider.Attribute{{Name: "region", Type: provider.TypeString, Required: true, AllowedValues: []string{"a"}}}},
		SpecSchema:     provider.Schema{Attributes: []provider.Attribute{{Name: "n", Type: provider.TypeInt, Default: float64(3), Sensitive: true, Description: "nodes"}}},
		Flavors:        []provider.Flavor{{Name: "small", Description: "s", Values: map[string]any{"n": float64(1)}}},
		CredentialKeys: []provider.CredentialKey{{Name: "token", Description: "t", Required: true, Aliases: []string{"old_token"}}},
	}
	got, err := providertest.Connect(t, &fake{info: info}).GetInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := *info
	want.ProtocolVersion = 1
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestErrorsCrossTheWire: domain errors arrive as diagnostics, plain
// errors as plugin errors, panics as diagnostics (the plugin survives),
// cancellation as a gRPC status; the request arrives whole.
func TestErrorsCrossTheWire(t *testing.T) {
	cases := map[string]struct {
		create   func(ctx context.Context) (*provider.NodeStatus, error)
		wantCode string
		wantText string
		retry    bool
		grpc     codes.Code
	}{
		"diagnostic": {
			create: func(context.Context) (*provider.NodeStatus, error) {
				return nil, provider.RetryableError("throttled", "slow down")
			},
			wantCode: "throttled", wantText: "slow down", retry: true,
		},
		"plain_error": {
			create:   func(context.Context) (*provider.NodeStatus, error) { return nil, errors.New("boom") },
			wantCode: provider.CodePluginError, wantText: "boom",
		},
		"panic": {
			create:   func(context.Context) (*provider.NodeStatus, error) { panic("nil map") },
			wantCode: provider.CodePluginError, wantText: "plugin panicked: nil map",
		},
		"cancelled": {
			create: func(ctx context.Context) (*provider.NodeStatus, error) { <-ctx.Done(); return nil, ctx.Err() },
			grpc:   codes.Canceled,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &fake{info: &provider.Info{Name: "x"}, create: tc.create}
			p := providertest.Connect(t, f)
			ctx, cancel := context.WithCancel(context.Background())
			if tc.grpc == codes.Canceled {
				cancel()
			}
			defer cancel()
			_, err := p.CreateNode(ctx, provider.NodeRequest{
				Env:  provider.CallEnv{ControllerID: "c", Credentials: provider.Credentials{"k": "v"}, CatalogEntry: json.RawMessage(`{"a":1}`), SerfKey: provider.Secret("key")},
				Node: provider.NodeRef{NodeID: "n", NodeNo: 2, FixedIP: "10.0.0.1"},
				Spec: json.RawMessage(`{"b":2}`),
			})
			if tc.grpc != codes.OK {
				if status.Code(err) != tc.grpc {
					t.Fatalf("want gRPC %v, got %v", tc.grpc, err)
				}
				return
			}
			var de *provider.DiagnosticsError
			if !errors.As(err, &de) || !de.HasCode(tc.wantCode) || !strings.Contains(err.Error(), tc.wantText) || de.Retryable() != tc.retry {
				t.Fatalf("got %v; want code %q, text %q, retryable %v", err, tc.wantCode, tc.wantText, tc.retry)
			}
			if f.gotReq.Env.Credentials["k"] != "v" || string(f.gotReq.Env.SerfKey) != "key" || f.gotReq.Node.NodeNo != 2 || f.gotReq.Node.FixedIP != "10.0.0.1" || string(f.gotReq.Spec) != `{"b":2}` {
				t.Errorf("request arrived changed: %+v", f.gotReq)
			}
		})
	}
}

// TestDescribeRoundTrip: a describe request arrives whole, the state-only
// and all-of-controller flags included.
func TestDescribeRoundTrip(t *testing.T) {
	for _, req := range []provider.DescribeRequest{
		{Env: provider.CallEnv{ControllerID: "c"}, Nodes: []provider.NodeRef{{NodeID: "n", CloudInstanceID: "i-1"}}, StateOnly: true, Spec: json.RawMessage(`{"b":2}`)},
		{Env: provider.CallEnv{ControllerID: "c"}, AllOfController: true, Spec: json.RawMessage(`{}`)},
	} {
		f := &fake{info: &provider.Info{Name: "x"}}
		got, err := providertest.Connect(t, f).DescribeNodes(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]provider.NodeStatus{{NodeID: "n", CloudInstanceID: "i-1", State: provider.InstancePending}}, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(req.StateOnly, f.gotDes.StateOnly); diff != "" {
			t.Errorf("state_only (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(req.AllOfController, f.gotDes.AllOfController); diff != "" {
			t.Errorf("all_of_controller (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(req.Nodes, f.gotDes.Nodes); diff != "" {
			t.Errorf("nodes (-want +got):\n%s", diff)
		}
	}
}
