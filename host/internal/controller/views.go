package controller

import (
	"errors"
	"fmt"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// UnitView is a unit with its nodes.
type UnitView struct {
	*model.Unit
	Nodes []*model.Node
	// OpenOps are the operations still changing the unit (its own and
	// its VC's), oldest first: a client that lost an operation's id
	// finds here what to wait for.
	OpenOps []string
	// Disks are the nodes' disk facts (DiskFacts), by node id.
	Disks map[string]DiskFacts
}

// openOps maps "vcid/unit" to the ids of the open operations changing
// that unit; a VC-wide operation (unit "") counts for each unit of its VC.
func openOps(tx store.Tx, vcid string, units []*model.Unit) (map[string][]string, error) {
	ops, err := tx.OpenOps()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, op := range ops {
		if op.VCID != vcid {
			continue
		}
		for _, u := range units {
			if op.Unit == "" || op.Unit == u.Name {
				out[u.Name] = append(out[u.Name], op.ID)
			}
		}
	}
	return out, nil
}

// VCView is a VC with its units.
type VCView struct {
	*model.VC
	Units []UnitView
}

// ListVCs returns the VCs the caller may see, without units.
func (c *Controller) ListVCs(who *auth.Identity) ([]*model.VC, error) {
	var out []*model.VC
	err := c.st.View(func(tx store.Tx) error {
		vcs, err := tx.VCs()
		for _, vc := range vcs {
			if visible(who, vc) {
				out = append(out, vc)
			}
		}
		return err
	})
	return out, err
}

// GetVC returns a VC with its units and nodes.
func (c *Controller) GetVC(who *auth.Identity, vcid string) (*VCView, error) {
	var out *VCView
	err := c.st.View(func(tx store.Tx) error {
		vc, err := loadVC(tx, who, vcid)
		if err != nil {
			return err
		}
		out = &VCView{VC: vc}
		units, err := tx.Units(vcid)
		if err != nil {
			return err
		}
		open, err := openOps(tx, vcid, units)
		if err != nil {
			return err
		}
		for _, u := range units {
			nodes, err := tx.Nodes(vcid, u.Name)
			if err != nil {
				return err
			}
			out.Units = append(out.Units, UnitView{Unit: u, Nodes: nodes, OpenOps: open[u.Name], Disks: diskFacts(tx, nodes)})
		}
		return nil
	})
	return out, err
}

// GetUnit returns a unit with its nodes.
func (c *Controller) GetUnit(who *auth.Identity, vcid, name string) (*UnitView, error) {
	var out *UnitView
	err := c.st.View(func(tx store.Tx) error {
		u, err := loadUnit(tx, who, vcid, name)
		if err != nil {
			return err
		}
		open, err := openOps(tx, vcid, []*model.Unit{u})
		if err != nil {
			return err
		}
		nodes, err := tx.Nodes(vcid, name)
		out = &UnitView{Unit: u, Nodes: nodes, OpenOps: open[name], Disks: diskFacts(tx, nodes)}
		return err
	})
	return out, err
}

// GetNode returns one node.
func (c *Controller) GetNode(who *auth.Identity, vcid, unit, nodeID string) (*model.Node, error) {
	var out *model.Node
	err := c.st.View(func(tx store.Tx) error {
		var err error
		out, err = loadNode(tx, who, vcid, unit, nodeID)
		return err
	})
	return out, err
}

// GetOp returns an operation to whoever may see its VC, also after the
// VC was deleted.
func (c *Controller) GetOp(who *auth.Identity, id string) (*model.Operation, error) {
	var out *model.Operation
	err := c.st.View(func(tx store.Tx) error {
		op, err := tx.Op(id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("no operation %q", id)
		}
		if err != nil {
			return err
		}
		owner, err := ownerOf(tx, op.VCID)
		if err != nil {
			return err
		}
		if owner == "" {
			// A VC deleted before deleted VCs were kept: who asked for
			// the operation (its owner or a privileged super user then).
			owner = op.User
		}
		if !mayOwn(who, owner) {
			return notFound("no operation %q", id)
		}
		out = op
		return nil
	})
	return out, err
}

func loadVC(tx store.Tx, who *auth.Identity, vcid string) (*model.VC, error) {
	vc, err := tx.VC(vcid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !visible(who, vc)) {
		return nil, notFound("no VC with vcid %q", vcid)
	}
	return vc, err
}

func loadUnit(tx store.Tx, who *auth.Identity, vcid, name string) (*model.Unit, error) {
	if _, err := loadVC(tx, who, vcid); err != nil {
		return nil, err
	}
	u, err := tx.Unit(vcid, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("VC %s has no unit %q", vcid, name)
	}
	return u, err
}

func loadNode(tx store.Tx, who *auth.Identity, vcid, unit, nodeID string) (*model.Node, error) {
	if _, err := loadUnit(tx, who, vcid, unit); err != nil {
		return nil, err
	}
	n, err := tx.Node(nodeID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (n.VCID != vcid || n.Unit != unit)) {
		return nil, notFound("unit %s of VC %s has no node %q", unit, vcid, nodeID)
	}
	return n, err
}

func instanceName(controllerID, vcid string, no int) string {
	return fmt.Sprintf("VCP-%s-%s-%d", controllerID[:8], vcid[:8], no)
}

// Inventory is every VC, unit and node, for metrics and discovery.
func (c *Controller) Inventory() (vcs []*model.VC, units []*model.Unit, nodes []*model.Node, err error) {
	err = c.st.View(func(tx store.Tx) error {
		if vcs, err = tx.VCs(); err != nil {
			return err
		}
		for _, vc := range vcs {
			us, err := tx.Units(vc.VCID)
			if err != nil {
				return err
			}
			units = append(units, us...)
		}
		return tx.EachNode(func(n *model.Node) error { nodes = append(nodes, n); return nil })
	})
	return vcs, units, nodes, err
}
