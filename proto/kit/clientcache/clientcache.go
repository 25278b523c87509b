// Package clientcache keeps one cloud client per scope (region, endpoint,
// account) and credentials, so calls reuse its connections: a client per
// call means a new TCP and TLS connection per request. Credentials are
// part of the key (as a salted hash, never in clear), so a rotation builds
// a new client, and a client nobody used for a while is closed.
package clientcache

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

// Defaults of a Cache.
const (
	DefaultMaxEntries = 64
	DefaultIdle       = 30 * time.Minute
)

// Cache holds clients of type C. The zero value is not usable: use New.
type Cache[C any] struct {
	// Close, when set, releases an evicted client.
	Close func(C)
	// MaxEntries and Idle bound the cache (defaults above).
	MaxEntries int
	Idle       time.Duration

	salt []byte
	mu   sync.Mutex
	m    map[string]*entry[C]
	now  func() time.Time
}

type entry[C any] struct {
	ready  chan struct{} // closed once client/err are set
	client C
	err    error
	used   time.Time
}

// New returns an empty cache.
func New[C any]() *Cache[C] {
	salt := make([]byte, 32)
	_, _ = rand.Read(salt)
	return &Cache[C]{salt: salt, m: map[string]*entry[C]{}, now: time.Now}
}

// Get returns the client of scope and creds, building it with build on
// first use; concurrent callers of one key wait for one build. A failed
// build is not kept: the next call tries again.
func (c *Cache[C]) Get(ctx context.Context, scope string, creds provider.Credentials, build func(context.Context) (C, error)) (C, error) {
	key := c.key(scope, creds)
	c.mu.Lock()
	e, ok := c.m[key]
	if !ok {
		e = &entry[C]{ready: make(chan struct{})}
		c.m[key] = e
		c.evictLocked()
	}
	e.used = c.now()
	c.mu.Unlock()
	if !ok {
		e.client, e.err = build(ctx)
		close(e.ready)
		if e.err != nil {
			c.mu.Lock()
			if c.m[key] == e {
				delete(c.m, key)
			}
			c.mu.Unlock()
		}
		return e.client, e.err
	}
	select {
	case <-e.ready:
		return e.client, e.err
	case <-ctx.Done():
		var zero C
		return zero, ctx.Err()
	}
}

// Len is the number of clients held.
func (c *Cache[C]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// key is scope plus a salted hash of the credentials: equal credentials
// share a client, and the key reveals nothing of them.
func (c *Cache[C]) key(scope string, creds provider.Credentials) string {
	h := hmac.New(sha256.New, c.salt)
	names := make([]string, 0, len(creds))
	for k := range creds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(creds[k]))
		h.Write([]byte{0})
	}
	return scope + "\x00" + hex.EncodeToString(h.Sum(nil))
}

// evictLocked drops clients idle too long, then the least recently used
// beyond MaxEntries (a rotated-away key ends this way).
func (c *Cache[C]) evictLocked() {
	idle, max := c.Idle, c.MaxEntries
	if idle == 0 {
		idle = DefaultIdle
	}
	if max == 0 {
		max = DefaultMaxEntries
	}
	now := c.now()
	for k, e := range c.m {
		if now.Sub(e.used) > idle && built(e) {
			c.drop(k, e)
		}
	}
	for len(c.m) > max {
		var oldest string
		for k, e := range c.m {
			if built(e) && (oldest == "" || e.used.Before(c.m[oldest].used)) {
				oldest = k
			}
		}
		if oldest == "" {
			return // all still building
		}
		c.drop(oldest, c.m[oldest])
	}
}

func (c *Cache[C]) drop(k string, e *entry[C]) {
	delete(c.m, k)
	if c.Close != nil && e.err == nil {
		go c.Close(e.client)
	}
}

func built[C any](e *entry[C]) bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}
