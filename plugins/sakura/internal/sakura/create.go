package sakura

import (
	"context"
	"net/netip"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode makes the node's server, or finishes and returns the one an
// earlier attempt made: every step looks at what is there first, so a
// create cut anywhere (a timeout, a host crash) goes on where it stopped
// and never makes a second server or disk.
func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	ip, err := nodeAddress(cat, req.Node)
	if err != nil {
		return nil, err
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, provider.Invalid("%v", err).On("spec").Err()
	}
	unlock, err := p.nodes.lock(ctx, req.Node.NodeID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	b := &build{a: a, booted: &p.boots, first: req.FirstAttempt, cat: cat, sp: sp, env: req.Env, node: req.Node, ip: ip,
		tags:   tags.Strings(tags.For(req.Env, req.Node, sp.Tags)),
		script: basecontainer.CloudInit(bc, req.Env, req.Node)}
	// FirstAttempt is the host's promise that it never asked before,
	// which saves the look-ups on the common path.
	if !req.FirstAttempt {
		if err := b.lookUp(ctx); err != nil {
			return nil, err
		}
		if b.server != nil && b.server.InstanceStatus.IsUp() {
			return statusOf(b.server), nil
		}
	}
	if err := b.run(ctx); err != nil {
		return nil, err
	}
	// The boot is asked, not waited for: the host's poller watches the
	// unit's booting servers in one describe, and the call's slot under
	// the provider limit goes to the next node.
	st := statusOf(b.server)
	if b.booting {
		st.State, st.StateReason = provider.InstancePending, "booting"
	}
	st.CloudInstanceAddress = ip.String()
	return st, nil
}

// nodeAddress is the node's fixed IP from the host's pool: the switch has
// no DHCP, so a node without one cannot be reached.
func nodeAddress(cat *catalog, node provider.NodeRef) (netip.Addr, error) {
	a, err := netip.ParseAddr(node.FixedIP)
	if err != nil {
		return a, provider.Invalid("node %d has no fixed IP (%q): Sakura's switch has no DHCP", node.NodeNo, node.FixedIP).On("node.fixed_ip").
			Because("the controller gives every node an address of the IP pool in " + PoolFile + "; check that the catalog entry has a pool there").Err()
	}
	if !cat.Prefix().Contains(a) {
		return a, provider.Invalid("fixed IP %s of node %d is not inside private_network_ipmask %s", a, node.NodeNo, cat.Prefix()).On("spec.ip_addresses").
			Because("the pool in %s and the catalog entry's private_network_ipmask must agree", PoolFile).Err()
	}
	return a, nil
}

// statusOf reports a server.
func statusOf(s *iaas.Server) *provider.NodeStatus {
	t := tags.FromStrings(s.Tags)
	state, reason := stateOf(s)
	st := &provider.NodeStatus{NodeID: tags.NodeID(t), CloudInstanceID: s.ID.String(), CloudInstanceName: s.Name,
		State: state, StateReason: reason, Tags: t}
	if len(s.Interfaces) > 0 {
		st.CloudInstanceAddress = s.Interfaces[0].UserIPAddress
	}
	st.AttachedDisks = connected(s)
	return st
}

// connected lists the disks of a server besides its boot disk (the
// first), with the device each is inside the server: virtio disks are
// /dev/vda, /dev/vdb, ... in connection order.
func connected(s *iaas.Server) []provider.DiskAttachment {
	var out []provider.DiskAttachment
	for i, d := range s.Disks {
		if i == 0 {
			continue
		}
		a := provider.DiskAttachment{CloudDiskID: d.ID.String()}
		if d.Connection == types.DiskConnections.VirtIO && i < 26 {
			a.Device = "/dev/vd" + string(rune('a'+i))
		}
		out = append(out, a)
	}
	return out
}

// stateOf maps a server's availability and instance status onto the
// protocol's states; one this plugin does not know is an error with the
// cloud's words, never a guess.
func stateOf(s *iaas.Server) (provider.InstanceState, string) {
	switch s.Availability {
	case types.Availabilities.Failed:
		return provider.InstanceError, "Sakura Cloud reports the server failed"
	case types.Availabilities.Migrating, types.Availabilities.Uploading, types.Availabilities.Transferring:
		return provider.InstancePending, "the server is " + string(s.Availability)
	}
	switch s.InstanceStatus {
	case types.ServerInstanceStatuses.Up:
		return provider.InstanceRunning, ""
	case types.ServerInstanceStatuses.Cleaning:
		return provider.InstanceStopping, ""
	case types.ServerInstanceStatuses.Down, types.ServerInstanceStatuses.Unknown:
		return provider.InstanceStopped, ""
	}
	return provider.InstanceError, "Sakura Cloud reports instance status " + string(s.InstanceStatus)
}
