package controller

import (
	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// RenameVC gives a VC a new name (upstream's update_ugroup_name). The
// type cannot change: given, it must be the VC's own.
func (c *Controller) RenameVC(who *auth.Identity, vcid, name, typ string) (*model.VC, error) {
	if !nameRE.MatchString(name) {
		return nil, invalid("bad VC name", FieldError{Field: "name", Message: "must be 1 to 64 letters, digits, '_' or '-'"})
	}
	var vc *model.VC
	err := c.st.Update(func(tx store.Tx) error {
		var err error
		if vc, err = loadVC(tx, who, vcid); err != nil {
			return err
		}
		if typ != "" && typ != vc.Type {
			return invalid("the type of a VC cannot change", FieldError{Field: "type",
				Message: "VC " + vcid + " is a " + vc.Type + " VC; leave type out, or create a new VC of the other type"})
		}
		if vc.Name == name {
			return nil
		}
		vcs, err := tx.VCs()
		if err != nil {
			return err
		}
		for _, other := range vcs {
			if other.Name == name && other.Owner == vc.Owner && other.VCID != vcid {
				return conflict("%s already has a VC named %q (vcid %s)", vc.Owner, name, other.VCID)
			}
		}
		vc.Name = name
		return tx.PutVC(vc)
	})
	if err != nil {
		return nil, err
	}
	c.bus.Publish(events.Event{Type: "vc", VCID: vcid, State: string(vc.State), Reason: "renamed to " + name})
	return vc, nil
}
