package sakura

import (
	"context"
	"fmt"
	"sync"
)

// nodeLocks lets one call at a time make or remove a node's resources.
// Sakura has no idempotency token: a create is made safe to repeat by
// looking up the node's tags first, which a second call for the same
// node racing the first (a retry while the cancelled call is still
// finishing its last API call) would defeat, making a second server.
type nodeLocks struct {
	mu    sync.Mutex
	locks map[string]*nodeLock
}

type nodeLock struct {
	ch    chan struct{} // holds a token while the node is locked
	users int
}

// lock waits until no other call works on node, or ctx ends; call the
// returned func to unlock.
func (l *nodeLocks) lock(ctx context.Context, node string) (func(), error) {
	// A call whose caller gave up already must not start: its handler may
	// run late, after the retry that replaced it (select would pick the
	// free lock as readily as the closed ctx).
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("work on node %s: %w", node, err)
	}
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*nodeLock{}
	}
	nl := l.locks[node]
	if nl == nil {
		nl = &nodeLock{ch: make(chan struct{}, 1)}
		l.locks[node] = nl
	}
	nl.users++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		if nl.users--; nl.users == 0 {
			delete(l.locks, node)
		}
		l.mu.Unlock()
	}
	select {
	case nl.ch <- struct{}{}:
		return func() { <-nl.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("wait for another call on node %s: %w", node, ctx.Err())
	}
}
