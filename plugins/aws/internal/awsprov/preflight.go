package awsprov

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/provider"
)

var _ provider.Preflighter = (*Provider)(nil)

// Preflight checks with EC2, before anything is recorded or launched,
// what RunInstances would otherwise refuse node by node: the credentials,
// the subnet (and its zone against aws_availability_zone), the security
// group (in the subnet's VPC), the AMI, the instance type in the subnet's
// zone, and fixed IPs inside the subnet's real CIDR and not among the
// addresses AWS reserves. Read-only calls, about four per request. A check
// that fails for a passing reason (throttling, a network blip) becomes a
// warning: the create goes ahead and the engine retries.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	res := &provider.PreflightResult{}
	c, diags := validateCatalog(req.Env.CatalogEntry)
	if diags = append(diags, p.validateSpec(c, req.Spec)...); diags.HasError() {
		res.Diagnostics = diags
		return res, nil
	}
	s, err := decodeSpec(p.spec, req.Spec)
	if err != nil {
		return nil, err
	}
	cl, _, err := p.client(req.Env)
	if err != nil {
		return nil, err
	}
	// check records a failed call; it reports whether the caller may go on.
	check := func(err error) bool {
		if err == nil {
			return true
		}
		var de *provider.DiagnosticsError
		if !errors.As(err, &de) {
			if ctx.Err() != nil {
				res.Diagnostics = append(res.Diagnostics, provider.Errorf("", "preflight cut short: %v", ctx.Err()))
				return false
			}
			de = &provider.DiagnosticsError{Diags: provider.Diagnostics{provider.Errorf("", "%v", err)}}
		}
		for _, d := range de.Diags {
			switch {
			case d.Retryable:
				d.Severity = provider.SeverityWarning
				d.Summary = "could not check with EC2 (the create goes ahead and retries): " + d.Summary
			case ec2x.Denied(d.Code):
				// A narrow IAM policy may allow launching but not this
				// look-up: never refuse what would work.
				d.Severity, d.Field = provider.SeverityWarning, ""
				d.Summary = "not permitted to check this before launching (the create goes ahead): " + d.Summary
				d.Detail = "allow the Describe calls listed in the README for early, precise errors"
			}
			res.Diagnostics = append(res.Diagnostics, d)
		}
		return false
	}
	sub, err := cl.Subnet(ctx, c.Subnet, "catalog.aws_vpc_subnet_id")
	known := check(err) // else what depends on the subnet is not checked
	if !known && !denied(err) {
		// Credentials refused, subnet unknown, EC2 unreachable: the rest
		// would only repeat it.
		return res, nil
	}
	if known && c.Zone != "" && c.Zone != sub.Zone {
		d := provider.Errorf("catalog.aws_availability_zone", "subnet %s is in %s, not %s", sub.ID, sub.Zone, c.Zone)
		d.Detail = "a subnet lives in one zone: remove aws_availability_zone or set it to " + sub.Zone
		res.Diagnostics = append(res.Diagnostics, d)
	}
	if vpc, err := cl.GroupVPC(ctx, c.SG, "catalog.aws_vpc_security_group_id"); check(err) && known && vpc != sub.VPC {
		d := provider.Errorf("catalog.aws_vpc_security_group_id", "security group %s belongs to %s, the subnet to %s", c.SG, vpc, sub.VPC)
		d.Detail = "use a security group of the subnet's VPC"
		res.Diagnostics = append(res.Diagnostics, d)
	}
	image := s.CloudImage
	if image == "default" {
		image = c.DefaultImage
	}
	_, _, err = cl.ResolveImage(ctx, image, c.ImageOwners)
	check(err)
	zone := sub.Zone
	if zone == "" {
		zone = c.Zone
	}
	if zone != "" {
		if ok, err := cl.Offered(ctx, s.InstanceType, zone); check(err) && !ok {
			d := provider.Errorf("spec.instance_type", "instance type %s is not offered in %s", s.InstanceType, zone)
			d.Detail = "pick another instance_type, or a catalog entry whose subnet is in another zone"
			res.Diagnostics = append(res.Diagnostics, d)
		}
	}
	if known {
		res.Diagnostics = append(res.Diagnostics, fixedIPs(req.Nodes, s.IPAddresses, sub)...)
	}
	return res, nil
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
			diags = append(diags, provider.Errorf(field, "%s is not inside subnet %s (%s)", n.FixedIP, sub.ID, sub.CIDR))
		case reserved(prefix, a):
			d := provider.Errorf(field, "%s is reserved by AWS in subnet %s (%s)", n.FixedIP, sub.ID, sub.CIDR)
			d.Detail = "AWS keeps the first four addresses and the last one of every subnet"
			diags = append(diags, d)
		}
	}
	return diags
}

// denied tells an error of a call the credentials may not make.
func denied(err error) bool {
	var de *provider.DiagnosticsError
	return errors.As(err, &de) && len(de.Diags) > 0 && ec2x.Denied(de.Diags[0].Code)
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
