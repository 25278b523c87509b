package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// reloadAll rescans the plugin dirs, then reloads the configuration (so a
// catalog naming a plugin just added validates against it). It returns
// what happened, one line each, also logged; a configuration with errors
// is an error and the one in force stays, and so is a plugin change
// refused (after the rest was done).
func (h *serveHost) reloadAll(ctx context.Context, force bool) ([]string, error) {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	var lines []string
	refused := 0
	for _, ch := range h.ctrl.ReloadPlugins(ctx, force) {
		lines = append(lines, ch.String())
		if ch.Action == pluginmgr.ActionRefused || ch.Action == pluginmgr.ActionKept {
			refused++
		}
	}
	probs, err := h.ctrl.Reload(ctx)
	if err != nil {
		h.log.Error("configuration not reloaded; the previous one stays in force", "problems", err.Error())
		var all config.Problems
		if !errors.As(err, &all) {
			return lines, fmt.Errorf("configuration not reloaded, the one in force stays: %w", err)
		}
		for _, p := range all {
			lines = append(lines, p.String())
		}
		return lines, fmt.Errorf("configuration has %d error(s); nothing was loaded, the running vcc-host keeps the one in force", len(all.Errors()))
	}
	for _, p := range probs {
		h.log.Warn(p.String())
		lines = append(lines, p.String())
	}
	h.log.Info("configuration reloaded")
	lines = append(lines, catalogSummary(h.ctrl.Catalog()), "plugins: "+strings.Join(h.plugins.Names(), ", "), "configuration reloaded")
	if refused > 0 {
		// The operator asked for a change that did not happen: say so
		// with a failing exit, as for a configuration error.
		return lines, fmt.Errorf("%d plugin change(s) refused (see above); the plugins in service keep serving", refused)
	}
	return lines, nil
}
