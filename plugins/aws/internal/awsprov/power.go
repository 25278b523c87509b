package awsprov

import (
	"context"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

func (p OnDemand) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, (*ec2x.Client).Start)
}

func (p OnDemand) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, (*ec2x.Client).Stop)
}

func (p OnDemand) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, (*ec2x.Client).Reboot)
}

// power runs a power call on the node's instance and reports it after.
func (p OnDemand) power(ctx context.Context, req provider.NodeRequest, call func(*ec2x.Client, context.Context, string) error) (*provider.NodeStatus, error) {
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	found, err := cl.Find(ctx, []provider.NodeRef{req.Node})
	if err != nil {
		return nil, err
	}
	in, ok := found[req.Node.NodeID]
	if !ok {
		return nil, describe.Missing(req.Node, "EC2")
	}
	st := ec2x.Status(in)
	if err := call(cl, ctx, st.CloudInstanceID); err != nil {
		return nil, err
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	if found, err = cl.Find(ctx, []provider.NodeRef{req.Node}); err != nil {
		return nil, err
	}
	if in, ok = found[req.Node.NodeID]; !ok {
		return &provider.NodeStatus{NodeID: req.Node.NodeID, State: provider.InstanceNotFound}, nil
	}
	now := ec2x.Status(in)
	return &now, nil
}
