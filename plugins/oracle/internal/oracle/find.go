package oracle

import (
	"context"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// listInstances pages through the compartment's instances in the
// catalog's AD (OCI filters by name but not by tag: keep filters tags).
func listInstances(ctx context.Context, c *client, cat *catalog, name string, keep func(core.Instance) bool) ([]core.Instance, error) {
	req := core.ListInstancesRequest{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, Limit: common.Int(1000)}
	if name != "" {
		req.DisplayName = &name
	}
	var out []core.Instance
	for {
		res, err := c.Compute.ListInstances(ctx, req)
		if err != nil {
			return nil, cloudErr("list the compartment's instances", err)
		}
		for _, in := range res.Items {
			if keep(in) {
				out = append(out, in)
			}
		}
		if res.OpcNextPage == nil {
			return out, nil
		}
		req.Page = res.OpcNextPage
	}
}

// find looks up the node's live instance by its tags (and its name, which
// OCI can filter on); nil when there is none. Another controller's
// instance never counts.
func find(ctx context.Context, c *client, cat *catalog, env provider.CallEnv, node provider.NodeRef) (*core.Instance, error) {
	list, err := listInstances(ctx, c, cat, node.CloudInstanceName, func(in core.Instance) bool {
		return tags.Owned(in.FreeformTags, env.ControllerID) && tags.NodeID(in.FreeformTags) == node.NodeID &&
			in.LifecycleState != core.InstanceLifecycleStateTerminated && in.LifecycleState != core.InstanceLifecycleStateTerminating
	})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// findStatus is find, reported with the instance's address.
func (p *Provider) findStatus(ctx context.Context, c *client, cat *catalog, env provider.CallEnv, node provider.NodeRef) (*provider.NodeStatus, error) {
	in, err := find(ctx, c, cat, env, node)
	if err != nil || in == nil {
		return nil, err
	}
	addr, err := p.address(ctx, c, cat, deref(in.Id))
	if err != nil {
		return nil, err
	}
	out := []provider.NodeStatus{p.statusOf(*in, addr)}
	if err := withDisks(ctx, c, cat, out); err != nil {
		return nil, err
	}
	return &out[0], nil
}

// address is an instance's private IP, from its primary VNIC: OCI keeps
// it there, not on the instance. "" while the VNIC is not attached yet.
func (p *Provider) address(ctx context.Context, c *client, cat *catalog, instanceID string) (string, error) {
	if a := p.addresses.get(instanceID); a != "" {
		return a, nil
	}
	res, err := c.Compute.ListVnicAttachments(ctx, core.ListVnicAttachmentsRequest{CompartmentId: &cat.Compartment, InstanceId: &instanceID})
	if err != nil {
		return "", cloudErr("list the VNIC attachments of "+instanceID, err)
	}
	for _, a := range res.Items {
		if a.LifecycleState == core.VnicAttachmentLifecycleStateAttached && a.VnicId != nil {
			return p.vnicAddress(ctx, c, instanceID, *a.VnicId)
		}
	}
	return "", nil
}

func (p *Provider) vnicAddress(ctx context.Context, c *client, instanceID, vnicID string) (string, error) {
	v, err := c.Network.GetVnic(ctx, core.GetVnicRequest{VnicId: &vnicID})
	if err != nil {
		return "", cloudErr("read VNIC "+vnicID, err)
	}
	addr := deref(v.PrivateIp)
	if addr != "" {
		p.addresses.put(instanceID, addr)
	}
	return addr, nil
}
