package controller

import (
	"errors"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/sdk"
)

// IPPoolViews describes every pool in force, and every pool that only
// leases still name (its file or entry was dropped): size, use, and the
// holders of its addresses among the VCs who may see.
func (c *Controller) IPPoolViews(who *auth.Identity) ([]sdk.IPPool, error) {
	byKey := map[string]*sdk.IPPool{}
	inForce := map[string]*config.IPPool{}
	for _, p := range c.IPPools().All() {
		inForce[p.Key()] = p
		byKey[p.Key()] = &sdk.IPPool{Provider: strings.Join(p.Providers, ","), Entry: p.Entry, File: filepath.Base(p.File),
			PrefixLen: p.PrefixLen, Size: len(p.Addresses), Allocations: []sdk.IPAllocation{}}
	}
	err := c.st.View(func(tx store.Tx) error {
		return tx.EachIPLease(func(key, addr, nodeID string) error {
			v := byKey[key]
			if v == nil {
				file, entry, _ := strings.Cut(key, "/")
				v = &sdk.IPPool{File: file, Entry: entry, Allocations: []sdk.IPAllocation{}}
				byKey[key] = v
			}
			a, _ := netip.ParseAddr(addr)
			al := sdk.IPAllocation{Address: addr, NodeID: nodeID, InPool: inForce[key] != nil && inForce[key].Has(a)}
			if al.InPool {
				v.Used++
			} else {
				v.Outside++
			}
			return c.addHolder(tx, who, v, al)
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]sdk.IPPool, 0, len(byKey))
	for _, k := range sortedKeys(byKey) {
		v := byKey[k]
		v.Free = v.Size - v.Used
		sort.Slice(v.Allocations, func(i, j int) bool { return addrLess(v.Allocations[i].Address, v.Allocations[j].Address) })
		out = append(out, *v)
	}
	return out, nil
}

// addHolder lists allocation al of pool v if the caller may see its
// node's VC (a holder that no longer exists, only to privileged callers).
func (c *Controller) addHolder(tx store.Tx, who *auth.Identity, v *sdk.IPPool, al sdk.IPAllocation) error {
	n, err := tx.Node(al.NodeID)
	if errors.Is(err, store.ErrNotFound) {
		if who.Privileged {
			v.Allocations = append(v.Allocations, al)
		}
		return nil
	}
	if err != nil {
		return err
	}
	vc, err := tx.VC(n.VCID)
	if err != nil || !visible(who, vc) {
		return nil
	}
	if v.Provider == "" {
		if u, err := tx.Unit(n.VCID, n.Unit); err == nil {
			v.Provider = u.Provider
		}
	}
	al.VCID, al.Unit, al.NodeNo = n.VCID, n.Unit, n.NodeNo
	v.Allocations = append(v.Allocations, al)
	return nil
}

func addrLess(a, b string) bool {
	x, errX := netip.ParseAddr(a)
	y, errY := netip.ParseAddr(b)
	if errX != nil || errY != nil {
		return a < b
	}
	return x.Less(y)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
