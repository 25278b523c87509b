package controller

import (
	"fmt"
	"sort"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// checkIPsFree refuses, in the transaction that would record the nodes,
// fixed addresses another node of this controller already has on the
// same network (provider and catalog entry). Left to the cloud, the
// refusal would come after the node was recorded, leaving it HOST_ERROR
// without an instance. Pool addresses are checked by their leases.
func checkIPsFree(tx store.Tx, who *auth.Identity, u *model.Unit, ips []string, field string) error {
	if len(ips) == 0 {
		return nil
	}
	asked := make(map[string]int, len(ips))
	for i, ip := range ips {
		asked[ip] = i
	}
	var errs []FieldError
	err := store.EachUnit(tx, func(vc *model.VC, other *model.Unit, nodes []*model.Node) error {
		if other.Provider != u.Provider || other.CatalogEntry != u.CatalogEntry {
			return nil
		}
		for _, n := range nodes {
			for _, addr := range []string{n.FixedIP, n.CloudInstanceAddress} {
				i, ok := asked[addr]
				if !ok || addr == "" {
					continue
				}
				delete(asked, addr)
				errs = append(errs, FieldError{Field: fmt.Sprintf("%s[%d]", field, i),
					Message: fmt.Sprintf("%s is already the address of %s on %s catalog entry %s; give a free address", addr, holder(who, vc, n), u.Provider, u.CatalogEntry)})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return invalid("fixed IP addresses already in use", errs...)
}

// holder names the node holding an address, as far as the caller may
// see it.
func holder(who *auth.Identity, vc *model.VC, n *model.Node) string {
	if !visible(who, vc) {
		return "a node of another user's VC"
	}
	return fmt.Sprintf("node %d of unit %s in VC %s (%s)", n.NodeNo, n.Unit, vc.Name, vc.VCID)
}
