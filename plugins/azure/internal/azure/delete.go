package azure

import (
	"context"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/provider"
)

// DeleteNode starts the VM's delete (its NIC and OS disk go with it, by
// their delete options) and returns: with async_delete the host polls
// until the VM is gone. Once it is, a NIC or OS disk still there (a
// create cut between the NIC and the VM, or a VM Azure never made) is
// deleted too. What is gone is success.
func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	n := namesOf(req.Node)
	got, err := c.VMs.Get(ctx, cat.Group, n.vm, nil)
	switch {
	case err == nil && deref(got.Properties.ProvisioningState) == "Deleting":
		return nil // under way
	case err == nil:
		if _, err := c.VMs.BeginDelete(ctx, cat.Group, n.vm, nil); err != nil && !armclient.IsNotFound(err) {
			return armclient.Err("delete VM "+n.vm, err)
		}
		return nil
	case !armclient.IsNotFound(err):
		return armclient.Err("look up VM "+n.vm, err)
	}
	if _, err := c.NICs.BeginDelete(ctx, cat.Group, n.nic, nil); err != nil && !armclient.IsNotFound(err) {
		return armclient.Err("delete NIC "+n.nic, err)
	}
	if _, err := c.Disks.BeginDelete(ctx, cat.Group, n.osDisk, nil); err != nil && !armclient.IsNotFound(err) {
		return armclient.Err("delete disk "+n.osDisk, err)
	}
	return nil
}
