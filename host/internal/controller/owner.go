package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// ChangeOwner gives a VC to another existing user (the API lets only
// super users ask). From then on its units call the cloud with the new
// owner's stored credentials: the previous owner's must not serve a VC
// it no longer sees, nor let the new owner make instances on its
// account. So the change is refused while the new owner lacks a
// credential a unit needs, or when its credentials do not reach the
// units' instances (another cloud account), and while an operation runs
// on the VC.
func (c *Controller) ChangeOwner(ctx context.Context, who *auth.Identity, vcid, owner string) (*model.VC, error) {
	if err := c.checkUser(ctx, owner); err != nil {
		return nil, err
	}
	view, err := c.GetVC(who, vcid)
	if err != nil {
		return nil, err
	}
	vc, units := view.VC, view.Units
	if vc.Owner == owner {
		return vc, nil
	}
	for _, u := range units {
		if err := c.checkHandover(ctx, u, owner); err != nil {
			return nil, err
		}
	}
	err = c.st.Update(func(tx store.Tx) error {
		var err error
		if vc, err = loadVC(tx, who, vcid); err != nil {
			return err
		}
		if err := handoverAllowed(tx, vc, owner); err != nil {
			return err
		}
		vc.Owner = owner
		return handOver(tx, vc)
	})
	if err != nil {
		return nil, err
	}
	c.cubbyMu.Lock()
	for _, u := range units {
		delete(c.cubby, u.VCID+"/"+u.Name)
	}
	c.cubbyMu.Unlock()
	c.log.Info("VC owner changed", "vcid", vcid, "owner", owner, "by", who.User)
	c.bus.Publish(events.Event{Type: "vc", VCID: vcid, State: string(vc.State), Reason: "owner changed to " + owner})
	return vc, nil
}

// checkUser: the new owner must be an existing user.
func (c *Controller) checkUser(ctx context.Context, name string) error {
	if !nameRE.MatchString(name) {
		return invalid("bad owner", FieldError{Field: "owner", Message: "must be a user name"})
	}
	if c.cfg.Users == nil {
		return invalid("unknown owner", FieldError{Field: "owner", Message: "this controller has no user directory"})
	}
	_, err := c.cfg.Users.User(ctx, name)
	if errors.Is(err, identity.ErrNoUser) {
		return invalid("unknown owner", FieldError{Field: "owner",
			Message: fmt.Sprintf("no user %q; `vcc-host users list` shows them, `vcc-host users add` makes one", name)})
	}
	return err
}

// handoverAllowed: no operation under way on the VC (it would change
// credentials midway), and no VC of the same name with the new owner.
func handoverAllowed(tx store.Tx, vc *model.VC, owner string) error {
	ops, err := tx.OpenOps()
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.VCID == vc.VCID {
			return conflict("operation %s (%s) is under way on VC %s; change its owner once it has finished", op.ID, op.Kind, vc.VCID)
		}
	}
	vcs, err := tx.VCs()
	if err != nil {
		return err
	}
	for _, other := range vcs {
		if other.Owner == owner && other.Name == vc.Name {
			return conflict("%s already has a VC named %q (vcid %s); rename or delete one first", owner, vc.Name, other.VCID)
		}
	}
	return nil
}

// handOver records the VC and moves its units to the new owner's
// credentials; references name the previous owner's secrets, so they go.
func handOver(tx store.Tx, vc *model.VC) error {
	if err := tx.PutVC(vc); err != nil {
		return err
	}
	units, err := tx.Units(vc.VCID)
	if err != nil {
		return err
	}
	for _, u := range units {
		u.CredentialUser, u.CredentialRefs = vc.Owner, nil
		if err := tx.PutUnit(u); err != nil {
			return err
		}
	}
	return nil
}

// checkHandover: the new owner has the credentials unit u needs, and
// they reach the same instances as the current ones.
func (c *Controller) checkHandover(ctx context.Context, u UnitView, owner string) error {
	next := *u.Unit
	next.CredentialUser, next.CredentialRefs = owner, nil
	if err := c.checkCredentials(ctx, &next); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Msg = fmt.Sprintf("unit %s cannot move to %s's credentials: %s", u.Name, owner, ce.Msg)
		}
		return err
	}
	info, err := c.plugins.Info(u.Provider)
	if err != nil || len(info.CredentialKeys) == 0 {
		return nil // credentials change nothing for this provider
	}
	lost, err := c.unreached(ctx, u, &next)
	if err != nil {
		return conflict("cannot check that %s's %s credentials reach the instances of unit %s: %v; try again", owner, u.Provider, u.Name, err)
	}
	if len(lost) > 0 {
		return conflict("%s's %s credentials do not reach instance(s) %s of unit %s (another cloud account?); "+
			"store credentials of the account the unit runs in for %s, or delete the unit first",
			owner, u.Provider, strings.Join(lost, ", "), u.Name, owner)
	}
	return nil
}

// unreached lists the instances of u the cloud shows with the current
// credentials but not with next's.
func (c *Controller) unreached(ctx context.Context, u UnitView, next *model.Unit) ([]string, error) {
	var refs []provider.NodeRef
	for _, n := range u.Nodes {
		if n.CloudInstanceID != "" {
			refs = append(refs, engine.NodeRef(n))
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	missing, err := c.notFound(ctx, next, refs)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	goneAnyway, err := c.notFound(ctx, u.Unit, missing)
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, r := range goneAnyway {
		gone[r.NodeID] = true
	}
	var lost []string
	for _, r := range missing {
		if !gone[r.NodeID] {
			lost = append(lost, r.CloudInstanceID)
		}
	}
	return lost, nil
}

// notFound describes refs with u's credentials and returns those the
// cloud does not know.
func (c *Controller) notFound(ctx context.Context, u *model.Unit, refs []provider.NodeRef) ([]provider.NodeRef, error) {
	p, err := c.plugins.Provider(u.Provider)
	if err != nil {
		return nil, err
	}
	env, err := c.CallEnv(ctx, u)
	if err != nil {
		return nil, err
	}
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: env, Nodes: refs})
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, st := range got {
		if st.State != provider.InstanceNotFound {
			found[st.NodeID] = true
		}
	}
	var out []provider.NodeRef
	for _, r := range refs {
		if !found[r.NodeID] {
			out = append(out, r)
		}
	}
	return out, nil
}
