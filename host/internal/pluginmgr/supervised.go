package pluginmgr

import (
	"context"
	"encoding/json"

	"github.com/vccproject/vcc/proto/provider"
)

// supervised is the provider.Provider the rest of the host uses: every
// call goes through the instance (restart, safe retry) and optional
// operations are checked against the plugin's capabilities first.
type supervised struct {
	inst *instance
}

var _ provider.Full = (*supervised)(nil)

func (s *supervised) GetInfo(ctx context.Context) (*provider.Info, error) {
	var out *provider.Info
	err := s.inst.call(ctx, "GetInfo", true, func(p provider.Provider) (err error) {
		out, err = p.GetInfo(ctx)
		return err
	})
	return out, err
}

func (s *supervised) ValidateCatalogEntry(ctx context.Context, name string, entry json.RawMessage) (provider.Diagnostics, error) {
	var out provider.Diagnostics
	err := s.inst.call(ctx, "ValidateCatalogEntry", true, func(p provider.Provider) (err error) {
		out, err = p.ValidateCatalogEntry(ctx, name, entry)
		return err
	})
	return out, err
}

func (s *supervised) ValidateSpec(ctx context.Context, env provider.CallEnv, spec json.RawMessage) (provider.Diagnostics, error) {
	var out provider.Diagnostics
	err := s.inst.call(ctx, "ValidateSpec", true, func(p provider.Provider) (err error) {
		out, err = p.ValidateSpec(ctx, env, spec)
		return err
	})
	return out, err
}

// nodeOp runs a single-node operation. CreateNode and DeleteNode are safe
// to repeat because the protocol makes them idempotent by node id.
func (s *supervised) nodeOp(ctx context.Context, op string, safe bool, fn func(provider.Provider) (*provider.NodeStatus, error)) (*provider.NodeStatus, error) {
	var out *provider.NodeStatus
	err := s.inst.call(ctx, op, safe, func(p provider.Provider) (err error) {
		out, err = fn(p)
		return err
	})
	return out, err
}

func (s *supervised) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return s.nodeOp(ctx, "CreateNode", true, func(p provider.Provider) (*provider.NodeStatus, error) { return p.CreateNode(ctx, req) })
}

func (s *supervised) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	return s.inst.call(ctx, "DeleteNode", true, func(p provider.Provider) error { return p.DeleteNode(ctx, req) })
}

func (s *supervised) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	var out []provider.NodeStatus
	err := s.inst.call(ctx, "DescribeNodes", true, func(p provider.Provider) (err error) {
		out, err = p.DescribeNodes(ctx, req)
		return err
	})
	return out, err
}

// require fails with an "unsupported" diagnostic when the plugin lacks c.
func (s *supervised) require(c provider.Capability, op string) error {
	s.inst.mu.Lock()
	info := s.inst.info
	s.inst.mu.Unlock()
	if info != nil && !info.Has(c) {
		return provider.UnsupportedError(info.Name, op, c)
	}
	return nil
}

func (s *supervised) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := s.require(provider.CapPower, "power on"); err != nil {
		return nil, err
	}
	return s.nodeOp(ctx, "PowerOn", true, func(p provider.Provider) (*provider.NodeStatus, error) { return p.(provider.Powerer).PowerOn(ctx, req) })
}

func (s *supervised) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := s.require(provider.CapPower, "power off"); err != nil {
		return nil, err
	}
	return s.nodeOp(ctx, "PowerOff", true, func(p provider.Provider) (*provider.NodeStatus, error) {
		return p.(provider.Powerer).PowerOff(ctx, req)
	})
}

// Reboot is never repeated: a retry could reboot the node twice.
func (s *supervised) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := s.require(provider.CapReboot, "reboot"); err != nil {
		return nil, err
	}
	return s.nodeOp(ctx, "Reboot", false, func(p provider.Provider) (*provider.NodeStatus, error) { return p.(provider.Rebooter).Reboot(ctx, req) })
}

var _ provider.Preflighter = (*supervised)(nil)

// Preflight runs the plugin's preflight; a plugin without CapPreflight has
// nothing to check.
func (s *supervised) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	if err := s.require(provider.CapPreflight, "preflight"); err != nil {
		return &provider.PreflightResult{}, nil
	}
	var out *provider.PreflightResult
	err := s.inst.call(ctx, "Preflight", true, func(p provider.Provider) (err error) {
		pf, ok := p.(provider.Preflighter)
		if !ok {
			out = &provider.PreflightResult{}
			return nil
		}
		out, err = pf.Preflight(ctx, req)
		return err
	})
	return out, err
}
