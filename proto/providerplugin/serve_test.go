package providerplugin

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/provider"
)

// bare implements only the required calls: no Powerer, no Rebooter, no
// Preflighter.
type bare struct{}

func (bare) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{Name: "bare", Version: "1.0.0"}, nil
}
func (bare) ValidateCatalogEntry(context.Context, string, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}
func (bare) ValidateSpec(context.Context, provider.CallEnv, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}
func (bare) CreateNode(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return &provider.NodeStatus{NodeID: "n", CloudInstanceID: "i", State: provider.InstanceRunning}, nil
}
func (bare) DeleteNode(context.Context, provider.NodeRequest) error { return nil }
func (bare) DescribeNodes(context.Context, provider.DescribeRequest) ([]provider.NodeStatus, error) {
	return nil, nil
}

// TestDebugServe: a plugin served in debug mode hands out a reattach
// configuration a host attaches with; the optional calls it does not
// implement answer "unsupported" over the wire.
func TestDebugServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan Reattach, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(bare{}, withReattachCh(ctx, ch), WithLogger(hclog.NewNullLogger()))
	}()
	var r Reattach
	select {
	case r = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no reattach config from a plugin in debug mode")
	}
	if r.Name != "bare" {
		t.Errorf("reattach name %q, want bare", r.Name)
	}
	t.Setenv(EnvReattach, r.Env())
	m, err := ReattachFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ReattachClientConfig(m["bare"], hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	c := plugin.NewClient(cfg)
	defer c.Kill()
	p, err := Dispense(c)
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	if info, err := p.GetInfo(ctx); err != nil || info.Name != "bare" {
		t.Fatalf("GetInfo through the reattached plugin: %+v %v", info, err)
	}
	for name, call := range map[string]func() error{
		"PowerOn":  func() error { _, err := p.PowerOn(ctx, provider.NodeRequest{}); return err },
		"PowerOff": func() error { _, err := p.PowerOff(ctx, provider.NodeRequest{}); return err },
		"Reboot":   func() error { _, err := p.Reboot(ctx, provider.NodeRequest{}); return err },
		"Preflight": func() error {
			res, err := p.Preflight(ctx, provider.PreflightRequest{})
			if err == nil {
				err = res.Diagnostics.Err()
			}
			return err
		},
	} {
		var de *provider.DiagnosticsError
		if err := call(); !errors.As(err, &de) || !de.HasCode(provider.CodeUnsupported) {
			t.Errorf("%s of a plugin without it: want unsupported, got %v", name, err)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a plugin in debug mode did not stop when its context ended")
	}
}

func TestReattachFromEnvErrors(t *testing.T) {
	for name, v := range map[string]string{
		"not json":   `sim=1`,
		"no address": `{"sim": {"protocol": "grpc", "network": "unix"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvReattach, v)
			if _, err := ReattachFromEnv(); err == nil {
				t.Errorf("%q accepted", v)
			}
		})
	}
}
