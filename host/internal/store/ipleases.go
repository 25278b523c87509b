package store

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/vccproject/vcc/host/internal/model"
)

// Leases of host-managed IP pool addresses live in one bucket keyed
// "pool 0 addr", valued with the holding node's id. They change only in
// the transactions that record or delete their node, so after any crash
// an address is held exactly by a node that exists.

func leaseKey(pool, addr string) []byte { return []byte(pool + "\x00" + addr) }

func (t *boltTx) LeaseIP(pool, addr, nodeID string) error {
	if pool == "" || addr == "" || strings.Contains(pool, "\x00") {
		return fmt.Errorf("lease %q of pool %q: bad pool or address", addr, pool)
	}
	b := t.tx.Bucket(bIPLeases)
	k := leaseKey(pool, addr)
	if held := b.Get(k); held != nil && string(held) != nodeID {
		return fmt.Errorf("%s of IP pool %s is held by node %s: %w", addr, pool, held, ErrTaken)
	}
	return b.Put(k, []byte(nodeID))
}

func (t *boltTx) IPLeases(pool string) (map[string]string, error) {
	out := map[string]string{}
	prefix := []byte(pool + "\x00")
	c := t.tx.Bucket(bIPLeases).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out[string(k[len(prefix):])] = string(v)
	}
	return out, nil
}

func (t *boltTx) EachIPLease(fn func(pool, addr, nodeID string) error) error {
	return t.tx.Bucket(bIPLeases).ForEach(func(k, v []byte) error {
		pool, addr, _ := strings.Cut(string(k), "\x00")
		return fn(pool, addr, string(v))
	})
}

// releaseIP frees n's pool address, if n still holds it.
func (t *boltTx) releaseIP(n *model.Node) error {
	if n.IPPool == "" || n.FixedIP == "" {
		return nil
	}
	b := t.tx.Bucket(bIPLeases)
	k := leaseKey(n.IPPool, n.FixedIP)
	if string(b.Get(k)) != n.NodeID {
		return nil
	}
	return b.Delete(k)
}
