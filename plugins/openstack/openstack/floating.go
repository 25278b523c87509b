package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Floating IPs are off by default (nodes are reached over the VPN). With
// floating_ip_pool the plugin makes the node's port itself, so the
// floating IP can be bound before the server exists; both carry the
// node's tags and go with the node.

const poolField = "catalog.floating_ip_pool"

// poolNetwork resolves the floating IP pool (an external network's name
// or id).
func (c *Cloud) poolNetwork(ctx context.Context, ref string) (string, error) {
	if isUUID(ref) {
		n, err := networks.Get(ctx, c.Network, ref).Extract()
		if isNotFound(err) {
			return "", provider.NotFound("no external network %s", ref).On(poolField).Because("check `openstack network list --external`").Err()
		}
		if err != nil {
			return "", cloudErr("read network "+ref, err)
		}
		return n.ID, nil
	}
	n, err := c.NetworkByName(ctx, ref, poolField)
	if err != nil {
		return "", err
	}
	return n.ID, nil
}

// portForFloating is the stock attachment as a port the plugin makes,
// with the entry's security groups, so a floating IP can be bound to it.
func portForFloating(ctx context.Context, c *Cloud, b *Build) (Attachment, error) {
	opts := &ports.CreateOpts{NetworkID: b.Entry.NetworkUUID}
	if b.Node.FixedIP != "" {
		opts.FixedIPs = []ports.IP{{IPAddress: b.Node.FixedIP}}
	}
	if len(b.Entry.SecurityGroups) > 0 {
		var ids []string
		for i, g := range b.Entry.SecurityGroups {
			id, err := c.SecurityGroupID(ctx, g, fieldf("catalog.security_groups[%d]", i))
			if err != nil {
				return Attachment{}, err
			}
			ids = append(ids, id)
		}
		opts.SecurityGroups = &ids
	}
	return Attachment{Port: opts}, nil
}

// floatingIP binds a floating IP of the pool to port and tags it.
func (p *Provider) floatingIP(ctx context.Context, c *Cloud, b *Build, portID string) (string, error) {
	pool, err := c.poolNetwork(ctx, b.Entry.FloatingIPPool)
	if err != nil {
		return "", err
	}
	f, err := floatingips.Create(ctx, c.Network, floatingips.CreateOpts{FloatingNetworkID: pool, PortID: portID}).Extract()
	if err != nil {
		return "", cloudErr("take a floating IP of "+b.Entry.FloatingIPPool, err)
	}
	t := tags.Strings(tags.For(b.Env, b.Node, nil))
	if _, err := attributestags.ReplaceAll(ctx, c.Network, "floatingips", f.ID, attributestags.ReplaceAllOpts{Tags: t}).Extract(); err != nil {
		p.dropFloating(c, f.ID)
		return "", cloudErr("tag floating IP "+f.FloatingIP, err)
	}
	return f.ID, nil
}

// dropFloating releases floating IPs of a refused create.
func (p *Provider) dropFloating(c *Cloud, ids ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	for _, id := range ids {
		_ = floatingips.Delete(ctx, c.Network, id).ExtractErr() // best effort: the node's delete finds it by tag
	}
}

// deleteFloating releases the node's floating IPs, found by its tags.
func deleteFloating(ctx context.Context, c *Cloud, nodeTags string) error {
	pages, err := floatingips.List(c.Network, floatingips.ListOpts{Tags: nodeTags}).AllPages(ctx)
	if isNotFound(err) { // a cloud without Neutron's L3 extension has none
		return nil
	}
	if err != nil {
		return cloudErr("list the node's floating IPs", err)
	}
	list, err := floatingips.ExtractFloatingIPs(pages)
	if err != nil {
		return cloudErr("read floating IPs", err)
	}
	for _, f := range list {
		if err := floatingips.Delete(ctx, c.Network, f.ID).ExtractErr(); err != nil && !isNotFound(err) {
			return cloudErr("release floating IP "+f.FloatingIP, err)
		}
	}
	return nil
}
