package controller

import (
	"errors"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/sdk"
)

// ReportFor is the part of a reconcile report who may see: what it
// says about nodes follows the rule of their VC (GET /vcs/{vcid});
// orphans (instances no node owns) and errors about no node are the
// controller's own business, for super users.
func (c *Controller) ReportFor(who *auth.Identity, rep *sdk.ReconcileReport) *sdk.ReconcileReport {
	if rep == nil || who.Privileged {
		return rep
	}
	c.rec.mu.Lock()
	vcOf := c.rec.vcOf
	c.rec.mu.Unlock()
	seen := map[string]bool{}
	sees := func(nodeID string) bool {
		ok, done := seen[nodeID]
		if !done {
			ok = c.MaySee(who, c.vcOfNode(vcOf, nodeID))
			seen[nodeID] = ok
		}
		return ok
	}
	nodes := func(ids []string) []string {
		out := []string{}
		for _, id := range ids {
			if sees(id) {
				out = append(out, id)
			}
		}
		return out
	}
	out := &sdk.ReconcileReport{Time: rep.Time, Adopted: nodes(rep.Adopted), Vanished: nodes(rep.Vanished),
		Drifted: nodes(rep.Drifted), Replaced: nodes(rep.Replaced), Orphans: []sdk.Orphan{}, Errors: []string{}}
	super := who.Role == "super"
	if super {
		out.Orphans = rep.Orphans
	}
	for _, e := range rep.Errors {
		if id, ok := errorNode(e); ok && sees(id) || !ok && super {
			out.Errors = append(out.Errors, e)
		}
	}
	return out
}

// vcOfNode is the VC of a node the pass looked at, else of a node made
// since (a replacement); "" when unknown, which only privileged callers
// see.
func (c *Controller) vcOfNode(vcOf map[string]string, id string) string {
	if vcid, ok := vcOf[id]; ok {
		return vcid
	}
	var vcid string
	err := c.st.View(func(tx store.Tx) error {
		n, err := tx.Node(id)
		if err == nil {
			vcid = n.VCID
		}
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.log.Warn("reconcile report: look up node", "node", id, "error", err)
	}
	return vcid
}

// errorNode reads the node an error of the pass is about: such errors
// start "node <id>: ".
func errorNode(e string) (string, bool) {
	rest, ok := strings.CutPrefix(e, "node ")
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ": ")
	return id, ok && id != ""
}
