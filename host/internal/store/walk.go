package store

import "github.com/vccproject/vcc/host/internal/model"

// EachUnit visits every unit of every VC, in vcno and name order, with its
// nodes.
func EachUnit(tx Tx, fn func(vc *model.VC, u *model.Unit, nodes []*model.Node) error) error {
	vcs, err := tx.VCs()
	if err != nil {
		return err
	}
	for _, vc := range vcs {
		units, err := tx.Units(vc.VCID)
		if err != nil {
			return err
		}
		for _, u := range units {
			nodes, err := tx.Nodes(vc.VCID, u.Name)
			if err != nil {
				return err
			}
			if err := fn(vc, u, nodes); err != nil {
				return err
			}
		}
	}
	return nil
}
