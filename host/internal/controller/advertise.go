package controller

import (
	"encoding/json"
	"net"
	"net/netip"

	"github.com/vccproject/vcc/host/internal/model"
)

// ControllerAddressFor is the address node n is told to reach the
// controller at: the configured one (--advertise-addr, .env), else the
// address of this machine that its routes use toward the node's fixed IP
// (an existing server's address) or, without one, toward the first
// address of the unit's private network. Empty when none can be found;
// the agent then says what to set.
func (c *Controller) ControllerAddressFor(u *model.Unit, n *model.Node) string {
	if c.cfg.AdvertiseAddr != "" {
		return c.cfg.AdvertiseAddr
	}
	target := n.FixedIP
	if target == "" {
		if e, ok := c.Catalog().Lookup(u.Provider, u.CatalogEntry); ok {
			target = firstHost(e.Values)
		}
	}
	if target == "" {
		return ""
	}
	addr := localAddrToward(target)
	c.log.Debug("no advertise address: nodes are told the local address that routes to them", "node_id", n.NodeID, "toward", target, "controller_address", addr)
	return addr
}

// firstHost is the first host address of a catalog entry's
// private_network_ipmask (upstream's key for a node network), or "".
func firstHost(entry json.RawMessage) string {
	var v struct {
		Mask string `json:"private_network_ipmask"`
	}
	if json.Unmarshal(entry, &v) != nil || v.Mask == "" {
		return ""
	}
	p, err := netip.ParsePrefix(v.Mask)
	if err != nil {
		return ""
	}
	return p.Masked().Addr().Next().String()
}

// localAddrToward is the source address the kernel picks for ip: a UDP
// "connection" sends nothing, it only routes.
func localAddrToward(ip string) string {
	if _, err := netip.ParseAddr(ip); err != nil {
		return "" // never a name to look up
	}
	conn, err := net.Dial("udp", net.JoinHostPort(ip, "9"))
	if err != nil {
		return ""
	}
	defer func() { _ = conn.Close() }()
	local, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok || local.IP.IsUnspecified() {
		return ""
	}
	return local.IP.String()
}
