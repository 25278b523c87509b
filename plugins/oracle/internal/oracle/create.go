package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode makes the node's server, or returns the one an earlier
// attempt made: the host repeats a create after a timeout or a crash, and
// a retry must never make a second server.
func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, sdiags := p.Spec(cat, req.Spec) // the catalog entry is decoded once, by open
	if err := sdiags.Err(); err != nil {
		return nil, err
	}
	// FirstAttempt is the host's promise that it never asked before, which
	// saves the look-up on the common path.
	if !req.FirstAttempt {
		s, err := find(ctx, c, req.Env, req.Node)
		if err != nil || s != nil {
			return statusOf(s), err
		}
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, provider.Invalid("%v", err).On("spec").Err()
	}
	name := req.Node.CloudInstanceName
	if name == "" {
		name = "vcc-" + req.Node.NodeID
	}
	// CLOUD CALL. Use your cloud's idempotency token too where it has one
	// (the node id is a good one).
	s, err := c.CreateServer(ctx, cloud.CreateRequest{
		Name: name, Image: sp.image(), Size: sp.InstanceType, Network: cat.NetworkID, FixedIP: req.Node.FixedIP,
		// The controller and node ids on the server make find and the
		// all-of-controller describe work.
		Tags: tags.For(req.Env, req.Node, sp.Tags),
		// The Base container starts from the user data at first boot, and
		// its agent joins the controller by itself.
		UserData: basecontainer.CloudInit(bc, req.Env, req.Node),
	})
	if err != nil {
		return nil, cloudErr("create the server", err)
	}
	return statusOf(s), nil
}

// find looks the node's server up by its tags; nil when there is none.
// The controller's id is matched too: another controller's node never
// counts.
func find(ctx context.Context, c *cloud.Client, env provider.CallEnv, node provider.NodeRef) (*cloud.Server, error) {
	// CLOUD CALL: a list filtered by tags (or labels, or metadata).
	list, err := c.ListServers(ctx, map[string]string{provider.TagControllerID: env.ControllerID, provider.TagNodeID: node.NodeID})
	if err != nil {
		return nil, cloudErr("look up the node's server", err)
	}
	for _, s := range list {
		if s.Status != "deleting" {
			return &s, nil
		}
	}
	return nil, nil
}

// statusOf reports a server; nil for none.
func statusOf(s *cloud.Server) *provider.NodeStatus {
	if s == nil {
		return nil
	}
	state, reason := stateOf(s.Status)
	return &provider.NodeStatus{
		NodeID: tags.NodeID(s.Tags), CloudInstanceID: s.ID, CloudInstanceName: s.Name, CloudInstanceAddress: s.Address,
		State: state, StateReason: reason, Tags: s.Tags,
	}
}

// states maps every status of the cloud onto the protocol's.
var states = map[string]provider.InstanceState{
	"pending": provider.InstancePending, "starting": provider.InstancePending,
	"running": provider.InstanceRunning, "rebooting": provider.InstanceRunning,
	"stopping": provider.InstanceStopping, "stopped": provider.InstanceStopped,
	"deleting": provider.InstanceTerminating,
}

// stateOf maps a status; one this plugin does not know is an error state
// with the cloud's word for it, never a guess.
func stateOf(status string) (provider.InstanceState, string) {
	if st, ok := states[status]; ok {
		return st, ""
	}
	return provider.InstanceError, "the cloud reports status " + status
}
