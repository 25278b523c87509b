package openstack

import (
	"context"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// PowerOn is Nova's os-start; a server running already is success.
func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "start", func(c *Cloud, id string) error { return servers.Start(ctx, c.Compute, id).ExtractErr() }, "ACTIVE")
}

// PowerOff is Nova's os-stop; a server stopped already is success.
func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "stop", func(c *Cloud, id string) error { return servers.Stop(ctx, c.Compute, id).ExtractErr() }, "SHUTOFF")
}

// Reboot asks for a soft reboot, and a hard one where Nova refuses the
// soft one (a stopped or hung server).
func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "reboot", func(c *Cloud, id string) error {
		err := servers.Reboot(ctx, c.Compute, id, servers.RebootOpts{Type: servers.SoftReboot}).ExtractErr()
		if isConflict(err) {
			err = servers.Reboot(ctx, c.Compute, id, servers.RebootOpts{Type: servers.HardReboot}).ExtractErr()
		}
		return err
	})
}

// act runs action on the node's server and reports it after; a refusal
// because the server is already where the action leads is success.
func (p *Provider) act(ctx context.Context, req provider.NodeRequest, what string, action func(c *Cloud, id string) error, already ...string) (*provider.NodeStatus, error) {
	c, e, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	id := req.Node.CloudInstanceID
	if id == "" {
		s, err := p.find(ctx, c, req.Env, req.Node)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, describe.Missing(req.Node, "OpenStack")
		}
		id = s.ID
	}
	err = action(c, id)
	if isNotFound(err) {
		return nil, describe.Missing(req.Node, "OpenStack")
	}
	now, gerr := servers.Get(ctx, c.Compute, id).Extract()
	switch {
	case isNotFound(gerr):
		return nil, describe.Missing(req.Node, "OpenStack")
	case err != nil && isConflict(err) && gerr == nil && slices.Contains(already, now.Status) && now.TaskState == "":
		return p.statusOf(now, e), nil
	case err != nil:
		return nil, cloudErr(what+" server "+id, err)
	case gerr != nil:
		return nil, cloudErr("read server "+id, gerr)
	}
	st := p.statusOf(now, e)
	if st.NodeID == "" {
		st.NodeID = req.Node.NodeID
	}
	return st, nil
}
