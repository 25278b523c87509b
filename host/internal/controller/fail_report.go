package controller

import (
	"context"
	"errors"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// FailReport is what became of each node named by an external failure
// report (upstream's Serf event handler POSTs /vcs/fail).
type FailReport struct {
	// Checking: RUNNING nodes now being checked with their cloud; each
	// becomes HOST_ERROR or CONTAINER_ERROR unless its agent answers.
	Checking []string `json:"checking"`
	// Ignored: nodes left as they are, with why.
	Ignored []IgnoredNode `json:"ignored"`
	// Unknown: names that are no node of this controller.
	Unknown []string `json:"unknown"`
}

// IgnoredNode is a reported node that was left alone.
type IgnoredNode struct {
	NodeID string `json:"node_id"`
	Reason string `json:"reason"`
}

// ReportFailed takes an external report that nodes failed (their Serf
// node names are their node ids). A report is a hint, not a verdict: a
// RUNNING node is checked as when the controller's own Serf loses its
// agent (the cloud is asked; an agent this controller still hears keeps
// it RUNNING).
func (c *Controller) ReportFailed(ctx context.Context, nodeIDs []string) (*FailReport, error) {
	rep := &FailReport{Checking: []string{}, Ignored: []IgnoredNode{}, Unknown: []string{}}
	for _, id := range nodeIDs {
		var n *model.Node
		var u *model.Unit
		err := c.st.View(func(tx store.Tx) (err error) {
			if n, err = tx.Node(id); err != nil {
				return err
			}
			u, err = tx.Unit(n.VCID, n.Unit)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			rep.Unknown = append(rep.Unknown, id)
		case err != nil:
			return nil, err
		case n.State != model.NodeRunning:
			rep.Ignored = append(rep.Ignored, IgnoredNode{id, "the node is " + string(n.State) + ", not RUNNING"})
		case c.agentAlive(id):
			rep.Ignored = append(rep.Ignored, IgnoredNode{id, "this controller's Serf hears the node's agent"})
		default:
			rep.Checking = append(rep.Checking, id)
			go c.lost(context.WithoutCancel(ctx), u, n, "reported")
		}
	}
	return rep, nil
}

// agentAlive: the controller's own Serf hears the node's agent.
func (c *Controller) agentAlive(nodeID string) bool {
	return c.cfg.Liveness != nil && c.cfg.Liveness.Alive(nodeID)
}
