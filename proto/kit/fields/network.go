// Package fields holds the catalog and spec fields every provider shares,
// as typed values whose checks are written once: a plugin embeds Network
// in its catalog struct and Spec in its spec struct, and package decode
// runs their checks for it.
package fields

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/vccproject/vcc/proto/provider"
)

// Network is the common part of a VPN catalog entry.
type Network struct {
	IPMask     string   `json:"private_network_ipmask"`
	NTPServers []string `json:"ntp_servers"`
	DNSServers []string `json:"cloud_instance_dns_servers"`

	prefix netip.Prefix
}

// Prefix is the parsed private_network_ipmask; invalid when unset.
func (n *Network) Prefix() netip.Prefix { return n.prefix }

// hostRE is a DNS name (RFC 1123 labels).
var hostRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$`)

// CheckCommon checks the mask (an IPv4 network with room for hosts:
// /30 or wider; host bits set are a warning) and the server lists.
func (n *Network) CheckCommon(prefix string) provider.Diagnostics {
	var diags provider.Diagnostics
	if n.IPMask != "" {
		p, err := netip.ParsePrefix(n.IPMask)
		switch {
		case err != nil || !p.Addr().Is4():
			diags = append(diags, provider.Invalid("%q is not an IPv4 CIDR", n.IPMask).On(prefix+".private_network_ipmask").
				Because("write the private network like 172.30.2.0/24"))
		case p.Bits() > 30:
			diags = append(diags, provider.Invalid("%s leaves no room for nodes", n.IPMask).On(prefix+".private_network_ipmask").
				Because("give a network of /30 or wider, like 172.30.2.0/24"))
		default:
			if p.Masked() != p {
				diags = append(diags, provider.Invalid("%s has host bits set; %s is used", n.IPMask, p.Masked()).
					On(prefix+".private_network_ipmask").Because("write the network address").Warning())
			}
			n.prefix = p.Masked()
		}
	}
	for i, s := range n.NTPServers {
		if _, err := netip.ParseAddr(s); err != nil && !hostRE.MatchString(s) {
			diags = append(diags, provider.Invalid("%q is neither an IP address nor a host name", s).On(fmt.Sprintf("%s.ntp_servers[%d]", prefix, i)))
		}
	}
	for i, s := range n.DNSServers {
		if _, err := netip.ParseAddr(s); err != nil {
			diags = append(diags, provider.Invalid("%q is not an IP address", s).On(fmt.Sprintf("%s.cloud_instance_dns_servers[%d]", prefix, i)))
		}
	}
	return diags
}

// Contains reports whether ip lies in the mask (true when no mask is set).
func (n *Network) Contains(ip netip.Addr) bool {
	return !n.prefix.IsValid() || n.prefix.Contains(ip)
}

// NetworkFields gives the embedded Network to generic code (decode.Docs).
func (n *Network) NetworkFields() *Network { return n }
