package controller

import (
	"context"
	"regexp"
	"time"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// CreateVC makes an empty VC owned by the caller.
func (c *Controller) CreateVC(who *auth.Identity, name, typ string) (*model.VC, error) {
	if !nameRE.MatchString(name) {
		return nil, invalid("bad VC name", FieldError{Field: "name", Message: "must be 1 to 64 letters, digits, '_' or '-'"})
	}
	if typ == "" {
		typ = "compute"
	}
	switch typ {
	case computeType, storageType:
	default:
		return nil, invalid("bad VC type", FieldError{Field: "type", Message: `must be "compute" or "storage"`})
	}
	vc := &model.VC{VCID: model.NewID(), Name: name, Type: typ, Owner: who.User, State: model.VCRunning, Created: time.Now().UTC()}
	err := c.st.Update(func(tx store.Tx) error {
		vcs, err := tx.VCs()
		if err != nil {
			return err
		}
		for _, other := range vcs {
			if other.Name == name && other.Owner == who.User {
				return conflict("%s already has a VC named %q (vcid %s)", who.User, name, other.VCID)
			}
		}
		if vc.VCNo, err = tx.NextSeq("vcno"); err != nil {
			return err
		}
		return tx.PutVC(vc)
	})
	if err != nil {
		return nil, err
	}
	c.bus.Publish(events.Event{Type: "vc", VCID: vc.VCID, State: string(vc.State)})
	return vc, nil
}

// DeleteOptions tune a delete: Force deletes a unit that still has
// nodes; Forget drops nodes whose instances cannot be deleted.
type DeleteOptions struct {
	Force, Forget bool
}

// DeleteVC deletes every node and unit of a VC, then the VC. An empty VC
// goes at once (no operation).
func (c *Controller) DeleteVC(_ context.Context, who *auth.Identity, vcid string, opts DeleteOptions) (*model.Operation, error) {
	var op *model.Operation
	err := c.st.Update(func(tx store.Tx) error {
		op = nil
		vc, err := loadVC(tx, who, vcid)
		if err != nil {
			return err
		}
		units, err := tx.Units(vcid)
		if err != nil {
			return err
		}
		if len(units) == 0 && !c.eng.Busy(vcid, "") {
			return tx.DeleteVC(vcid)
		}
		for _, u := range units {
			nodes, err := tx.Nodes(vcid, u.Name)
			if err != nil {
				return err
			}
			if err := refuseHeld(tx, vc, nodes, opts.Force); err != nil {
				return err
			}
		}
		vc.Deleting, vc.State = true, model.VCDeleting
		if err := tx.PutVC(vc); err != nil {
			return err
		}
		for _, u := range units {
			u.Deleting, u.State = true, model.UnitDeleting
			if err := tx.PutUnit(u); err != nil {
				return err
			}
			if err := markDeleting(tx, u.VCID, u.Name, nil); err != nil {
				return err
			}
		}
		op, err = c.newOp(tx, who, model.OpDeleteVC, vcid, "", nil, opts.Forget)
		return err
	})
	if err != nil {
		return nil, err
	}
	if op == nil {
		c.bus.Publish(events.Event{Type: "vc", VCID: vcid, State: "DELETED"})
		return nil, nil
	}
	c.eng.Preempt(vcid, "", nil) // a delete wins over waits for the VC's nodes
	c.eng.Submit(op)
	return op, nil
}

// newOp records an operation in tx.
func (c *Controller) newOp(tx store.Tx, who *auth.Identity, kind model.OpKind, vcid, unit string, nodes []string, forget bool) (*model.Operation, error) {
	seq, err := tx.NextSeq("op")
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	op := &model.Operation{
		ID: model.NewID(), Seq: seq, Kind: kind, VCID: vcid, Unit: unit, NodeIDs: nodes,
		State: model.OpPending, User: who.User, Created: now, Updated: now, Forget: forget,
	}
	return op, tx.PutOp(op)
}
