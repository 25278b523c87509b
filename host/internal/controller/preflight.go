package controller

import (
	"context"
	"fmt"

	"github.com/vccproject/vcc/host/internal/knownhosts"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// preflight has the plugin check, before anything is recorded or made,
// that the nodes about to be created can be (servers reachable, logins
// accepted, Docker there, ports free). Problems refuse the request; host
// keys seen on first contact are pinned.
func (c *Controller) preflight(ctx context.Context, u *model.Unit, ips []string, count int) error {
	info, err := c.plugins.Info(u.Provider)
	if err != nil || !info.Has(provider.CapPreflight) {
		return err
	}
	p, err := c.plugins.Provider(u.Provider)
	if err != nil {
		return err
	}
	pf, ok := p.(provider.Preflighter)
	if !ok {
		return nil
	}
	env, err := c.CallEnv(ctx, u)
	if err != nil {
		return err
	}
	req := provider.PreflightRequest{Env: env, Spec: u.Spec}
	if len(ips) > 0 {
		count = len(ips)
	}
	for i := 0; i < count; i++ {
		ref := provider.NodeRef{NodeNo: u.NextNodeNo + i, VCID: u.VCID, UnitName: u.Name}
		if len(ips) > 0 {
			ref.FixedIP = ips[i]
		}
		req.Nodes = append(req.Nodes, ref)
	}
	res, err := pf.Preflight(ctx, req)
	if err != nil {
		return fmt.Errorf("preflight with plugin %s: %w", u.Provider, err)
	}
	if res.Diagnostics.HasError() {
		return refused(fmt.Sprintf("provider %s: the preflight found problems; nothing was created", u.Provider), res.Diagnostics)
	}
	return knownhosts.Pin(c.st, res.HostKeys)
}
