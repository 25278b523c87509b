// Package onprem is the onpremises provider: existing Linux servers with
// Docker, reached over SSH with the controller's key; a node is the Base
// container started on one server.
package onprem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider is the onpremises plugin.
type Provider struct {
	// Docs decodes the catalog entry and spec, and validates them.
	decode.Docs[catalog, spec]
	version string
	pool    pool
}

// New returns the provider.
func New(version string) *Provider { return &Provider{Docs: docs, version: version} }

var (
	_ provider.Provider    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
	_ provider.Powerer     = (*Provider)(nil)
	_ provider.Rebooter    = (*Provider)(nil)
)

func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name: "onpremises", Version: p.version,
		Description: "existing Linux servers with Docker, reached over SSH",
		Capabilities: []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapFixedIP,
			provider.CapGPU, provider.CapPreflight, provider.CapBaseContainer, provider.CapSSHLogin},
		CatalogSchema: provider.CommonCatalogAttributes(), SpecSchema: specSchema, Flavors: flavors,
	}, nil
}

// node is one node's server and how to log in.
func nodeTarget(s spec, n provider.NodeRef) (target, error) {
	if n.FixedIP == "" {
		return target{}, provider.Invalid("node %d has no server address; onpremises nodes are made one per ip_addresses entry", n.NodeNo).
			On("spec.ip_addresses").Err()
	}
	return target{Addr: hostPort(n.FixedIP, s.SSHPort), User: s.UserName}, nil
}

// open prepares a single-node call: the spec, the node's server, a login
// and its Docker.
func (p *Provider) open(ctx context.Context, req provider.NodeRequest) (spec, target, *conn, *engine, error) {
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return spec{}, target{}, nil, nil, err
	}
	s := *sp
	t, err := nodeTarget(s, req.Node)
	if err != nil {
		return s, t, nil, nil, err
	}
	c, e, err := p.connect(ctx, req.Env, t, true)
	return s, t, c, e, err
}

// connect logs in to a server and finds its Docker.
func (p *Provider) connect(ctx context.Context, env provider.CallEnv, t target, retryable bool) (*conn, *engine, error) {
	sg, err := signer(env)
	if err != nil {
		return nil, nil, err
	}
	c, err := p.pool.get(ctx, t, sg, env.KnownHosts[t.Addr])
	if err != nil {
		return nil, nil, sshDiag(t, err, retryable)
	}
	e, err := c.engine(ctx)
	if err != nil {
		return c, nil, dockerDiag(t, err)
	}
	return c, e, nil
}

// sshDiag says why a server could not be used over SSH. retryable is
// false in a preflight: there the servers are the nodes, so one that does
// not answer refuses the request instead of being retried.
func sshDiag(t target, err error, retryable bool) error {
	var hk *hostKeyError
	switch {
	case errors.As(err, &hk):
		return provider.Denied("%s", hk.Error()).
			Because("the server may be an impostor; if it was reinstalled, run `vcc-host onpremises forget-host %s` and try again", t.Addr).Err()
	case strings.Contains(err.Error(), "unable to authenticate"):
		return provider.New(provider.CodeAuthFailed, "%s refused the controller's SSH key for user %q", t.Addr, t.User).
			Because("add the key of GET /vcp/v1/occtr/publickey to ~%s/.ssh/authorized_keys there, or prepare the server with `vcc-host onpremises bootstrap --user %s`", t.User, t.User).Err()
	}
	d := provider.Unreachable("cannot reach %s over SSH: %v", t.Addr, err).
		Because("check that the server is up, that its sshd listens on this port (spec.ssh_port, default 20022) and that the controller can route to it")
	d.Retryable = retryable
	return d.Err()
}

func dockerDiag(t target, err error) error {
	return provider.Invalid("%s on %s", err, t.Addr).
		Because("install Docker there (`vcc-host onpremises bootstrap` prints a script that does), and let %q use it: add it to the docker group or allow `sudo -n docker`", t.User).Err()
}

func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	s, t, c, e, err := p.open(ctx, req)
	if err != nil {
		return nil, err
	}
	name := basecontainer.Name(req.Node.NodeID)
	got, err := e.inspect(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("inspect %s on %s: %w", name, t.Addr, err)
	}
	if got == nil {
		bc, err := basecontainer.Parse(req.Spec)
		if err != nil {
			return nil, err
		}
		ip, err := privateIP(ctx, c, s, req.Node.FixedIP)
		if err != nil {
			return nil, err
		}
		spec := basecontainer.Build(bc, req.Env, req.Node, ip)
		if err := e.ensureImage(ctx, spec.Image); err != nil {
			return nil, provider.NotFound("image %s is not on %s and could not be pulled: %v", spec.Image, t.Addr, err).On("spec.image").
				Because("load it there (docker load) or set VCP_OFFICIAL_REGISTRY_ADDRESS to a registry the server can reach").Err()
		}
		id, err := e.create(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("create %s on %s: %w", name, t.Addr, err)
		}
		got = &container{ID: id, Name: name}
	}
	if got.State != "running" {
		if err := e.start(ctx, got.ID); err != nil {
			// Nothing half-made stays behind: a container that cannot
			// start is removed.
			_ = e.remove(context.WithoutCancel(ctx), got.ID)
			return nil, fmt.Errorf("start %s on %s: %w", name, t.Addr, err)
		}
	}
	return p.describeOne(ctx, e, t, req.Node)
}

// privateIP is the node's address for the Base container: the server's
// address, or that of spec.network_if on the server.
func privateIP(ctx context.Context, c *conn, s spec, addr string) (string, error) {
	if s.NetworkIF == "" {
		return addr, nil
	}
	out, err := c.run(ctx, "ip -4 -o addr show dev "+s.NetworkIF)
	if err == nil {
		for _, f := range strings.Fields(out) {
			if ip, _, ok := strings.Cut(f, "/"); ok && strings.Count(ip, ".") == 3 {
				return ip, nil
			}
		}
	}
	return "", provider.Invalid("interface %s has no IPv4 address on %s (%v)", s.NetworkIF, c.t.Addr, err).On("spec.network_if").Err()
}

func (p *Provider) describeOne(ctx context.Context, e *engine, t target, n provider.NodeRef) (*provider.NodeStatus, error) {
	got, err := e.inspect(ctx, basecontainer.Name(n.NodeID))
	if err != nil {
		return nil, fmt.Errorf("inspect on %s: %w", t.Addr, err)
	}
	if got != nil && got.State != "running" && got.State != "created" {
		got.LastLog = e.lastLogLine(ctx, got.ID)
	}
	st := status(n, hostOf(t.Addr), got)
	return &st, nil
}

func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	_, t, _, e, err := p.open(ctx, req)
	if err != nil {
		return err
	}
	got, err := e.inspect(ctx, basecontainer.Name(req.Node.NodeID))
	if err != nil || got == nil {
		return err
	}
	if got.State == "running" {
		if err := e.stop(ctx, got.ID); err != nil {
			return fmt.Errorf("stop %s on %s: %w", got.Name, t.Addr, err)
		}
	}
	return e.remove(ctx, got.ID)
}

func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	s := *sp
	out := make([]provider.NodeStatus, len(req.Nodes))
	var wg sync.WaitGroup
	for i, n := range req.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = p.describe(ctx, req.Env, s, n)
		}()
	}
	wg.Wait()
	return out, nil
}

// describe reports one node; a server that does not answer is an
// instance error (the host decides between HOST_ERROR and waiting).
func (p *Provider) describe(ctx context.Context, env provider.CallEnv, s spec, n provider.NodeRef) provider.NodeStatus {
	t, err := nodeTarget(s, n)
	if err != nil {
		return describe.Failed(n, err)
	}
	_, e, err := p.connect(ctx, env, t, true)
	if err != nil {
		return describe.Failed(n, err)
	}
	st, err := p.describeOne(ctx, e, t, n)
	if err != nil {
		return describe.Failed(n, err)
	}
	return *st
}

// power runs fn on the node's container and reports the result.
func (p *Provider) power(ctx context.Context, req provider.NodeRequest, fn func(*engine, string) error) (*provider.NodeStatus, error) {
	_, t, _, e, err := p.open(ctx, req)
	if err != nil {
		return nil, err
	}
	got, err := e.inspect(ctx, basecontainer.Name(req.Node.NodeID))
	if err != nil {
		return nil, err
	}
	if got == nil {
		return nil, describe.Missing(req.Node, t.Addr)
	}
	if err := fn(e, got.ID); err != nil {
		return nil, fmt.Errorf("on %s: %w", t.Addr, err)
	}
	return p.describeOne(ctx, e, t, req.Node)
}

func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, func(e *engine, id string) error { return e.start(ctx, id) })
}

func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, func(e *engine, id string) error { return e.stop(ctx, id) })
}

func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, func(e *engine, id string) error {
		return e.do(ctx, "POST", "/containers/"+id+"/restart", nil, nil, nil)
	})
}

func hostOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}
