package awsprov

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	nodes := req.Nodes // those still to look up in full
	if req.StateOnly && !req.AllOfController {
		if nodes, err = p.states(ctx, cl, ans, nodes); err != nil {
			return nil, err
		}
	}
	if len(nodes) > 0 {
		found, err := cl.Find(ctx, nodes)
		if err != nil {
			return nil, err
		}
		for _, in := range found {
			ans.Add(ec2x.Status(in))
		}
	}
	if req.AllOfController {
		all, err := cl.ByController(ctx, req.Env.ControllerID)
		if err != nil {
			return nil, err
		}
		for _, in := range all {
			// Both plugins share the account: each claims its own kind.
			if (in.InstanceLifecycle == types.InstanceLifecycleTypeSpot) == p.spot {
				ans.Add(ec2x.Status(in))
			}
		}
	}
	return ans.Nodes(), nil
}

// states answers a state-only describe with EC2's light status call for
// the nodes whose instance id is known. It returns the nodes that need a
// full look: those without an id and, for spot, instances that are not
// pending or running (whose state reason tells a reclaim from a stop).
func (p *Provider) states(ctx context.Context, cl *ec2x.Client, ans *describe.Answer, nodes []provider.NodeRef) ([]provider.NodeRef, error) {
	var ids []string
	for _, n := range nodes {
		if n.CloudInstanceID != "" {
			ids = append(ids, n.CloudInstanceID)
		}
	}
	got, err := cl.States(ctx, ids)
	if err != nil {
		return nil, err
	}
	var rest []provider.NodeRef
	for _, n := range nodes {
		name, ok := got[n.CloudInstanceID]
		switch {
		case n.CloudInstanceID == "":
			rest = append(rest, n)
		case p.spot && ok && name != types.InstanceStateNamePending && name != types.InstanceStateNameRunning:
			rest = append(rest, n)
		case ok: // else EC2 does not know it (any more): not found
			ans.Add(provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: n.CloudInstanceID, State: ec2x.State(name)})
		}
	}
	return rest, nil
}
