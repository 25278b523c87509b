package sakura

import (
	"context"

	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// DescribeNodes answers the host's polls and reconcile. kit/describe
// fills in not_found for asked nodes the zone lacks.
func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	var ids []types.ID
	for _, n := range req.Nodes {
		ids = append(ids, types.StringID(n.CloudInstanceID))
	}
	f := tagged(tags.Pair(provider.TagControllerID, req.Env.ControllerID))
	if req.StateOnly && !req.AllOfController && allKnown(req.Nodes) {
		// The host polls waiting nodes often: one find of those ids
		// instead of the controller's every server.
		f = withIDs(ids)
	}
	found, err := a.servers(ctx, cat.Zone, f)
	if err != nil {
		return nil, cloudErr("list the controller's servers in "+cat.Zone, err)
	}
	for _, s := range found {
		st := statusOf(s)
		if !tags.Owned(st.Tags, req.Env.ControllerID) {
			continue // an id that is no longer this controller's server
		}
		if asked, ok := p.boots.since(s.ID); ok && st.State == provider.InstanceStopped && s.InstanceStatusChangedAt.Before(asked) {
			// Down since before the boot this process asked: booting
			// (down after it would be a server that stopped again).
			st.State, st.StateReason = provider.InstancePending, "booting"
		}
		ans.Add(*st)
	}
	return ans.Nodes(), nil
}

// allKnown: every node has its server's id (a create whose answer was
// lost has none, and is found by its tags instead).
func allKnown(nodes []provider.NodeRef) bool {
	for _, n := range nodes {
		if n.CloudInstanceID == "" {
			return false
		}
	}
	return len(nodes) > 0
}
