package controller

import (
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// poolDraw is a create or add's claim on its provider's IP pool: the
// provider's networks have no DHCP, so the host gives every new node an
// address of the catalog entry's pool, leased in the transaction that
// records the node (see store.LeaseIP).
type poolDraw struct {
	pool        *config.IPPool // nil: the entry has no pool
	file        string         // the provider's pool file
	prov, entry string
	// countField and ipField name the request fields to blame.
	countField, ipField string
}

// poolDraw returns the claim of new nodes of the provider's catalog
// entry, nil when the provider draws from no pool. It asks the plugin's
// Info of now, so a plugin that names a pool file never gets a node
// without an address, even before a reload loaded the file.
func (c *Controller) poolDraw(info *provider.Info, entry, countField, ipField string) *poolDraw {
	if info.IPPoolFile == "" {
		return nil
	}
	return &poolDraw{pool: c.IPPools().Pool(info.IPPoolFile, entry), file: info.IPPoolFile, prov: info.Name, entry: entry,
		countField: countField, ipField: ipField}
}

func (d *poolDraw) key() string { return config.PoolKey(d.file, d.entry) }

func (d *poolDraw) name() string { return fmt.Sprintf("IP pool %s/%s (%s)", d.prov, d.entry, d.file) }

// checkAsked refuses asked addresses that are not in the pool, before
// anything is recorded.
func (d *poolDraw) checkAsked(ips []string) error {
	if d == nil || len(ips) == 0 {
		return nil
	}
	var errs []FieldError
	for i, ip := range ips {
		a, err := netip.ParseAddr(ip)
		if err == nil && d.pool != nil && d.pool.Has(a) {
			continue
		}
		errs = append(errs, FieldError{Field: fmt.Sprintf("%s[%d]", d.ipField, i),
			Message: fmt.Sprintf("%s is not in %s; give addresses of the pool (GET /vcp/v1/occtr/ip_pools lists them) or none, and the controller picks free ones", ip, d.name())})
	}
	if len(errs) > 0 {
		return invalid("fixed IP addresses outside the IP pool", errs...)
	}
	return nil
}

// allocate gives each node an address in tx: the asked one (ips[i]),
// else the pool's first free addresses in file order. A pool too small
// is a 400 on the node count saying how many addresses it lacks; nothing
// is leased then, as the whole transaction fails.
func (d *poolDraw) allocate(tx store.Tx, nodes []*model.Node, ips []string) error {
	held, err := tx.IPLeases(d.key())
	if err != nil {
		return err
	}
	addrs := ips
	if len(ips) == 0 {
		if addrs = d.free(held, len(nodes)); len(addrs) < len(nodes) {
			return d.lacks(len(nodes), len(addrs))
		}
	}
	var taken []FieldError
	for i, n := range nodes {
		if _, ok := held[addrs[i]]; ok {
			taken = append(taken, FieldError{Field: fmt.Sprintf("%s[%d]", d.ipField, i),
				Message: fmt.Sprintf("%s of %s is already allocated to another node (GET /vcp/v1/occtr/ip_pools shows to which); give a free one, or none", addrs[i], d.name())})
			continue
		}
		n.FixedIP, n.IPPool = addrs[i], d.key()
		if err := tx.LeaseIP(n.IPPool, n.FixedIP, n.NodeID); err != nil {
			return err
		}
	}
	if len(taken) > 0 {
		return invalid("fixed IP addresses already allocated", taken...)
	}
	return nil
}

// free returns up to n addresses of the pool nobody holds.
func (d *poolDraw) free(held map[string]string, n int) []string {
	var out []string
	if d.pool == nil {
		return out
	}
	for _, a := range d.pool.Addresses {
		if _, ok := held[a.String()]; !ok && len(out) < n {
			out = append(out, a.String())
		}
	}
	return out
}

// lacks is the answer to a pool with too few free addresses.
func (d *poolDraw) lacks(need, free int) *Error {
	fix := fmt.Sprintf("delete nodes that hold its addresses, or add addresses to %s and run `vcc-host init`", d.file)
	if d.pool == nil {
		fix = fmt.Sprintf("%s has no pool for catalog entry %s: add `%s: {prefix_len: 24, ip_addresses: [...]}` to it and run `vcc-host init`", d.file, d.entry, d.entry)
	}
	msg := fmt.Sprintf("%s has %d free address(es) but %d node(s) need one: it lacks %d; %s", d.name(), free, need, need-free, fix)
	return &Error{Status: http.StatusBadRequest, Msg: msg, Details: []FieldError{{Field: d.countField,
		Message: fmt.Sprintf("%s lacks %d address(es) for %d node(s)", d.name(), need-free, need)}}}
}

// keptAddresses warns, for a configuration about to be put in force, of
// every address still allocated to a node but no longer in its pool (the
// file shrank or lost the entry): it stays allocated until the node goes.
func (c *Controller) keptAddresses(pools *config.IPPools) (config.Problems, error) {
	inForce := map[string]*config.IPPool{}
	for _, p := range pools.All() {
		inForce[p.Key()] = p
	}
	var probs config.Problems
	err := c.st.View(func(tx store.Tx) error {
		return tx.EachIPLease(func(key, addr, nodeID string) error {
			p := inForce[key]
			if a, err := netip.ParseAddr(addr); err == nil && p != nil && p.Has(a) {
				return nil
			}
			file, entry, _ := strings.Cut(key, "/")
			pr := config.Problem{File: filepath.Join(c.cfg.ConfigDir, file), Entry: entry, Key: "ip_addresses", Warning: true,
				Message: fmt.Sprintf("%s is no longer in the pool but node %s holds it; it stays allocated until that node is deleted", addr, nodeID)}
			if p != nil {
				pr.Line = p.Line
			}
			if n, err := tx.Node(nodeID); err == nil {
				if u, err := tx.Unit(n.VCID, n.Unit); err == nil {
					pr.Provider = u.Provider
				}
			}
			probs = append(probs, pr)
			return nil
		})
	})
	return probs, err
}
