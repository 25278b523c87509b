package oracle

import (
	"context"
	"net/netip"

	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Preflight checks with reads only, while the user's request is still
// open, what would make the create fail later: the key, the catalog's
// network, the image, fixed IPs inside the real network. kit/preflight
// sorts the findings: a refusal is an error on the field to fix; a cloud
// that cannot answer now, or a key that may not read, only a warning.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, sdiags := p.Spec(cat, req.Spec) // the catalog entry is decoded once, by open
	if err := sdiags.Err(); err != nil {
		return nil, err
	}
	diags := preflight.Run(ctx,
		preflight.Check{Name: "the network", Field: "catalog.oracle_network_id", Run: func(ctx context.Context) error {
			cidr, err := c.NetworkCIDR(ctx, cat.NetworkID) // CLOUD CALL
			if err != nil {
				return cloudErr("read network "+cat.NetworkID, err)
			}
			return inside(cidr, req.Nodes).Err()
		}},
		preflight.Check{Name: "the image", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			return cloudErr("read image "+sp.image(), c.ImageExists(ctx, sp.image())) // CLOUD CALL
		}},
	)
	return &provider.PreflightResult{Diagnostics: diags}, nil
}

// inside checks the nodes' fixed IPs against the network's real range,
// which the catalog's private_network_ipmask may not match.
func inside(cidr string, nodes []provider.NodeRef) provider.Diagnostics {
	net, err := netip.ParsePrefix(cidr)
	if err != nil {
		return provider.Diagnostics{provider.New(provider.CodePluginError, "the cloud gave the network a range %q: %v", cidr, err)}
	}
	var d provider.Diagnostics
	for _, n := range nodes {
		if a, err := netip.ParseAddr(n.FixedIP); err == nil && !net.Contains(a) {
			d = append(d, provider.Invalid("fixed IP %s of node %d is not inside the network's %s", a, n.NodeNo, net).On("spec.ip_addresses").
				Because("pick addresses of %s, or fix the catalog entry's private_network_ipmask", net))
		}
	}
	return d
}
