package clientcache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

type client struct{ id int }

func TestCache(t *testing.T) {
	c := New[*client]()
	var built atomic.Int32
	build := func(context.Context) (*client, error) { return &client{int(built.Add(1))}, nil }
	ctx := context.Background()
	a, _ := c.Get(ctx, "r1", provider.Credentials{"k": "s1"}, build)
	if b, _ := c.Get(ctx, "r1", provider.Credentials{"k": "s1"}, build); b != a {
		t.Error("the same scope and credentials built a second client")
	}
	if b, _ := c.Get(ctx, "r2", provider.Credentials{"k": "s1"}, build); b == a {
		t.Error("another scope shares the client")
	}
	if b, _ := c.Get(ctx, "r1", provider.Credentials{"k": "s2"}, build); b == a {
		t.Error("rotated credentials kept the old client")
	}
	for k := range c.m {
		if strings.Contains(k, "s1") || strings.Contains(k, "s2") {
			t.Errorf("a key holds a secret in clear: %q", k)
		}
	}
}

func TestConcurrentBuildOnce(t *testing.T) {
	c := New[*client]()
	var built atomic.Int32
	gate := make(chan struct{})
	build := func(context.Context) (*client, error) { <-gate; built.Add(1); return &client{}, nil }
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = c.Get(context.Background(), "r", nil, build) })
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if built.Load() != 1 {
		t.Errorf("%d builds for one key", built.Load())
	}
}

func TestFailedBuildNotKept(t *testing.T) {
	c := New[*client]()
	fail := func(context.Context) (*client, error) { return nil, errors.New("no") }
	if _, err := c.Get(context.Background(), "r", nil, fail); err == nil {
		t.Fatal("want the build error")
	}
	if c.Len() != 0 {
		t.Error("a failed build was kept")
	}
}

func TestEviction(t *testing.T) {
	c := New[*client]()
	c.MaxEntries = 2
	now := time.Unix(0, 0)
	c.now = func() time.Time { return now }
	var mu sync.Mutex
	var closed []int
	c.Close = func(cl *client) { mu.Lock(); closed = append(closed, cl.id); mu.Unlock() }
	n := 0
	build := func(context.Context) (*client, error) { n++; return &client{n}, nil }
	for _, scope := range []string{"a", "b", "c"} {
		now = now.Add(time.Second)
		_, _ = c.Get(context.Background(), scope, nil, build)
	}
	if c.Len() != 2 {
		t.Errorf("%d entries, max 2", c.Len())
	}
	now = now.Add(DefaultIdle + time.Minute)
	_, _ = c.Get(context.Background(), "d", nil, build)
	if c.Len() != 1 {
		t.Errorf("idle clients kept: %d entries", c.Len())
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(closed) != 3 {
		t.Errorf("closed %v, want the three evicted", closed)
	}
}
