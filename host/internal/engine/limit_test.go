package engine

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// With every slot taken, waiters are served urgent first, then in order
// of arrival; one that gave up is skipped.
func TestLimitOrder(t *testing.T) {
	type waiter struct {
		name   string
		urgent bool
		cancel bool // gives up before any slot frees
	}
	cases := map[string]struct {
		waiters []waiter
		want    []string
	}{
		"fifo":          {waiters: []waiter{{name: "a"}, {name: "b"}, {name: "c"}}, want: []string{"a", "b", "c"}},
		"urgent_first":  {waiters: []waiter{{name: "a"}, {name: "b"}, {name: "poll", urgent: true}}, want: []string{"poll", "a", "b"}},
		"urgent_fifo":   {waiters: []waiter{{name: "p1", urgent: true}, {name: "a"}, {name: "p2", urgent: true}}, want: []string{"p1", "p2", "a"}},
		"cancel_skip":   {waiters: []waiter{{name: "a", cancel: true}, {name: "b"}}, want: []string{"b"}},
		"cancel_urgent": {waiters: []waiter{{name: "a"}, {name: "p", urgent: true, cancel: true}}, want: []string{"a"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := newLimit(1)
			release, err := l.acquire(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan string, len(tc.waiters))
			var cancels []context.CancelFunc
			for i, w := range tc.waiters {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if w.cancel {
					cancels = append(cancels, cancel)
				}
				go func() {
					rel, err := l.acquire(ctx, w.urgent)
					if err != nil {
						return
					}
					got <- w.name
					rel()
				}()
				waitQueued(t, l, i+1)
			}
			for _, cancel := range cancels {
				cancel()
			}
			waitQueued(t, l, len(tc.waiters)-len(cancels))
			release()
			var order []string
			for range tc.want {
				order = append(order, <-got)
			}
			if diff := cmp.Diff(tc.want, order); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
				l.mu.Lock()
				free := l.free
				l.mu.Unlock()
				if free == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d slots free at the end, want 1", free)
				}
			}
		})
	}
}

// Never more calls at once than the limit, whatever the mix.
func TestLimitBound(t *testing.T) {
	l := newLimit(3)
	var mu, running, peak = make(chan struct{}, 1), 0, 0
	done := make(chan struct{})
	for i := range 60 {
		go func() {
			defer func() { done <- struct{}{} }()
			rel, err := l.acquire(context.Background(), i%7 == 0)
			if err != nil {
				t.Error(err)
				return
			}
			mu <- struct{}{}
			running++
			peak = max(peak, running)
			<-mu
			time.Sleep(time.Millisecond)
			mu <- struct{}{}
			running--
			<-mu
			rel()
		}()
	}
	for range 60 {
		<-done
	}
	if peak > 3 || peak == 0 {
		t.Fatalf("peak %d calls at once, limit 3", peak)
	}
}

// waitQueued waits until n callers wait for a slot.
func waitQueued(t *testing.T, l *limit, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		q := len(l.waiting[0]) + len(l.waiting[1])
		l.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("never %d waiters", n)
}
