package oracle

import (
	"sync"
	"time"
)

// addressCache keeps instances' private addresses: an instance's primary
// VNIC keeps its address for life, so describes need not ask OCI twice.
type addressCache struct {
	mu sync.Mutex
	m  map[string]string
}

const maxCached = 20000

func newAddressCache() *addressCache { return &addressCache{m: map[string]string{}} }

func (c *addressCache) get(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *addressCache) put(id, addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[id] = addr
}

// terminatedSet remembers the instances this plugin terminated, for a day:
// OCI says nothing on a preemptible instance about why it terminated, and
// only one this plugin did not terminate was preempted. A plugin restarted
// between a node's delete and its confirmation forgets; the delete, which
// the host repeats, records it again.
type terminatedSet struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newTerminatedSet() *terminatedSet { return &terminatedSet{m: map[string]time.Time{}} }

func (s *terminatedSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, at := range s.m {
		if now.Sub(at) > 24*time.Hour {
			delete(s.m, k)
		}
	}
	s.m[id] = now
}

func (s *terminatedSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[id]
	return ok
}
