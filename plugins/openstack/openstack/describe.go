package openstack

import (
	"context"
	"net/netip"
	"sort"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// DescribeNodes answers polls and reconcile with one call: the
// controller's servers, listed by its tag (by metadata where Nova
// lacks tags); kit/describe fills in not_found for the others.
func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, e, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	list, err := p.servers(ctx, c, req.Env.ControllerID, "")
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	for i := range list {
		ans.Add(*p.statusOf(&list[i], e))
	}
	return ans.Nodes(), nil
}

// servers lists the controller's servers, of one node when nodeID is set.
func (p *Provider) servers(ctx context.Context, c *Cloud, controllerID, nodeID string) ([]servers.Server, error) {
	opts := servers.ListOpts{}
	if c.Tags {
		opts.Tags = tags.Pair(provider.TagControllerID, controllerID)
		if nodeID != "" {
			opts.Tags += "," + tags.Pair(provider.TagNodeID, nodeID)
		}
	}
	pages, err := servers.List(c.Compute, opts).AllPages(ctx)
	if err != nil {
		return nil, cloudErr("list the controller's servers", err)
	}
	all, err := servers.ExtractServers(pages)
	if err != nil {
		return nil, cloudErr("read servers", err)
	}
	// Without tags (and as a guard with them) the metadata decides.
	out := all[:0]
	for _, s := range all {
		if s.Metadata[provider.TagControllerID] == controllerID && (nodeID == "" || s.Metadata[provider.TagNodeID] == nodeID) {
			out = append(out, s)
		}
	}
	return out, nil
}

// find is the node's server; nil when there is none (or it is being
// deleted).
func (p *Provider) find(ctx context.Context, c *Cloud, env provider.CallEnv, node provider.NodeRef) (*servers.Server, error) {
	list, err := p.servers(ctx, c, env.ControllerID, node.NodeID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].TaskState != "deleting" {
			return &list[i], nil
		}
	}
	return nil, nil
}

// statusOf reports a server; nil for none.
func (p *Provider) statusOf(s *servers.Server, e *Entry) *provider.NodeStatus {
	if s == nil {
		return nil
	}
	state, reason := stateOf(s)
	return &provider.NodeStatus{NodeID: s.Metadata[provider.TagNodeID], CloudInstanceID: s.ID, CloudInstanceName: s.Name,
		CloudInstanceAddress: address(s, e), State: state, StateReason: reason, Tags: s.Metadata}
}

// stateOf maps Nova's status and task state; an unknown status is an
// error with Nova's word for it, never a guess.
func stateOf(s *servers.Server) (provider.InstanceState, string) {
	switch {
	case s.TaskState == "deleting":
		return provider.InstanceTerminating, ""
	case s.Status == "ERROR":
		reason := "Nova reports the server ERROR"
		if s.Fault.Message != "" {
			reason = "Nova: " + s.Fault.Message
		}
		if s.Fault.Message == "No valid host was found. There are not enough hosts available." {
			reason += " (the cloud has no room for the flavor now: try again later, another flavor or availability zone)"
		}
		return provider.InstanceError, reason
	case s.Status == "ACTIVE" && s.TaskState == "powering-off":
		return provider.InstanceStopping, ""
	case s.Status == "SHUTOFF" && s.TaskState == "powering-on":
		return provider.InstancePending, ""
	}
	switch s.Status {
	case "BUILD", "REBUILD":
		return provider.InstancePending, ""
	case "ACTIVE", "REBOOT", "HARD_REBOOT", "PASSWORD", "RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE", "MIGRATING", "RESCUE":
		return provider.InstanceRunning, ""
	case "SHUTOFF", "SUSPENDED", "PAUSED", "SHELVED", "SHELVED_OFFLOADED":
		return provider.InstanceStopped, ""
	case "DELETED", "SOFT_DELETED":
		return provider.InstanceTerminating, ""
	}
	return provider.InstanceError, "Nova reports the server " + s.Status
}

// address is the node's private address: a fixed one inside the
// entry's private_network_ipmask when set, else the first fixed one.
func address(s *servers.Server, e *Entry) string {
	mask, _ := netip.ParsePrefix(e.IPMask)
	nets := make([]string, 0, len(s.Addresses))
	for n := range s.Addresses {
		nets = append(nets, n)
	}
	sort.Strings(nets)
	first := ""
	for _, n := range nets {
		list, _ := s.Addresses[n].([]any)
		for _, a := range list {
			m, _ := a.(map[string]any)
			ip, _ := m["addr"].(string)
			if typ, _ := m["OS-EXT-IPS:type"].(string); typ == "floating" || ip == "" {
				continue
			}
			addr, err := netip.ParseAddr(ip)
			if err == nil && mask.IsValid() && mask.Contains(addr) {
				return ip
			}
			if first == "" {
				first = ip
			}
		}
	}
	return first
}
