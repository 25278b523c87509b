package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// DescribeNodes answers the host's polls and reconcile. kit/describe fills
// in not_found for asked nodes the cloud lacks and keeps one entry per
// node.
func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, _, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	if req.StateOnly && !req.AllOfController && allKnown(req.Nodes) {
		// The host polls waiting nodes often: the cheap call by id.
		err = stateByID(ctx, c, req.Nodes, ans)
	} else {
		err = everyServer(ctx, c, req, ans)
	}
	if err != nil {
		return nil, err
	}
	return ans.Nodes(), nil
}

// allKnown: every node has its server's id (a create whose answer was
// lost has none, and is found by tag instead).
func allKnown(nodes []provider.NodeRef) bool {
	for _, n := range nodes {
		if n.CloudInstanceID == "" {
			return false
		}
	}
	return true
}

func stateByID(ctx context.Context, c *cloud.Client, nodes []provider.NodeRef, ans *describe.Answer) error {
	ids := make([]string, len(nodes))
	nodeOf := make(map[string]string, len(nodes))
	for i, n := range nodes {
		ids[i], nodeOf[n.CloudInstanceID] = n.CloudInstanceID, n.NodeID
	}
	list, err := c.Statuses(ctx, ids) // CLOUD CALL: states only
	if err != nil {
		return cloudErr("read server states", err)
	}
	for _, s := range list {
		state, reason := stateOf(s.Status)
		ans.Add(provider.NodeStatus{NodeID: nodeOf[s.ID], CloudInstanceID: s.ID, State: state, StateReason: reason})
	}
	return nil
}

// everyServer lists the controller's servers by tag: the asked ones are
// among them, and the others are what reconcile looks for.
func everyServer(ctx context.Context, c *cloud.Client, req provider.DescribeRequest, ans *describe.Answer) error {
	list, err := c.ListServers(ctx, map[string]string{provider.TagControllerID: req.Env.ControllerID}) // CLOUD CALL
	if err != nil {
		return cloudErr("list the controller's servers", err)
	}
	for i := range list {
		ans.Add(*statusOf(&list[i]))
	}
	return nil
}
