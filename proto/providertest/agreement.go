package providertest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/vccproject/vcc/proto/provider"
)

// agreement checks that the capabilities a plugin declares and the
// optional interfaces it implements agree: a declared capability whose
// call answers "unsupported" is a broken promise, and an implemented
// call without its capability is never used by the host.
func agreement(t *testing.T, f Fixture, info *provider.Info) {
	if f.Impl != nil {
		impl := provider.Implements(f.Impl)
		for _, c := range provider.InterfaceCapabilities {
			if declared, has := info.Has(c), slices.Contains(impl, c); declared != has {
				t.Errorf("capability %q declared %v but its interface implemented %v", c, declared, has)
			}
		}
	}
	// Over the wire: the calls of an undeclared capability answer
	// "unsupported", those of a declared one do not. The env has an
	// empty catalog entry and the node never existed, so no plugin gets
	// far enough to touch a cloud.
	full, ok := f.Provider.(provider.Full)
	if !ok {
		return
	}
	env := f.Env
	env.CatalogEntry = json.RawMessage(`{}`)
	req := provider.NodeRequest{Env: env, Node: newRef(f), Spec: f.Spec}
	calls := []struct {
		name string
		cap  provider.Capability
		fn   func(context.Context) error
	}{
		{"PowerOn", provider.CapPower, func(ctx context.Context) error { _, err := full.PowerOn(ctx, req); return err }},
		{"PowerOff", provider.CapPower, func(ctx context.Context) error { _, err := full.PowerOff(ctx, req); return err }},
		{"Reboot", provider.CapReboot, func(ctx context.Context) error { _, err := full.Reboot(ctx, req); return err }},
		{"Preflight", provider.CapPreflight, func(ctx context.Context) error {
			res, err := full.Preflight(ctx, provider.PreflightRequest{Env: env, Nodes: []provider.NodeRef{req.Node}, Spec: f.Spec})
			if err == nil && res != nil {
				err = res.Diagnostics.Err()
			}
			return err
		}},
	}
	for _, c := range calls {
		_, err := call(t, f, c.name, func(ctx context.Context) (struct{}, error) { return struct{}{}, c.fn(ctx) })
		switch declared := info.Has(c.cap); {
		case declared && isUnsupported(err):
			t.Errorf("%s answers unsupported although the plugin declares %q: implement provider's optional interface for it", c.name, c.cap)
		case !declared && !isUnsupported(err):
			t.Errorf("%s without the %q capability: want an %q diagnostic, got %v (declare the capability, or drop the method)", c.name, c.cap, provider.CodeUnsupported, err)
		}
	}
}
