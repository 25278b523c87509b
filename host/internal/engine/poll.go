package engine

import (
	"context"
	"sync"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

// poller describes the waiting nodes of one unit together: one
// DescribeNodes call per tick for all of them, instead of one per node,
// which matters for API rate limits and for many nodes.
type poller struct {
	e    *Engine
	key  string
	mu   sync.Mutex
	wait map[string]*waiter // node id -> waiter
	// kick tells the loop a new node waits: its first look comes soon,
	// not after the backoff the older waiters have reached.
	kick chan struct{}
	prov provider.Provider
	name string
	env  provider.CallEnv
	spec []byte
}

type waiter struct {
	ref provider.NodeRef
	ch  chan provider.NodeStatus
}

// observe returns the next observation of node t, shared with the other
// nodes of its unit that wait too.
func (e *Engine) observe(ctx context.Context, t *target) (provider.NodeStatus, error) {
	key := queueKey(t.unit.VCID, t.unit.Name)
	w := &waiter{ref: t.req.Node, ch: make(chan provider.NodeStatus, 1)}
	// Register under e.mu, the lock an idle poller holds to retire, so
	// no waiter joins a poller that is leaving.
	e.mu.Lock()
	p := e.pollers[key]
	if p == nil {
		p = &poller{e: e, key: key, wait: map[string]*waiter{}, kick: make(chan struct{}, 1), prov: t.prov, name: t.unit.Provider, env: t.req.Env, spec: t.req.Spec}
		e.pollers[key] = p
		go p.run()
	}
	p.mu.Lock()
	p.wait[t.node.NodeID] = w
	p.mu.Unlock()
	e.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	defer func() {
		p.mu.Lock()
		delete(p.wait, t.node.NodeID)
		p.mu.Unlock()
	}()
	select {
	case st := <-w.ch:
		return st, nil
	case <-ctx.Done():
		return provider.NodeStatus{}, ctx.Err()
	}
}

// run describes the waiting nodes soon, then less and less often, and
// stops when nobody has waited for a while.
func (p *poller) run() {
	// The first look comes soon (31 ms at the default 2 s): against a
	// fast cloud the wait for "running" is mostly this delay; against a
	// slow one the doubling makes it a handful of extra calls per unit.
	base := p.e.cfg.PollInterval / 64
	wait := base
	idle := 0
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-p.kick:
			// A new waiter: look again after the base delay (which also
			// gathers the nodes arriving with it into one describe).
			if wait > base {
				wait = base
				timer.Reset(wait)
			}
			continue
		case <-p.e.ctx.Done():
			return
		}
		p.mu.Lock()
		waiters := make([]*waiter, 0, len(p.wait))
		for _, w := range p.wait {
			waiters = append(waiters, w)
		}
		p.mu.Unlock()
		if len(waiters) == 0 {
			if idle++; idle > 3 {
				p.e.mu.Lock()
				p.mu.Lock()
				done := len(p.wait) == 0
				if done {
					delete(p.e.pollers, p.key)
				}
				p.mu.Unlock()
				p.e.mu.Unlock()
				if done {
					return
				}
			}
			wait = base
			timer.Reset(wait)
			continue
		}
		idle = 0
		refs := make([]provider.NodeRef, len(waiters))
		for i, w := range waiters {
			refs[i] = w.ref
		}
		var got []provider.NodeStatus
		// Urgent: one describe serves every waiting node of the unit, so
		// it goes before the node calls queued for the provider's slots.
		err := p.e.callIn(p.e.ctx, p.e.ctx, p.name, "DescribeNodes", true, func(c context.Context) (err error) {
			got, err = p.prov.DescribeNodes(c, provider.DescribeRequest{Env: p.env, Nodes: refs, Spec: p.spec, StateOnly: true})
			return err
		})
		for _, w := range waiters {
			st := provider.NodeStatus{NodeID: w.ref.NodeID, State: provider.InstanceNotFound}
			if err != nil {
				st.State, st.StateReason = provider.InstanceError, "describe failed: "+err.Error()
			} else if found := find(got, w.ref.NodeID); found != nil {
				st = *found
			}
			select {
			case w.ch <- st:
			default:
			}
		}
		wait = min(2*wait, p.e.cfg.PollInterval)
		timer.Reset(wait)
	}
}
