package oracle

import (
	"context"
	"errors"
	"slices"

	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// PowerOn starts a stopped instance (InstanceAction START).
func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, core.InstanceActionActionStart, core.InstanceLifecycleStateStarting, core.InstanceLifecycleStateRunning)
}

// PowerOff stops an instance (InstanceAction STOP).
func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, core.InstanceActionActionStop, core.InstanceLifecycleStateStopping, core.InstanceLifecycleStateStopped)
}

// Reboot asks the OS to restart (SOFTRESET), and resets the instance
// (RESET) when OCI refuses the soft reset.
func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	st, err := p.act(ctx, req, core.InstanceActionActionSoftreset)
	var de *provider.DiagnosticsError
	if errors.As(err, &de) && (de.HasCode(provider.CodeInvalid) || de.HasCode(provider.CodeConflict) || de.HasCode(provider.CodeUnreachable)) {
		return p.act(ctx, req, core.InstanceActionActionReset)
	}
	return st, err
}

// act runs an instance action. A refusal because the instance already is
// where the action leads (a repeated call) is success.
func (p *Provider) act(ctx context.Context, req provider.NodeRequest, action core.InstanceActionActionEnum, already ...core.InstanceLifecycleStateEnum) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	id := req.Node.CloudInstanceID
	if id == "" {
		in, err := find(ctx, c, cat, req.Env, req.Node)
		if err != nil {
			return nil, err
		}
		if in == nil {
			return nil, describe.Missing(req.Node, "OCI")
		}
		id = deref(in.Id)
	}
	res, err := c.Compute.InstanceAction(ctx, core.InstanceActionRequest{InstanceId: &id, Action: action})
	switch {
	case isStatus(err, 404):
		return nil, describe.Missing(req.Node, "OCI")
	case isStatus(err, 409):
		now, gerr := c.Compute.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &id})
		if gerr == nil && slices.Contains(already, now.LifecycleState) {
			st := p.statusOf(now.Instance, "")
			return &st, nil
		}
		return nil, cloudErr(string(action)+" instance "+id, err)
	case err != nil:
		return nil, cloudErr(string(action)+" instance "+id, err)
	}
	st := p.statusOf(res.Instance, "")
	if a := p.addresses.get(id); a != "" {
		st.CloudInstanceAddress = a
	}
	return &st, nil
}
