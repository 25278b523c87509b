package sakura

import (
	"context"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// Sakura Cloud boots, shuts down and resets servers, so the plugin
// implements provider.Powerer and provider.Rebooter. Each call starts
// the change and returns; the host polls until the server is there.

func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "boot", types.ServerInstanceStatuses.Up, func(a *api, zone string, id types.ID) error {
		return a.server.Boot(ctx, zone, id)
	})
}

// PowerOff asks the OS to shut down (ACPI), as upstream's power_off does.
func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "shut down", types.ServerInstanceStatuses.Down, func(a *api, zone string, id types.ID) error {
		return a.server.Shutdown(ctx, zone, id, &iaas.ShutdownOption{Force: false})
	})
}

// Reboot is Sakura's reset: a hard restart.
func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "reset", types.ServerInstanceStatuses.Up, func(a *api, zone string, id types.ID) error {
		return a.server.Reset(ctx, zone, id)
	})
}

// act finds the node's server and does what. Sakura answers 409 to a
// boot of a server that is up or a shutdown of one that is down: when
// the server already is where the action leads (a repeated call), that
// is success.
func (p *Provider) act(ctx context.Context, req provider.NodeRequest, what string, already types.EServerInstanceStatus, do func(*api, string, types.ID) error) (*provider.NodeStatus, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	servers, err := a.servers(ctx, cat.Zone, ofNode(req.Env, req.Node))
	if err != nil {
		return nil, cloudErr("look up the node's server", err)
	}
	if len(servers) == 0 {
		return nil, describe.Missing(req.Node, "Sakura Cloud")
	}
	s := servers[0]
	asked := time.Now()
	err = do(a, cat.Zone, s.ID)
	switch {
	case notFound(err):
		return nil, describe.Missing(req.Node, "Sakura Cloud")
	case conflict(err):
		now, rerr := a.server.Read(ctx, cat.Zone, s.ID)
		if rerr == nil && now.InstanceStatus == already && what != "reset" {
			if already == types.ServerInstanceStatuses.Down {
				p.boots.forget(s.ID) // down already: no boot to wait for
			}
			return statusOf(now), nil
		}
		return nil, cloudErr(what+" server "+s.ID.String(), err)
	case err != nil:
		return nil, cloudErr(what+" server "+s.ID.String(), err)
	}
	st := statusOf(s)
	if already == types.ServerInstanceStatuses.Up {
		p.boots.doneAt(s.ID, asked)
		st.State = provider.InstancePending
	} else {
		// Shut down on purpose: a boot asked before is over, and a delete
		// must not wait for it.
		p.boots.forget(s.ID)
		st.State = provider.InstanceStopping
	}
	return st, nil
}
