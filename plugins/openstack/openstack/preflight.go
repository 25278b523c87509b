package openstack

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Preflight checks with reads only, while the request is still open,
// what would make the create fail: the credentials (Keystone answers),
// the network and its subnets with the nodes' fixed IPs inside and free,
// the security groups, the image (among public and own ones), the
// flavor, the availability zone, the disks, and the site's checks.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, e, s, err := p.openSpec(ctx, req.Env, req.Spec)
	if err != nil {
		return &provider.PreflightResult{Diagnostics: preflight.Run(ctx, preflight.Check{Name: "the credentials", Field: "credentials",
			Run: func(context.Context) error { return err }})}, nil
	}
	b := &Build{Env: req.Env, Entry: e, Spec: s}
	if len(req.Nodes) > 0 {
		b.Node = req.Nodes[0]
	}
	checks := []preflight.Check{
		{Name: "the flavor", Field: "spec.flavor_name", Run: func(ctx context.Context) error { _, err := c.FlavorID(ctx, s.Flavor(e)); return err }},
	}
	if p.h.boot == nil {
		checks = append(checks, preflight.Check{Name: "the image", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			_, err := c.ImageID(ctx, s.Image(e))
			return err
		}})
	}
	if e.NetworkUUID != "" && p.h.attach == nil {
		checks = append(checks, preflight.Check{Name: "the network", Field: "catalog.network_uuid", Run: func(ctx context.Context) error {
			return checkNetwork(ctx, c, e.NetworkUUID, "catalog.network_uuid", req.Nodes)
		}})
	}
	for i, g := range e.SecurityGroups {
		field := fmt.Sprintf("catalog.security_groups[%d]", i)
		checks = append(checks, preflight.Check{Name: "security group " + g, Field: field, Run: func(ctx context.Context) error {
			_, err := c.SecurityGroupID(ctx, g, field)
			return err
		}})
	}
	if e.AvailabilityZone != "" {
		checks = append(checks, preflight.Check{Name: "the availability zone", Field: "catalog.availability_zone", Run: func(ctx context.Context) error {
			return checkZone(ctx, c, e.AvailabilityZone)
		}})
	}
	for i, d := range s.Disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		checks = append(checks, preflight.Check{Name: "volume " + d, Field: field, Run: func(ctx context.Context) error {
			return checkVolume(ctx, c, d, field)
		}})
	}
	if e.FloatingIPPool != "" {
		checks = append(checks, preflight.Check{Name: "the floating IP pool", Field: poolField, Run: func(ctx context.Context) error {
			_, err := c.poolNetwork(ctx, e.FloatingIPPool)
			return err
		}})
	}
	for _, h := range p.h.preflight {
		checks = append(checks, h(c, b)...)
	}
	return &provider.PreflightResult{Diagnostics: preflight.Run(ctx, checks...)}, nil
}

// checkNetwork: the network exists, and every fixed IP is inside one of
// its subnets and used by no port. Exported to sites as CheckNetwork.
func checkNetwork(ctx context.Context, c *Cloud, id, field string, nodes []provider.NodeRef) error {
	if _, err := networks.Get(ctx, c.Network, id).Extract(); err != nil {
		if isNotFound(err) {
			return provider.NotFound("the project has no network %s", id).On(field).Because("check `openstack network list`").Err()
		}
		return cloudErr("read network "+id, err)
	}
	return CheckFixedIPs(ctx, c, id, nodes)
}

// CheckFixedIPs checks the nodes' fixed IPs against the network's real
// subnets (which private_network_ipmask may not match) and its ports.
func CheckFixedIPs(ctx context.Context, c *Cloud, networkID string, nodes []provider.NodeRef) error {
	var want []provider.NodeRef
	for _, n := range nodes {
		if n.FixedIP != "" {
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		return nil
	}
	pages, err := subnets.List(c.Network, subnets.ListOpts{NetworkID: networkID}).AllPages(ctx)
	if err != nil {
		return cloudErr("list the network's subnets", err)
	}
	list, err := subnets.ExtractSubnets(pages)
	if err != nil {
		return cloudErr("read subnets", err)
	}
	var cidrs []netip.Prefix
	var names []string
	for _, sn := range list {
		if p, err := netip.ParsePrefix(sn.CIDR); err == nil {
			cidrs, names = append(cidrs, p), append(names, sn.CIDR)
		}
	}
	var d provider.Diagnostics
	for _, n := range want {
		a, _ := netip.ParseAddr(n.FixedIP)
		inside := false
		for _, p := range cidrs {
			inside = inside || p.Contains(a)
		}
		if !inside {
			d = append(d, provider.Invalid("fixed IP %s of node %d is in no subnet of the network (%s)", n.FixedIP, n.NodeNo, strings.Join(names, ", ")).
				On("spec.ip_addresses").Because("pick addresses of the network's subnets, or fix private_network_ipmask"))
			continue
		}
		pages, err := ports.List(c.Network, ports.ListOpts{NetworkID: networkID, FixedIPs: []ports.FixedIPOpts{{IPAddress: n.FixedIP}}}).AllPages(ctx)
		if err != nil {
			return cloudErr("look up ports of "+n.FixedIP, err)
		}
		if used, _ := ports.ExtractPorts(pages); len(used) > 0 {
			d = append(d, provider.Invalid("fixed IP %s of node %d is taken by port %s (device %s)", n.FixedIP, n.NodeNo, used[0].ID, used[0].DeviceID).
				On("spec.ip_addresses").Because("pick a free address"))
		}
	}
	return d.Err()
}

func checkZone(ctx context.Context, c *Cloud, zone string) error {
	pages, err := availabilityzones.List(c.Compute).AllPages(ctx)
	if err != nil {
		return cloudErr("list availability zones", err)
	}
	list, err := availabilityzones.ExtractAvailabilityZones(pages)
	if err != nil {
		return cloudErr("read availability zones", err)
	}
	var names []string
	for _, z := range list {
		if z.ZoneName == zone && z.ZoneState.Available {
			return nil
		}
		names = append(names, z.ZoneName)
	}
	return provider.NotFound("the cloud has no available zone %q", zone).On("catalog.availability_zone").
		Because("use one of %s", strings.Join(names, ", ")).Err()
}

func checkVolume(ctx context.Context, c *Cloud, id, field string) error {
	if c.Volume == nil {
		return provider.NotFound("the cloud's catalog has no Cinder (block-storage) endpoint").On(field).Because("leave disks out on this cloud").Err()
	}
	v, err := volumes.Get(ctx, c.Volume, id).Extract()
	if isNotFound(err) {
		return provider.NotFound("the project has no volume %s", id).On(field).Because("check `openstack volume list`").Err()
	}
	if err != nil {
		return cloudErr("read volume "+id, err)
	}
	if v.Status != "available" {
		return provider.Invalid("volume %s is %s, not available", id, v.Status).On(field).Because("detach it first, or pick another").Err()
	}
	return nil
}
