package controller

import (
	"context"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// Liveness is what the controller needs of the Serf monitor.
type Liveness interface {
	Port() int
	// Key is the gossip key agents need (nil: plaintext gossip).
	Key() []byte
	Alive(nodeID string) bool
	WaitAlive(ctx context.Context, nodeID string) error
	Subscribe() (<-chan liveness.Event, func())
	Forget(nodeID string)
	Started() time.Time
}

// livenessGrace is how long after the monitor starts a node may be
// silent before it counts as lost: a restarted controller first lets
// the agents find it again.
const livenessGrace = 30 * time.Second

// AwaitsAgent reports whether node n of unit u becomes RUNNING only once
// its agent has joined: liveness is on, the provider starts the Base
// container, and the node is watched.
func (c *Controller) AwaitsAgent(u *model.Unit, n *model.Node) bool {
	return c.awaitsAgent(u.Provider, n)
}

func (c *Controller) awaitsAgent(prov string, n *model.Node) bool {
	if c.cfg.Liveness == nil || n.Unwatched {
		return false
	}
	info, err := c.plugins.Info(prov)
	return err == nil && info.Has(provider.CapBaseContainer)
}

// AsyncDelete reports whether u's provider only starts deletions.
func (c *Controller) AsyncDelete(u *model.Unit) bool {
	info, err := c.plugins.Info(u.Provider)
	return err == nil && info.Has(provider.CapAsyncDelete)
}

// WaitAgent returns when node id's agent has joined.
func (c *Controller) WaitAgent(ctx context.Context, nodeID string) error {
	return c.cfg.Liveness.WaitAlive(ctx, nodeID)
}

// RunLiveness follows the Serf monitor until ctx ends: a watched RUNNING
// node whose agent fails or leaves becomes CONTAINER_ERROR (its server
// or instance answers) or HOST_ERROR (it does not); it is RUNNING again
// when the agent returns. A sweep catches what events miss (a node that
// died while the controller was down).
func (c *Controller) RunLiveness(ctx context.Context, sweepEvery time.Duration) {
	l := c.cfg.Liveness
	if l == nil {
		return
	}
	evs, cancel := l.Subscribe()
	defer cancel()
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-evs:
			c.livenessChanged(ctx, ev.NodeID, ev.Alive, ev.Why)
		case <-tick.C:
			c.sweep(ctx)
		}
	}
}

func (c *Controller) livenessChanged(ctx context.Context, nodeID string, alive bool, why string) {
	var n *model.Node
	var u *model.Unit
	err := c.st.View(func(tx store.Tx) (err error) {
		if n, err = tx.Node(nodeID); err != nil {
			return err
		}
		u, err = tx.Unit(n.VCID, n.Unit)
		return err
	})
	if err != nil {
		if !alive {
			c.cfg.Liveness.Forget(nodeID) // a deleted node's last word
		}
		return
	}
	if !c.AwaitsAgent(u, n) {
		return
	}
	switch {
	case alive && livenessError(n):
		c.setNodeIf(nodeID, func(n *model.Node) bool {
			if !livenessError(n) {
				return false
			}
			n.State = model.NodeRunning
			n.ClearError()
			return true
		})
	case !alive && n.State == model.NodeRunning:
		go c.lost(ctx, u, n, why)
	}
}

// livenessError: only errors liveness set are undone when the agent
// answers again.
func livenessError(n *model.Node) bool {
	return (n.State == model.NodeContainerError || n.State == model.NodeHostError) && n.ErrorSource == model.SourceLiveness
}

// lost asks the provider whether the node's host still answers and
// records the verdict, if the node is still RUNNING with a silent agent.
// It runs on its own: many nodes lost at once (a network cut) are asked
// about together, not one slow SSH timeout after another.
func (c *Controller) lost(ctx context.Context, u *model.Unit, n *model.Node, why string) {
	if _, busy := c.checking.LoadOrStore(n.NodeID, true); busy {
		return
	}
	defer c.checking.Delete(n.NodeID)
	to, reason := model.NodeHostError, "the node's agent "+agentWord(why)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := c.describeNode(ctx, u, n)
	switch {
	case err != nil:
		reason += "; its host could not be asked: " + err.Error()
	case st.BaseContainer != "" && st.BaseContainer != provider.ContainerRunning && st.State != provider.InstanceError:
		to, reason = model.NodeContainerError, reason+"; the host answers but the Base container is "+st.BaseContainer
	case st.State == provider.InstanceRunning:
		to, reason = model.NodeContainerError, reason+"; the instance runs, so the Base container or its agent failed"
	default:
		reason += "; the host does not answer (" + strings.TrimSpace(string(st.State)+" "+st.StateReason) + ")"
	}
	c.setNodeIf(n.NodeID, func(cur *model.Node) bool {
		if cur.State != model.NodeRunning || c.agentAlive(cur.NodeID) {
			return false
		}
		cur.State = to
		cur.SetError(model.SourceLiveness, reason)
		return true
	})
	c.log.Warn("node lost", "node_id", n.NodeID, "vcid", n.VCID, "unit", n.Unit, "state", to, "reason", reason)
}

func agentWord(why string) string {
	switch why {
	case "leave":
		return "left"
	case "failed":
		return "stopped answering"
	case "reported":
		return "was reported failed (POST /vcs/fail)"
	}
	return "is not a member"
}

func (c *Controller) describeNode(ctx context.Context, u *model.Unit, n *model.Node) (*provider.NodeStatus, error) {
	p, err := c.plugins.Provider(u.Provider)
	if err != nil {
		return nil, err
	}
	env, err := c.CallEnv(ctx, u)
	if err != nil {
		return nil, err
	}
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: env, Nodes: []provider.NodeRef{engine.NodeRef(n)}, Spec: u.Spec})
	if err != nil {
		return nil, err
	}
	for i := range got {
		if got[i].NodeID == n.NodeID {
			return &got[i], nil
		}
	}
	return &provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound}, nil
}

// sweep compares the store with the monitor, for events missed.
func (c *Controller) sweep(ctx context.Context) {
	l := c.cfg.Liveness
	if time.Since(l.Started()) < livenessGrace {
		return
	}
	type item struct {
		u *model.Unit
		n *model.Node
	}
	var todo []item
	_ = c.st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(_ *model.VC, u *model.Unit, nodes []*model.Node) error {
			for _, n := range nodes {
				todo = append(todo, item{u, n})
			}
			return nil
		})
	})
	for _, it := range todo {
		if !c.AwaitsAgent(it.u, it.n) {
			continue
		}
		alive := l.Alive(it.n.NodeID)
		switch {
		case !alive && it.n.State == model.NodeRunning && time.Since(it.n.Updated) > livenessGrace:
			go c.lost(ctx, it.u, it.n, "sweep")
		case alive && it.n.State != model.NodeRunning:
			c.livenessChanged(ctx, it.n.NodeID, true, "sweep")
		}
	}
}

// setNodeIf changes a node in one transaction when fn says so, and
// announces it.
func (c *Controller) setNodeIf(nodeID string, fn func(*model.Node) bool) {
	var n *model.Node
	changed := false
	err := c.st.Update(func(tx store.Tx) error {
		var err error
		if n, err = tx.Node(nodeID); err != nil {
			return err
		}
		if changed = fn(n); !changed {
			return nil
		}
		n.Updated = time.Now().UTC()
		return tx.PutNode(n)
	})
	if err != nil || !changed {
		return
	}
	c.announce(n)
}

func (c *Controller) announce(n *model.Node) {
	c.bus.Publish(events.Event{Type: "node", VCID: n.VCID, Unit: n.Unit, NodeID: n.NodeID, State: string(n.State), Reason: n.StateReason})
}
