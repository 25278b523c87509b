package oracle

import (
	"context"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/provider"
)

// DeleteNode starts terminating the node's instance, boot volume included
// (its VNIC goes with it, attached disks are detached), and returns: OCI's
// terminate is long-running, so the plugin declares async_delete and the
// host confirms with describes. What is gone, or was never made, is
// success: the host repeats deletes too.
func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	id := req.Node.CloudInstanceID
	if id == "" { // the create's answer was lost: delete what it made
		in, err := find(ctx, c, cat, req.Env, req.Node)
		if err != nil || in == nil {
			return err
		}
		id = deref(in.Id)
	}
	// Recorded first: from now on a terminating preemptible instance of
	// this node is being deleted, not preempted.
	p.terminated.add(id)
	_, err = c.Compute.TerminateInstance(ctx, core.TerminateInstanceRequest{InstanceId: &id, PreserveBootVolume: common.Bool(false)})
	switch {
	case err == nil, isStatus(err, 404):
		return nil
	case isStatus(err, 409): // already on its way out (preempted, or a delete before)?
		if in, gerr := c.Compute.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &id}); gerr == nil && !live(in.LifecycleState) {
			return nil
		}
	}
	return cloudErr("terminate instance "+id, err)
}
