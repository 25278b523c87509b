package sakura

import (
	"context"
	"net/netip"

	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// addressesFree: no server of the account other than the node's own
// stands on a node's address on the switch. The host's pool never gives
// an address twice, but it cannot see servers made outside vcc (the
// controller's own NIC, a hand-made server) whose addresses the pool
// file lists by mistake.
func addressesFree(ctx context.Context, a *api, cat *catalog, nodes []provider.NodeRef) error {
	want := map[string]provider.NodeRef{}
	for _, n := range nodes {
		if n.FixedIP != "" {
			want[n.FixedIP] = n
		}
	}
	if len(want) == 0 {
		return nil
	}
	servers, err := a.servers(ctx, cat.Zone, nil)
	if err != nil {
		return cloudErr("list the servers of "+cat.Zone, err)
	}
	var diags provider.Diagnostics
	for _, s := range servers {
		for _, nic := range s.Interfaces {
			n, taken := want[nic.UserIPAddress]
			if !taken || nic.SwitchID.String() != cat.SwitchID || tags.NodeID(tags.FromStrings(s.Tags)) == n.NodeID {
				continue
			}
			diags = append(diags, provider.Invalid("address %s of node %d is used by server %s (%s) on switch %s", nic.UserIPAddress, n.NodeNo, s.ID, s.Name, cat.SwitchID).
				On("spec.ip_addresses").Because("take %s out of the pool in %s (or give the node another address), then run vcc-host init", nic.UserIPAddress, PoolFile))
		}
	}
	for ip, n := range want {
		if a, err := netip.ParseAddr(ip); err == nil && (!cat.Prefix().Contains(a) || ip == cat.Gateway) {
			diags = append(diags, provider.Invalid("address %s of node %d is not a host address of %s beside the gateway %s", ip, n.NodeNo, cat.Prefix(), cat.Gateway).
				On("spec.ip_addresses").Because("the pool in %s must hold addresses of the catalog entry's network, the gateway's excepted", PoolFile))
		}
	}
	return diags.Err()
}
