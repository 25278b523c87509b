package engine

import (
	"context"
	"slices"
	"sync"
)

// limit bounds one provider's concurrent cloud calls (--provider-limit).
// Waiting calls get slots in order of arrival, except that a unit
// poller's describe goes before the node calls: one describe serves all
// of a unit's waiting nodes, and queued behind a backlog of creates it
// would leave nodes that are up unnoticed until the backlog has drained.
// There is at most one describe per unit and tick, so node calls still
// get nearly every slot.
type limit struct {
	mu   sync.Mutex
	free int
	// waiting: [0] the urgent, [1] the others, each oldest first; a
	// waiter's channel is closed when it is handed a slot.
	waiting [2][]chan struct{}
}

func newLimit(n int) *limit { return &limit{free: n} }

// acquire waits for a slot; the caller calls release once when done.
func (l *limit) acquire(ctx context.Context, urgent bool) (release func(), err error) {
	q := 1
	if urgent {
		q = 0
	}
	l.mu.Lock()
	if l.free > 0 && len(l.waiting[0]) == 0 && len(l.waiting[1]) == 0 {
		l.free--
		l.mu.Unlock()
		return l.release, nil
	}
	ch := make(chan struct{})
	l.waiting[q] = append(l.waiting[q], ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return l.release, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	if i := slices.Index(l.waiting[q], ch); i >= 0 {
		l.waiting[q] = slices.Delete(l.waiting[q], i, i+1)
		l.mu.Unlock()
		return nil, ctx.Err()
	}
	l.mu.Unlock()
	l.release() // handed a slot as ctx ended: pass it on
	return nil, ctx.Err()
}

func (l *limit) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for q := range l.waiting {
		if len(l.waiting[q]) > 0 {
			close(l.waiting[q][0])
			l.waiting[q] = l.waiting[q][1:]
			return
		}
	}
	l.free++
}
