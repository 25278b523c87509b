package oracle

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Preflight checks with reads only, while the user's request is still
// open, what would make the launch fail later: the API key (a wrong key
// or fingerprint is a 400 on credentials here, not a failed node later),
// the availability domain, the subnet and the fixed IPs in it, the image,
// the shape in the AD, the disks. kit/preflight sorts the findings.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, sdiags := p.Spec(cat, req.Spec)
	if err := sdiags.Err(); err != nil {
		return nil, err
	}
	// The key first: when OCI refuses it, every other check would only
	// say so again.
	adErr := checkAD(ctx, c, cat)
	var de *provider.DiagnosticsError
	if errors.As(adErr, &de) && de.HasCode(provider.CodeAuthFailed) {
		return &provider.PreflightResult{Diagnostics: de.Diags}, nil
	}
	checks := []preflight.Check{
		{Name: "the availability domain", Field: "catalog.oracle_availability_domain", Run: func(context.Context) error {
			return adErr
		}},
		{Name: "the subnet", Field: "catalog.oracle_subnet_id", Run: func(ctx context.Context) error {
			return checkSubnet(ctx, c, cat, req.Nodes)
		}},
		{Name: "the image", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			_, err := resolveImage(ctx, c, cat, sp.image())
			return err
		}},
		{Name: "the shape", Field: "spec.shape", Run: func(ctx context.Context) error {
			if adErr != nil { // shapes are listed per AD: nothing to add
				return nil
			}
			return checkShape(ctx, c, cat, sp.Shape)
		}},
	}
	for i, vol := range sp.Disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		checks = append(checks, preflight.Check{Name: "disk " + vol, Field: field, Run: func(ctx context.Context) error {
			return checkDisk(ctx, c, cat, vol, field)
		}})
	}
	return &provider.PreflightResult{Diagnostics: preflight.Run(ctx, checks...)}, nil
}

// checkAD lists the tenancy's ADs: the first signed call, so a key OCI
// refuses shows here, on credentials.
func checkAD(ctx context.Context, c *client, cat *catalog) error {
	res, err := c.Ident.ListAvailabilityDomains(ctx, identity.ListAvailabilityDomainsRequest{CompartmentId: &cat.Tenancy})
	if err != nil {
		if isStatus(err, 404) {
			return provider.NotFound("tenancy %s does not exist or the user may not read it", cat.Tenancy).On("catalog.oracle_tenancy_ocid").Err()
		}
		return cloudErr("list the availability domains", err)
	}
	var names []string
	for _, ad := range res.Items {
		if deref(ad.Name) == cat.AD {
			return nil
		}
		names = append(names, deref(ad.Name))
	}
	return provider.Invalid("region %s has no availability domain %s", cat.Region, cat.AD).On("catalog.oracle_availability_domain").
		Because("pick one of %v", names).Err()
}

// checkSubnet reads the subnet and checks the fixed IPs are inside its
// real range and used by no VNIC.
func checkSubnet(ctx context.Context, c *client, cat *catalog, nodes []provider.NodeRef) error {
	res, err := c.Network.GetSubnet(ctx, core.GetSubnetRequest{SubnetId: &cat.Subnet})
	if err != nil {
		if isStatus(err, 404) {
			return provider.NotFound("subnet %s does not exist (or the user may not read it)", cat.Subnet).On("catalog.oracle_subnet_id").Err()
		}
		return cloudErr("read subnet "+cat.Subnet, err)
	}
	if ad := deref(res.AvailabilityDomain); ad != "" && ad != cat.AD {
		return provider.Invalid("subnet %s is a subnet of availability domain %s, the nodes' is %s", cat.Subnet, ad, cat.AD).On("catalog.oracle_subnet_id").
			Because("pick a regional subnet or one of %s", cat.AD).Err()
	}
	cidr, err := netip.ParsePrefix(deref(res.CidrBlock))
	if err != nil {
		return provider.New(provider.CodePluginError, "OCI gave subnet %s the range %q: %v", cat.Subnet, deref(res.CidrBlock), err).Err()
	}
	var d provider.Diagnostics
	for _, n := range nodes {
		a, err := netip.ParseAddr(n.FixedIP)
		if err != nil {
			continue
		}
		if !cidr.Contains(a) {
			d = append(d, provider.Invalid("fixed IP %s of node %d is not inside subnet %s's %s", a, n.NodeNo, cat.Subnet, cidr).On("spec.ip_addresses").
				Because("pick addresses of %s, or fix the catalog entry's private_network_ipmask", cidr))
			continue
		}
		ips, err := c.Network.ListPrivateIps(ctx, core.ListPrivateIpsRequest{SubnetId: &cat.Subnet, IpAddress: common.String(a.String())})
		if err != nil {
			return cloudErr("look up private IP "+a.String(), err)
		}
		if len(ips.Items) > 0 {
			d = append(d, provider.Invalid("fixed IP %s of node %d is already used in subnet %s", a, n.NodeNo, cat.Subnet).On("spec.ip_addresses").
				Because("pick an address no VNIC uses"))
		}
	}
	return d.Err()
}

// checkShape: the shape is offered in the catalog's AD.
func checkShape(ctx context.Context, c *client, cat *catalog, shape string) error {
	req := core.ListShapesRequest{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, Limit: common.Int(1000)}
	var names []string
	for {
		res, err := c.Compute.ListShapes(ctx, req)
		if err != nil {
			if isStatus(err, 404) {
				return provider.NotFound("compartment %s does not exist (or the user may not read it)", cat.Compartment).On("catalog.oracle_compartment_id").Err()
			}
			return cloudErr("list the shapes", err)
		}
		for _, s := range res.Items {
			if deref(s.Shape) == shape {
				return nil
			}
			names = append(names, deref(s.Shape))
		}
		if res.OpcNextPage == nil {
			break
		}
		req.Page = res.OpcNextPage
	}
	return provider.Invalid("shape %s is not offered in %s", shape, cat.AD).On("spec.shape").Because("pick one of %v", names).Err()
}

// checkDisk: the volume exists, is available and in the nodes' AD.
func checkDisk(ctx context.Context, c *client, cat *catalog, id, field string) error {
	res, err := c.Storage.GetVolume(ctx, core.GetVolumeRequest{VolumeId: &id})
	switch {
	case isStatus(err, 404):
		return provider.NotFound("block volume %s does not exist (or the user may not read it)", id).On(field).Err()
	case err != nil:
		return cloudErr("read block volume "+id, err)
	case deref(res.AvailabilityDomain) != cat.AD:
		return provider.Invalid("block volume %s is in %s, the nodes in %s", id, deref(res.AvailabilityDomain), cat.AD).On(field).Err()
	case res.LifecycleState != core.VolumeLifecycleStateAvailable:
		return provider.Conflict("block volume %s is %s", id, res.LifecycleState).On(field).Err()
	}
	held, err := holders(ctx, c, cat, &id)
	if err != nil {
		return err
	}
	if a, ok := held[id]; ok {
		return provider.Invalid("block volume %s is attached to instance %s (%s)", id, deref(a.GetInstanceId()), a.GetLifecycleState()).On(field).
			Because("detach it first, or give another volume").Err()
	}
	return nil
}
