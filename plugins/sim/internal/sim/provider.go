// Package sim is a SIMULATED cloud provider: instances are records in a
// journal file, with configurable latency, failure rate and capacity. It
// never touches a real cloud.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	mrand "math/rand/v2"
	"net/netip"
	"time"

	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider is the simulator. It keeps no state of its own between calls:
// everything lives in the state dir named by the catalog entry.
type Provider struct {
	// Docs decodes the catalog entry and spec, and validates them.
	decode.Docs[config, spec]
	version string
}

// New returns the simulator reporting version.
func New(version string) *Provider {
	return &Provider{Docs: decode.Docs[config, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema}, version: version}
}

var _ provider.Provider = (*Provider)(nil)

func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name:        "sim",
		Version:     p.version,
		Description: "SIMULATED cloud for tests, demos and benchmarks: no real instance is made",
		Capabilities: []provider.Capability{
			provider.CapPower, provider.CapReboot, provider.CapFixedIP, provider.CapTags,
			provider.CapListByController, provider.CapSimulator,
		},
		CatalogSchema: catalogSchema,
		SpecSchema:    specSchema,
		Flavors: []provider.Flavor{
			{Name: "small", Values: map[string]any{"instance_type": "sim.small", "volume_size": 16}},
			{Name: "medium", Values: map[string]any{"instance_type": "sim.medium", "volume_size": 40}},
			{Name: "large", Values: map[string]any{"instance_type": "sim.large", "volume_size": 100}},
		},
		CredentialKeys: []provider.CredentialKey{
			{Name: "api_key", Description: "accepted and ignored; lets tests exercise credential plumbing"},
		},
	}, nil
}

// env prepares one cloud call: config, store, latency and injected failure.
func (p *Provider) env(ctx context.Context, e provider.CallEnv) (config, *store, error) {
	c, diags := p.Catalog(e.CatalogEntry)
	cfg := *c
	if err := diags.Err(); err != nil {
		return cfg, nil, err
	}
	st, err := openStore(cfg.StateDir)
	if err != nil {
		return cfg, nil, err
	}
	if err := sleep(ctx, cfg.latency()/2); err != nil {
		return cfg, nil, err
	}
	if cfg.FailureRate > 0 && mrand.Float64() < cfg.FailureRate {
		return cfg, nil, provider.Unreachable("simulated transient cloud failure (failure_rate %v)", cfg.FailureRate).Err()
	}
	return cfg, st, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	cfg, st, err := p.env(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, diags := p.Spec(&cfg, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	var out *instance
	err = st.tx(func() ([]event, error) {
		if id, ok := st.byNode[req.Node.NodeID]; ok {
			out = st.insts[id] // idempotent: the node already has its instance
			return nil, nil
		}
		if cfg.Capacity > 0 && len(st.insts) >= cfg.Capacity {
			return nil, provider.Capacity("simulated cloud is full (capacity %d)", cfg.Capacity).Err()
		}
		addr, err := allocate(&cfg, st, req.Node.FixedIP)
		if err != nil {
			return nil, err
		}
		out = newInstance(req, *sp, addr)
		return []event{{Op: "put", Inst: out}}, nil
	})
	if err != nil {
		return nil, err
	}
	// The second half of the latency comes after the commit, like a real
	// cloud whose answer can be lost after the instance exists.
	if err := sleep(ctx, cfg.latency()-cfg.latency()/2); err != nil {
		return nil, err
	}
	return status(out, cfg, false), nil
}

func newInstance(req provider.NodeRequest, sp spec, addr string) *instance {
	name := req.Node.CloudInstanceName
	if name == "" {
		name = "VCP-sim-" + req.Node.NodeID[:min(8, len(req.Node.NodeID))]
	}
	t := tags.For(req.Env, req.Node, sp.Tags)
	t["Name"] = name
	return &instance{
		ID: "sim-" + randHex(6), NodeID: req.Node.NodeID, ControllerID: req.Env.ControllerID,
		Name: name, Address: addr, Type: sp.InstanceType, State: string(provider.InstanceRunning),
		Tags: t, Created: time.Now().UTC(),
	}
}

// allocate picks the fixed IP, or a random free address of the prefix.
func allocate(cfg *config, st *store, fixed string) (string, error) {
	used := make(map[string]bool, len(st.insts))
	for _, in := range st.insts {
		used[in.Address] = true
	}
	prefix := cfg.Prefix()
	if fixed != "" {
		if a, err := netip.ParseAddr(fixed); err != nil || !prefix.Contains(a) {
			return "", provider.Invalid("%q is not an address inside %s", fixed, prefix).On("node.fixed_ip").
				Because("fixed IPs must lie in the catalog entry's private_network_ipmask").Err()
		}
		if used[fixed] {
			return "", provider.Invalid("address %s is already used by another instance", fixed).On("node.fixed_ip").Err()
		}
		return fixed, nil
	}
	hosts := int64(1)<<(32-prefix.Bits()) - 2
	if int64(len(used)) >= hosts {
		return "", provider.Capacity("no free address left in %s", prefix).Err()
	}
	base := prefix.Addr().As4()
	start := big.NewInt(0).SetBytes(base[:]).Int64()
	for {
		n := start + 1 + mrand.Int64N(hosts)
		a := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String()
		if !used[a] {
			return a, nil
		}
	}
}

func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	_, st, err := p.env(ctx, req.Env)
	if err != nil {
		return err
	}
	return st.tx(func() ([]event, error) {
		id, ok := st.byNode[req.Node.NodeID]
		if !ok {
			return nil, nil // already gone: deleting succeeds
		}
		if st.insts[id].Protected {
			return nil, provider.Denied("instance %s is protected against deletion in the simulated cloud", id).
				Because("unprotect it (vcc-provider-sim unprotect), or delete with forget to drop the node anyway").Err()
		}
		return []event{{Op: "del", ID: id}}, nil
	})
}

func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	cfg, st, err := p.env(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	visible := func(in *instance) bool { return time.Since(in.Created) >= time.Duration(cfg.DelayMS)*time.Millisecond }
	err = st.tx(func() ([]event, error) {
		for _, n := range req.Nodes {
			if id, ok := st.byNode[n.NodeID]; ok && visible(st.insts[id]) {
				ans.Add(*status(st.insts[id], cfg, req.StateOnly))
			}
		}
		if req.AllOfController {
			for _, in := range st.insts {
				if in.ControllerID == req.Env.ControllerID && visible(in) {
					ans.Add(*status(in, cfg, false))
				}
			}
		}
		return nil, nil
	})
	return ans.Nodes(), err
}

func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.setState(ctx, req, provider.InstanceRunning)
}

func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.setState(ctx, req, provider.InstanceStopped)
}

func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.setState(ctx, req, provider.InstanceRunning)
}

func (p *Provider) setState(ctx context.Context, req provider.NodeRequest, to provider.InstanceState) (*provider.NodeStatus, error) {
	cfg, st, err := p.env(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	var out *instance
	err = st.tx(func() ([]event, error) {
		id, ok := st.byNode[req.Node.NodeID]
		if !ok {
			return nil, describe.Missing(req.Node, "the simulated cloud")
		}
		cp := *st.insts[id]
		cp.State = string(to)
		out = &cp
		return []event{{Op: "put", Inst: out}}, nil
	})
	if err != nil {
		return nil, err
	}
	return status(out, cfg, false), nil
}

// status reports an instance: pending without an address while it boots;
// state only (no address, name or tags) when the host asked for no more.
func status(in *instance, cfg config, stateOnly bool) *provider.NodeStatus {
	st := &provider.NodeStatus{NodeID: in.NodeID, CloudInstanceID: in.ID, State: provider.InstanceState(in.State), StateReason: in.Reason}
	if !stateOnly {
		st.CloudInstanceName, st.CloudInstanceAddress, st.Tags = in.Name, in.Address, in.Tags
	}
	if st.State == provider.InstanceRunning && time.Since(in.Created) < time.Duration(cfg.BootMS)*time.Millisecond {
		st.State, st.CloudInstanceAddress = provider.InstancePending, ""
	}
	return st
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
