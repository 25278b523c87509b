package controller

import (
	"errors"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// One rule decides who may see a VC and everything of it (units, nodes,
// operations, events, reconcile findings): its owner, and super users
// asking for privileged access. Everything else answers as if it did
// not exist.

// mayOwn reports whether who may see what owner owns.
func mayOwn(who *auth.Identity, owner string) bool {
	return who.Privileged || (owner != "" && owner == who.User)
}

func visible(who *auth.Identity, vc *model.VC) bool { return mayOwn(who, vc.Owner) }

// ownerOf is the owner of vcid, live or deleted ("" when unknown).
func ownerOf(tx store.Tx, vcid string) (string, error) {
	vc, err := tx.VC(vcid)
	if errors.Is(err, store.ErrNotFound) {
		vc, err = tx.DeletedVC(vcid)
	}
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return vc.Owner, nil
}

// MaySee reports whether who may see the VC vcid, also after it was
// deleted (its last events, its operations).
func (c *Controller) MaySee(who *auth.Identity, vcid string) bool {
	if who.Privileged {
		return true
	}
	var owner string
	err := c.st.View(func(tx store.Tx) (err error) {
		owner, err = ownerOf(tx, vcid)
		return err
	})
	return err == nil && mayOwn(who, owner)
}
