package azure

import (
	"context"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// Power calls start Azure's operation and return; the host polls until
// the VM is where the call leads.

// PowerOff deallocates: a deallocated VM costs no compute, which is
// what users expect of power_off (a stopped-but-allocated one is billed).
func (r Regular) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return r.act(ctx, req, "deallocate", provider.InstanceStopping, func(c *armclient.Clients, group, name string) error {
		_, err := c.VMs.BeginDeallocate(ctx, group, name, nil)
		return err
	})
}

func (r Regular) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return r.act(ctx, req, "start", provider.InstancePending, func(c *armclient.Clients, group, name string) error {
		_, err := c.VMs.BeginStart(ctx, group, name, nil)
		return err
	})
}

func (r Regular) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return r.act(ctx, req, "restart", provider.InstancePending, func(c *armclient.Clients, group, name string) error {
		_, err := c.VMs.BeginRestart(ctx, group, name, nil)
		return err
	})
}

func (p *Provider) act(ctx context.Context, req provider.NodeRequest, what string, to provider.InstanceState, do func(*armclient.Clients, string, string) error) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	n := namesOf(req.Node)
	got, err := c.VMs.Get(ctx, cat.Group, n.vm, nil)
	if armclient.IsNotFound(err) {
		return nil, describe.Missing(req.Node, "Azure")
	}
	if err != nil {
		return nil, armclient.Err("look up VM "+n.vm, err)
	}
	if err := do(c, cat.Group, n.vm); armclient.IsNotFound(err) {
		return nil, describe.Missing(req.Node, "Azure")
	} else if err != nil {
		return nil, armclient.Err(what+" VM "+n.vm, err)
	}
	st := p.statusOf(&got.VirtualMachine, nil)
	st.CloudInstanceID, st.State, st.StateReason = p.vmID(cat, req.Env.Credentials["subscription_id"], n.vm), to, ""
	return &st, nil
}
