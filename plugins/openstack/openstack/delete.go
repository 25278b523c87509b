package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// DeleteNode starts the server's deletion (async_delete: the host
// confirms it is gone by describing) and removes the ports the plugin
// made for the node. What is gone already is success.
func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, _, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	id := req.Node.CloudInstanceID
	if id == "" { // the create's answer was lost: delete what it made
		s, err := p.find(ctx, c, req.Env, req.Node)
		if err != nil {
			return err
		}
		if s != nil {
			id = s.ID
		}
	}
	if id != "" {
		if err := servers.Delete(ctx, c.Compute, id).ExtractErr(); err != nil && !isNotFound(err) {
			return cloudErr("delete server "+id, err)
		}
	}
	return p.deletePorts(ctx, c, req.Env, req.Node)
}

// deletePorts releases the node's floating IPs and removes its own
// ports, found by its tags (ports Nova made go with the server).
func (p *Provider) deletePorts(ctx context.Context, c *Cloud, env provider.CallEnv, node provider.NodeRef) error {
	t := tags.Pair(provider.TagControllerID, env.ControllerID) + "," + tags.Pair(provider.TagNodeID, node.NodeID)
	if err := deleteFloating(ctx, c, t); err != nil {
		return err
	}
	pages, err := ports.List(c.Network, ports.ListOpts{Tags: t}).AllPages(ctx)
	if err != nil {
		return cloudErr("list the node's ports", err)
	}
	list, err := ports.ExtractPorts(pages)
	if err != nil {
		return cloudErr("read ports", err)
	}
	for _, port := range list {
		if err := ports.Delete(ctx, c.Network, port.ID).ExtractErr(); err != nil && !isNotFound(err) {
			return cloudErr("delete port "+port.ID, err)
		}
	}
	return nil
}
