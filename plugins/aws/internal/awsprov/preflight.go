package awsprov

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

var _ provider.Preflighter = (*Provider)(nil)

// Preflight checks with EC2, before anything is recorded or launched,
// what RunInstances would otherwise refuse node by node: the credentials,
// the subnet (and its zone against aws_availability_zone), the security
// group (in the subnet's VPC), the AMI, the instance type in the subnet's
// zone, and fixed IPs inside the subnet's real CIDR and not among the
// addresses AWS reserves. Four read-only calls per request, three of them
// at once. What fails for a passing reason (throttling, a network blip)
// or is not allowed by the IAM policy is a warning: the create goes ahead.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	res := &provider.PreflightResult{}
	c, diags := p.Catalog(req.Env.CatalogEntry)
	if diags.HasError() {
		res.Diagnostics = diags
		return res, nil
	}
	s, sdiags := p.Spec(c, req.Spec)
	if res.Diagnostics = append(diags, sdiags...); res.Diagnostics.HasError() {
		return res, nil
	}
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	var sub ec2x.Subnet
	subnet := preflight.Check{Name: "the subnet", Field: "catalog.aws_vpc_subnet_id", Run: func(ctx context.Context) (err error) {
		sub, err = cl.Subnet(ctx, c.Subnet, "catalog.aws_vpc_subnet_id")
		return err
	}}
	found := preflight.Run(ctx, subnet)
	res.Diagnostics = append(res.Diagnostics, found...)
	known := sub.ID != "" // else what depends on the subnet is not checked
	if !known && !onlyDenied(found) {
		// Credentials refused, subnet unknown, EC2 unreachable: the rest
		// would only repeat it. A look-up the policy forbids is no reason
		// to skip the others.
		return res, nil
	}
	if known && c.Zone != "" && c.Zone != sub.Zone {
		res.Diagnostics = append(res.Diagnostics, provider.Invalid("subnet %s is in %s, not %s", sub.ID, sub.Zone, c.Zone).
			On("catalog.aws_availability_zone").Because("a subnet lives in one zone: remove aws_availability_zone or set it to %s", sub.Zone))
	}
	res.Diagnostics = append(res.Diagnostics, preflight.Run(ctx, p.checks(cl, c, s, sub)...)...)
	if known {
		res.Diagnostics = append(res.Diagnostics, fixedIPs(req.Nodes, s.IPAddresses, sub)...)
	}
	return res, nil
}

// checks are the look-ups independent of each other: the kit runs them at
// once, so the request waits one EC2 round trip instead of three.
func (p *Provider) checks(cl *ec2x.Client, c *catalog, s *spec, sub ec2x.Subnet) []preflight.Check {
	zone := sub.Zone
	if zone == "" {
		zone = c.Zone
	}
	image := s.CloudImage
	if image == "default" {
		image = c.DefaultImage
	}
	out := []preflight.Check{
		{Name: "the security group", Field: "catalog.aws_vpc_security_group_id", Run: func(ctx context.Context) error {
			vpc, err := cl.GroupVPC(ctx, c.SG, "catalog.aws_vpc_security_group_id")
			if err == nil && sub.VPC != "" && vpc != sub.VPC {
				return provider.Invalid("security group %s belongs to %s, the subnet to %s", c.SG, vpc, sub.VPC).
					Because("use a security group of the subnet's VPC").Err()
			}
			return err
		}},
		{Name: "the AMI", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			_, _, err := cl.ResolveImage(ctx, image, c.ImageOwners)
			return err
		}},
	}
	if len(s.Disks) > 0 {
		out = append(out, preflight.Check{Name: "the volumes to attach", Field: "spec.disks", Run: func(ctx context.Context) error {
			return attachable(ctx, cl, s.Disks, zone)
		}})
	}
	if zone != "" {
		out = append(out, preflight.Check{Name: "the instance type", Field: "spec.instance_type", Run: func(ctx context.Context) error {
			ok, err := cl.Offered(ctx, s.InstanceType, zone)
			if err == nil && !ok {
				return provider.Invalid("instance type %s is not offered in %s", s.InstanceType, zone).
					Because("pick another instance_type, or a catalog entry whose subnet is in another zone").Err()
			}
			return err
		}})
	}
	return out
}

// fixedIPs checks the nodes' fixed IPs against the subnet: inside its
// CIDR, and not the network address, the three after it (router, DNS,
// reserved) or the broadcast address, which AWS keeps for itself.
func fixedIPs(nodes []provider.NodeRef, listed []string, sub ec2x.Subnet) provider.Diagnostics {
	prefix, err := netip.ParsePrefix(sub.CIDR)
	if err != nil {
		return nil
	}
	var diags provider.Diagnostics
	for i, n := range nodes {
		if n.FixedIP == "" {
			continue
		}
		field := fmt.Sprintf("nodes[%d].fixed_ip", i)
		for j, ip := range listed {
			if ip == n.FixedIP {
				field = fmt.Sprintf("spec.ip_addresses[%d]", j)
			}
		}
		a, err := netip.ParseAddr(n.FixedIP)
		switch {
		case err != nil || !prefix.Contains(a):
			diags = append(diags, provider.Invalid("%s is not inside subnet %s (%s)", n.FixedIP, sub.ID, sub.CIDR).On(field))
		case reserved(prefix, a):
			diags = append(diags, provider.Invalid("%s is reserved by AWS in subnet %s (%s)", n.FixedIP, sub.ID, sub.CIDR).On(field).
				Because("AWS keeps the first four addresses and the last one of every subnet"))
		}
	}
	return diags
}

func reserved(prefix netip.Prefix, a netip.Addr) bool {
	if !a.Is4() || !prefix.Addr().Is4() {
		return false
	}
	b := prefix.Masked().Addr().As4()
	first := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	last := first | (1<<(32-prefix.Bits()) - 1)
	v := a.As4()
	n := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
	return n-first < 4 || n == last
}

func onlyDenied(diags provider.Diagnostics) bool {
	for _, d := range diags {
		if d.Code != provider.CodeDenied {
			return false
		}
	}
	return len(diags) > 0
}

// attachable checks the volumes of spec.disks: they exist, lie in the
// node's zone and are attached to nothing, so attaching cannot fail once
// the instance runs.
func attachable(ctx context.Context, cl *ec2x.Client, disks []string, zone string) error {
	vols, err := cl.Volumes(ctx, disks, "", nil)
	if err != nil {
		return err
	}
	byID := map[string]int{}
	for i, v := range vols {
		byID[aws.ToString(v.VolumeId)] = i
	}
	var diags provider.Diagnostics
	for i, id := range disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		j, ok := byID[id]
		if !ok {
			diags = append(diags, provider.NotFound("volume %s does not exist", id).On(field).Because("give an EBS volume of this region, or a disk node's id"))
			continue
		}
		st := ec2x.VolumeStatus(vols[j])
		switch {
		case zone != "" && st.Disk.Zone != zone:
			diags = append(diags, provider.Invalid("volume %s is in %s, but the node will be in %s", id, st.Disk.Zone, zone).On(field).
				Because("a volume attaches only to instances of its zone: pick a disk of %s, or a catalog entry whose subnet is in %s", zone, st.Disk.Zone))
		case st.Disk.AttachedTo != "":
			d := provider.Conflict("volume %s is attached to %s", id, st.Disk.AttachedTo).On(field).Because("detach it first, or pick another volume")
			d.Retryable = false // a refusal now, not a wait: preflight keeps it an error
			diags = append(diags, d)
		}
	}
	return diags.Err()
}
