package pluginmgr

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/providerplugin"
)

// reattached adds the plugins a developer serves in debug mode
// (providerplugin.EnvReattach, printed by a plugin run with -debug): the
// host attaches to them instead of starting a binary of that name. They
// are not pinned and not owned by the host, so each is a loud warning.
func reattached(active []Candidate) ([]Candidate, []string, error) {
	m, err := providerplugin.ReattachFromEnv()
	if err != nil || len(m) == 0 {
		return active, nil, err
	}
	var warnings []string
	out := active[:0:0]
	for _, c := range active {
		if _, ok := m[c.Name]; !ok {
			out = append(out, c)
		}
	}
	for name, rc := range m {
		out = append(out, Candidate{Name: name, Path: fmt.Sprintf("reattach:%s:%s", rc.Network, rc.Addr), Reattach: &rc})
		warnings = append(warnings, fmt.Sprintf("provider %q: attached to a plugin in debug mode at %s %s (pid %d), from %s: it is not pinned and the host does not supervise it; unset %s in production",
			name, rc.Network, rc.Addr, rc.Pid, providerplugin.EnvReattach, providerplugin.EnvReattach))
	}
	return out, warnings, nil
}

// attach connects to a plugin in debug mode.
func attach(ctx context.Context, c Candidate, o launchOpts) (*process, error) {
	cfg, err := providerplugin.ReattachClientConfig(*c.Reattach, o.logger)
	if err != nil {
		return nil, err
	}
	client := plugin.NewClient(cfg)
	prov, err := providerplugin.Dispense(client)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("attach to plugin %q in debug mode at %s: %w (is it still running?)", c.Name, c.Path, err)
	}
	p := &process{client: client, prov: prov} // no pid: the host must never kill it
	infoCtx, cancel := context.WithTimeout(ctx, o.startTimeout)
	defer cancel()
	if p.info, err = prov.GetInfo(infoCtx); err != nil {
		p.kill()
		return nil, fmt.Errorf("plugin %q in debug mode: GetInfo: %w", c.Name, err)
	}
	if Normalize(p.info.Name) != c.Name {
		p.kill()
		return nil, fmt.Errorf("%s names provider %q but the plugin at %s is %q", providerplugin.EnvReattach, c.Name, c.Path, p.info.Name)
	}
	return p, nil
}
