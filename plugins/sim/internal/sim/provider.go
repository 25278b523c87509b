// Package sim is a SIMULATED cloud provider: instances are records in a
// journal file, with configurable latency, failure rate and capacity. It
// never touches a real cloud.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net/netip"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

// Provider is the simulator. It keeps no state of its own between calls:
// everything lives in the state dir named by the catalog entry.
type Provider struct {
	version string
}

// New returns the simulator reporting version.
func New(version string) *Provider { return &Provider{version: version} }

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

func (p *Provider) ValidateCatalogEntry(_ context.Context, _ string, entry json.RawMessage) (provider.Diagnostics, error) {
	_, diags := validateCatalog(entry)
	return diags, nil
}

func (p *Provider) ValidateSpec(_ context.Context, env provider.CallEnv, raw json.RawMessage) (provider.Diagnostics, error) {
	diags := specSchema.Validate(raw, "spec")
	if diags.HasError() {
		return diags, nil
	}
	cfg, cdiags := validateCatalog(env.CatalogEntry)
	if cdiags.HasError() {
		return append(diags, cdiags...), nil
	}
	var s struct {
		NumNodes    int      `json:"num_nodes"`
		IPAddresses []string `json:"ip_addresses"`
	}
	_ = json.Unmarshal(raw, &s)
	if s.NumNodes < 0 {
		diags = append(diags, provider.Errorf("spec.num_nodes", "must not be negative, got %d", s.NumNodes))
	}
	for i, ip := range s.IPAddresses {
		if d := checkFixedIP(cfg, ip, fmt.Sprintf("spec.ip_addresses[%d]", i)); d != nil {
			diags = append(diags, *d)
		}
	}
	return diags, nil
}

func checkFixedIP(cfg config, ip, field string) *provider.Diagnostic {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !cfg.prefix.Contains(addr) {
		d := provider.Errorf(field, "%q is not an address inside %s", ip, cfg.prefix)
		d.Detail = "fixed IPs must lie in the catalog entry's private_network_ipmask"
		return &d
	}
	return nil
}

// env prepares one cloud call: config, store, latency and injected failure.
func (p *Provider) env(ctx context.Context, e provider.CallEnv) (config, *store, error) {
	cfg, diags := validateCatalog(e.CatalogEntry)
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
		return cfg, nil, provider.RetryableError("simulated", "simulated transient cloud failure (failure_rate %v)", cfg.FailureRate)
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
	sp, err := decodeSpec(req.Spec)
	if err != nil {
		return nil, provider.Diagnostics{provider.Errorf("spec", "%v", err)}.Err()
	}
	var out *instance
	err = st.tx(func() ([]event, error) {
		if id, ok := st.byNode[req.Node.NodeID]; ok {
			out = st.insts[id] // idempotent: the node already has its instance
			return nil, nil
		}
		if cfg.Capacity > 0 && len(st.insts) >= cfg.Capacity {
			return nil, provider.RetryableError(provider.CodeCapacity, "simulated cloud is full (capacity %d)", cfg.Capacity)
		}
		addr, err := allocate(cfg, st, req.Node.FixedIP)
		if err != nil {
			return nil, err
		}
		out = newInstance(req, sp, addr)
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
	tags := map[string]string{}
	for k, v := range sp.Tags {
		tags[k] = v
	}
	name := req.Node.CloudInstanceName
	if name == "" {
		name = "VCP-sim-" + req.Node.NodeID[:min(8, len(req.Node.NodeID))]
	}
	tags[provider.TagControllerID] = req.Env.ControllerID
	tags[provider.TagNodeID] = req.Node.NodeID
	tags["Name"] = name
	return &instance{
		ID: "sim-" + randHex(6), NodeID: req.Node.NodeID, ControllerID: req.Env.ControllerID,
		Name: name, Address: addr, Type: sp.InstanceType, State: string(provider.InstanceRunning),
		Tags: tags, Created: time.Now().UTC(),
	}
}

// allocate picks the fixed IP, or a random free address of the prefix.
func allocate(cfg config, st *store, fixed string) (string, error) {
	used := make(map[string]bool, len(st.insts))
	for _, in := range st.insts {
		used[in.Address] = true
	}
	if fixed != "" {
		if d := checkFixedIP(cfg, fixed, "node.fixed_ip"); d != nil {
			return "", provider.Diagnostics{*d}.Err()
		}
		if used[fixed] {
			return "", provider.Diagnostics{provider.Errorf("node.fixed_ip", "address %s is already used by another instance", fixed)}.Err()
		}
		return fixed, nil
	}
	hosts := int64(1)<<(32-cfg.prefix.Bits()) - 2
	if int64(len(used)) >= hosts {
		return "", provider.RetryableError(provider.CodeCapacity, "no free address left in %s", cfg.prefix)
	}
	base := cfg.prefix.Addr().As4()
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
			d := provider.Errorf("", "instance %s is protected against deletion in the simulated cloud", id)
			d.Code, d.Detail = "protected", "unprotect it (vcc-provider-sim unprotect), or delete with forget to drop the node anyway"
			return nil, provider.Diagnostics{d}.Err()
		}
		return []event{{Op: "del", ID: id}}, nil
	})
}

func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	cfg, st, err := p.env(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	var out []provider.NodeStatus
	visible := func(in *instance) bool { return time.Since(in.Created) >= time.Duration(cfg.DelayMS)*time.Millisecond }
	err = st.tx(func() ([]event, error) {
		seen := map[string]bool{}
		for _, n := range req.Nodes {
			seen[n.NodeID] = true
			if id, ok := st.byNode[n.NodeID]; ok && visible(st.insts[id]) {
				out = append(out, *status(st.insts[id], cfg, req.StateOnly))
			} else {
				out = append(out, provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound})
			}
		}
		if req.AllOfController {
			for _, in := range st.insts {
				if in.ControllerID == req.Env.ControllerID && !seen[in.NodeID] && visible(in) {
					out = append(out, *status(in, cfg, false))
				}
			}
		}
		return nil, nil
	})
	return out, err
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
			d := provider.Errorf("", "node %s has no instance in the simulated cloud", req.Node.NodeID)
			d.Code = provider.CodeNotFound
			return nil, provider.Diagnostics{d}.Err()
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
