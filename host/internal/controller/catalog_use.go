package controller

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// entriesInUse lists, one problem per catalog entry, the entries that
// units use but cat lacks: removing one would leave those units unable to
// reach their cloud (power, add, delete). Errors unless asWarning.
func (c *Controller) entriesInUse(cat *config.Catalog, asWarning bool) (config.Problems, error) {
	users := map[[2]string][]string{} // provider, entry -> "vcid/unit"
	err := c.st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(vc *model.VC, u *model.Unit, _ []*model.Node) error {
			if _, ok := cat.Lookup(u.Provider, u.CatalogEntry); !ok {
				k := [2]string{u.Provider, u.CatalogEntry}
				users[k] = append(users[k], vc.VCID+"/"+u.Name)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("check which catalog entries units use: %w", err)
	}
	var probs config.Problems
	for k, units := range users {
		sort.Strings(units)
		shown := units
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(units)-5))
		}
		msg := fmt.Sprintf("entry removed but still used by %d unit(s): %s; keep the entry until they are deleted", len(units), strings.Join(shown, ", "))
		if asWarning {
			msg = fmt.Sprintf("entry missing but used by %d unit(s): %s; their cloud calls fail until it is back in the catalog", len(units), strings.Join(shown, ", "))
		}
		probs = append(probs, config.Problem{File: cat.File, Provider: k[0], Entry: k[1], Message: msg, Warning: asWarning})
	}
	sort.Slice(probs, func(i, j int) bool { return probs[i].String() < probs[j].String() })
	return probs, nil
}
