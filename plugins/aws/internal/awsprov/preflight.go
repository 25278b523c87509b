package awsprov

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
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
	sub, err := cl.Subnet(ctx, c.Subnet, "catalog.aws_vpc_subnet_id")
	res.Diagnostics = append(res.Diagnostics, triage(ctx, err)...)
	known := err == nil // else what depends on the subnet is not checked
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
	zone := sub.Zone
	if zone == "" {
		zone = c.Zone
	}
	image := s.CloudImage
	if image == "default" {
		image = c.DefaultImage
	}
	// The other look-ups are independent: made at once, so the request
	// waits for one EC2 round trip instead of three; reported in a fixed
	// order.
	var group, ami, offer provider.Diagnostics
	var wg sync.WaitGroup
	wg.Go(func() {
		vpc, err := cl.GroupVPC(ctx, c.SG, "catalog.aws_vpc_security_group_id")
		if group = triage(ctx, err); err == nil && known && vpc != sub.VPC {
			d := provider.Errorf("catalog.aws_vpc_security_group_id", "security group %s belongs to %s, the subnet to %s", c.SG, vpc, sub.VPC)
			d.Detail = "use a security group of the subnet's VPC"
			group = append(group, d)
		}
	})
	wg.Go(func() {
		_, _, err := cl.ResolveImage(ctx, image, c.ImageOwners)
		ami = triage(ctx, err)
	})
	if zone != "" {
		wg.Go(func() {
			ok, err := cl.Offered(ctx, s.InstanceType, zone)
			if offer = triage(ctx, err); err == nil && !ok {
				d := provider.Errorf("spec.instance_type", "instance type %s is not offered in %s", s.InstanceType, zone)
				d.Detail = "pick another instance_type, or a catalog entry whose subnet is in another zone"
				offer = append(offer, d)
			}
		})
	}
	wg.Wait()
	res.Diagnostics = append(append(append(res.Diagnostics, group...), ami...), offer...)
	if known {
		res.Diagnostics = append(res.Diagnostics, fixedIPs(req.Nodes, s.IPAddresses, sub)...)
	}
	return res, nil
}

// triage turns a failed look-up into what the preflight reports: a
// refusal stays an error on its field; a passing failure (throttling, a
// network blip) or a look-up the IAM policy does not allow becomes a
// warning, since the create itself may well work.
func triage(ctx context.Context, err error) provider.Diagnostics {
	if err == nil {
		return nil
	}
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) {
		if ctx.Err() != nil {
			return provider.Diagnostics{provider.Errorf("", "preflight cut short: %v", ctx.Err())}
		}
		de = &provider.DiagnosticsError{Diags: provider.Diagnostics{provider.Errorf("", "%v", err)}}
	}
	var out provider.Diagnostics
	for _, d := range de.Diags {
		switch {
		case d.Retryable:
			d.Severity = provider.SeverityWarning
			d.Summary = "could not check with EC2 (the create goes ahead and retries): " + d.Summary
		case ec2x.Denied(d.Code):
			d.Severity, d.Field = provider.SeverityWarning, ""
			d.Summary = "not permitted to check this before launching (the create goes ahead): " + d.Summary
			d.Detail = "allow the Describe calls listed in the README for early, precise errors"
		}
		out = append(out, d)
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
