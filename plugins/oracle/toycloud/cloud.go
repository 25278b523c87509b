// Package toycloud is the oracle's TEST PEER, not part of a plugin: a
// tiny cloud with a REST API that behaves as real ones do where it
// matters to a plugin. It keeps state, is asynchronous (a new server is
// pending before it runs, a deleted one lingers while deleting), checks an
// API key and answers errors as {"error": {"code", "message"}} with the
// usual HTTP statuses. When the oracle becomes your cloud's plugin, test
// against your cloud's emulator instead and delete this directory.
package toycloud

import (
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Role is what an API key may do.
type Role string

const (
	Admin  Role = "admin"  // everything
	Reader Role = "reader" // GETs only: a narrow policy, for preflight tests
)

// Options shape a Cloud. Zero delays make transitions happen at the next
// read.
type Options struct {
	Keys map[string]Role
	// BootDelay is how long a server stays pending (and rebooting,
	// starting, stopping); DeleteDelay how long it stays deleting.
	BootDelay, DeleteDelay time.Duration
	// Quota is the most servers the account holds; 0 is no limit.
	Quota int
	// Networks are network id -> CIDR; default net-default 10.20.0.0/24.
	Networks map[string]string
}

// Images every Cloud offers; Sizes every server may have.
var (
	Images = []string{"ubuntu-24.04", "debian-12"}
	Sizes  = []string{"small", "medium", "large"}
)

// Cloud is one toy cloud account. Use New.
type Cloud struct {
	opts     Options
	networks map[string]netip.Prefix
	mu       sync.Mutex
	servers  map[string]*server
	seq      int
	now      func() time.Time
}

// server is one VM. A transition (next, at) completes lazily when the
// server is next looked at, so no goroutine runs per server.
type server struct {
	Server
	next string
	at   time.Time
}

// New makes an empty account.
func New(o Options) (*Cloud, error) {
	if o.Networks == nil {
		o.Networks = map[string]string{"net-default": "10.20.0.0/24"}
	}
	c := &Cloud{opts: o, networks: map[string]netip.Prefix{}, servers: map[string]*server{}, now: time.Now}
	for id, cidr := range o.Networks {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("toycloud: network %s: %w", id, err)
		}
		c.networks[id] = p.Masked()
	}
	return c, nil
}

// advanceLocked completes due transitions and forgets deleted servers.
func (c *Cloud) advanceLocked() {
	now := c.now()
	for id, s := range c.servers {
		if s.next == "" || now.Before(s.at) {
			continue
		}
		if s.next == "deleted" {
			delete(c.servers, id)
			continue
		}
		s.Status, s.next = s.next, ""
	}
}

// moveLocked sets a transient status that becomes next after delay.
func (c *Cloud) moveLocked(s *server, now, next string, delay time.Duration) {
	s.Status, s.next, s.at = now, next, c.now().Add(delay)
}
