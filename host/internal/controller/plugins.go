package controller

import (
	"context"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/store"
)

// ReloadPlugins rescans the plugin dirs (see pluginmgr.Rescan). A plugin
// whose file went is kept while units use it, unless force: its units'
// nodes could be neither described nor deleted without it.
func (c *Controller) ReloadPlugins(ctx context.Context, force bool) []pluginmgr.Change {
	return c.plugins.Rescan(ctx, pluginmgr.RescanOptions{InUse: c.unitsUsing, Force: force})
}

// unitsUsing counts the units of provider name (or one of its aliases).
func (c *Controller) unitsUsing(_ context.Context, name string) (int, error) {
	names := map[string]bool{name: true}
	if info, err := c.plugins.Info(name); err == nil {
		for _, a := range info.Aliases {
			names[pluginmgr.Normalize(a)] = true
		}
	}
	n := 0
	err := c.st.View(func(tx store.Tx) error {
		vcs, err := tx.VCs()
		if err != nil {
			return err
		}
		for _, vc := range vcs {
			units, err := tx.Units(vc.VCID)
			if err != nil {
				return err
			}
			n += countUsing(units, names)
		}
		return nil
	})
	return n, err
}

func countUsing(units []*model.Unit, names map[string]bool) int {
	n := 0
	for _, u := range units {
		if names[pluginmgr.Normalize(u.Provider)] {
			n++
		}
	}
	return n
}
