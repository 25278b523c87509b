// Package awsprov is the AWS provider: on-demand ("aws") or spot
// ("aws_spot") instances through the shared EC2 layer.
package awsprov

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider is one of the two AWS plugins.
type Provider struct {
	version string
	spot    bool
	spec    provider.Schema
}

// New returns the on-demand provider (spot false) or the spot one.
func New(version string, spot bool) *Provider {
	return &Provider{version: version, spot: spot, spec: specSchema(spot)}
}

var _ provider.Provider = (*Provider)(nil)

func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	info := &provider.Info{
		Name: "aws", Version: p.version, Description: "Amazon EC2 on-demand instances",
		Capabilities:  []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapFixedIP, provider.CapTags, provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapPreflight},
		CatalogSchema: catalogSchema, SpecSchema: p.spec, Flavors: flavors,
		CredentialKeys: []provider.CredentialKey{
			{Name: "access_key", Description: "AWS access key id", Required: true},
			{Name: "secret_key", Description: "AWS secret access key", Required: true},
			{Name: "session_token", Description: "session token of temporary credentials (STS, IAM Identity Center); leave unset for an IAM user's keys"},
		},
	}
	if p.spot {
		// As upstream: spot instances have no power calls (a reclaimed
		// one is replaced, not restarted by hand).
		info.Name, info.Description, info.Aliases = "aws_spot", "Amazon EC2 spot instances", []string{"aws-spot"}
		info.CredentialsFamily = "aws"
		info.Capabilities = []provider.Capability{provider.CapSpot, provider.CapFixedIP, provider.CapTags, provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapPreflight}
		info.Flavors = spotFlavors
	}
	return info, nil
}

func (p *Provider) ValidateCatalogEntry(_ context.Context, _ string, entry json.RawMessage) (provider.Diagnostics, error) {
	_, diags := validateCatalog(entry)
	return diags, nil
}

func (p *Provider) ValidateSpec(_ context.Context, env provider.CallEnv, raw json.RawMessage) (provider.Diagnostics, error) {
	c, diags := validateCatalog(env.CatalogEntry)
	if diags.HasError() {
		return diags, nil
	}
	return p.validateSpec(c, raw), nil
}

// client builds the EC2 client of a call.
func (p *Provider) client(env provider.CallEnv) (*ec2x.Client, catalog, error) {
	c, diags := validateCatalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, c, err
	}
	return ec2x.Shared(ec2x.Target{Region: c.Region, AccessKey: env.Credentials["access_key"], SecretKey: env.Credentials["secret_key"], SessionToken: env.Credentials["session_token"], Endpoint: c.Endpoint}), c, nil
}

func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	cl, c, err := p.client(req.Env)
	if err != nil {
		return nil, err
	}
	if !req.FirstAttempt { // the host may have asked before: look first
		found, err := cl.ByNodes(ctx, []string{req.Node.NodeID})
		if err != nil {
			return nil, err
		}
		if in, ok := found[req.Node.NodeID]; ok {
			// A retry: the node has its instance; finish what the first
			// attempt may not have (the volumes).
			if err := p.attach(ctx, cl, in.InstanceId, req.Spec); err != nil {
				return nil, err
			}
			st := ec2x.Status(in)
			return &st, nil
		}
	}
	if diags := p.validateSpec(c, req.Spec); diags.HasError() {
		return nil, diags.Err()
	}
	s, err := decodeSpec(p.spec, req.Spec)
	if err != nil {
		return nil, err
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, err
	}
	l := ec2x.Launch{
		NodeID: req.Node.NodeID, ControllerID: req.Env.ControllerID, Name: req.Node.CloudInstanceName,
		Image: s.CloudImage, ImageOwners: c.ImageOwners, InstanceType: s.InstanceType, SubnetID: c.Subnet, SecurityGroupID: c.SG,
		AvailabilityZone: c.Zone, FixedIP: req.Node.FixedIP, VolumeSize: s.VolumeSize, VolumeType: s.VolumeType,
		Tags: s.Tags, UserData: basecontainer.CloudInit(bc, req.Env, req.Node),
	}
	if l.Image == "default" {
		l.Image = c.DefaultImage
	}
	if p.spot {
		l.Spot = &ec2x.Spot{Type: s.SpotType, MaxPrice: s.SpotPrice}
	}
	in, err := cl.Run(ctx, l)
	if err != nil {
		return nil, err
	}
	if len(s.Disks) > 0 {
		if err := cl.AttachDisks(ctx, aws.ToString(in.InstanceId), s.Disks); err != nil {
			var de *provider.DiagnosticsError
			if errors.As(err, &de) && !de.Retryable() {
				// A permanent refusal: leave nothing half-made behind.
				_ = cl.Terminate(context.WithoutCancel(ctx), in)
			}
			return nil, err
		}
		// Attaching waited for the instance to run: report that.
		if found, err := cl.Find(ctx, []provider.NodeRef{{NodeID: req.Node.NodeID, CloudInstanceID: aws.ToString(in.InstanceId)}}); err == nil {
			if now, ok := found[req.Node.NodeID]; ok {
				in = now
			}
		}
	}
	st := ec2x.Status(in)
	return &st, nil
}

func (p *Provider) attach(ctx context.Context, cl *ec2x.Client, id *string, raw json.RawMessage) error {
	s, err := decodeSpec(p.spec, raw)
	if err != nil || len(s.Disks) == 0 {
		return err
	}
	return cl.AttachDisks(ctx, aws.ToString(id), s.Disks)
}

// instance finds the node's live instance, nil when gone.
func (p *Provider) instance(ctx context.Context, req provider.NodeRequest) (*ec2x.Client, *provider.NodeStatus, func(context.Context) error, error) {
	cl, _, err := p.client(req.Env)
	if err != nil {
		return nil, nil, nil, err
	}
	found, err := cl.Find(ctx, []provider.NodeRef{req.Node})
	if err != nil {
		return nil, nil, nil, err
	}
	in, ok := found[req.Node.NodeID]
	if !ok {
		return cl, nil, nil, nil
	}
	st := ec2x.Status(in)
	return cl, &st, func(ctx context.Context) error { return cl.Terminate(ctx, in) }, nil
}

func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	if req.Node.CloudInstanceID != "" { // known: terminate it without a lookup
		cl, _, err := p.client(req.Env)
		if err != nil {
			return err
		}
		return cl.TerminateID(ctx, req.Node.CloudInstanceID, p.spot)
	}
	_, st, terminate, err := p.instance(ctx, req)
	if err != nil || st == nil {
		return err // gone already: done
	}
	return terminate(ctx)
}

func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	cl, _, err := p.client(req.Env)
	if err != nil {
		return nil, err
	}
	var out []provider.NodeStatus
	nodes := req.Nodes // those still to look up in full
	if req.StateOnly && !req.AllOfController {
		if out, nodes, err = p.states(ctx, cl, nodes); err != nil {
			return nil, err
		}
	}
	found := map[string]types.Instance{}
	if len(nodes) > 0 {
		if found, err = cl.Find(ctx, nodes); err != nil {
			return nil, err
		}
	}
	for _, n := range nodes {
		if in, ok := found[n.NodeID]; ok {
			out = append(out, ec2x.Status(in))
		} else {
			out = append(out, provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound})
		}
	}
	if req.AllOfController {
		asked := map[string]bool{}
		for _, n := range req.Nodes {
			asked[n.NodeID] = true
		}
		all, err := cl.ByController(ctx, req.Env.ControllerID)
		if err != nil {
			return nil, err
		}
		for _, in := range all {
			// Both plugins share the account: each claims its own kind.
			if (in.InstanceLifecycle == types.InstanceLifecycleTypeSpot) != p.spot {
				continue
			}
			if st := ec2x.Status(in); !asked[st.NodeID] {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// states answers a state-only describe with EC2's light status call for
// the nodes whose instance id is known. It returns the nodes that need a
// full look: those without an id and, for spot, instances that are not
// pending or running (whose state reason tells a reclaim from a stop).
func (p *Provider) states(ctx context.Context, cl *ec2x.Client, nodes []provider.NodeRef) ([]provider.NodeStatus, []provider.NodeRef, error) {
	var ids []string
	for _, n := range nodes {
		if n.CloudInstanceID != "" {
			ids = append(ids, n.CloudInstanceID)
		}
	}
	got, err := cl.States(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var out []provider.NodeStatus
	var rest []provider.NodeRef
	for _, n := range nodes {
		name, ok := got[n.CloudInstanceID]
		switch {
		case n.CloudInstanceID == "":
			rest = append(rest, n)
		case p.spot && ok && name != types.InstanceStateNamePending && name != types.InstanceStateNameRunning:
			rest = append(rest, n)
		case !ok: // EC2 does not know it (any more)
			out = append(out, provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound})
		default:
			out = append(out, provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: n.CloudInstanceID, State: ec2x.State(name)})
		}
	}
	return out, rest, nil
}

// power runs a power call on the node's instance.
func (p *Provider) power(ctx context.Context, req provider.NodeRequest, op string, needs provider.Capability,
	call func(*ec2x.Client, context.Context, string) error) (*provider.NodeStatus, error) {
	if p.spot {
		return nil, provider.UnsupportedError("aws_spot", op, needs)
	}
	cl, st, _, err := p.instance(ctx, req)
	if err != nil {
		return nil, err
	}
	if st == nil {
		d := provider.Errorf("", "node %d has no instance in EC2 (deleted outside vcc?)", req.Node.NodeNo)
		d.Code = provider.CodeNotFound
		return nil, provider.Diagnostics{d}.Err()
	}
	if err := call(cl, ctx, st.CloudInstanceID); err != nil {
		return nil, err
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	found, err := cl.Find(ctx, []provider.NodeRef{req.Node})
	if err != nil {
		return nil, err
	}
	in, ok := found[req.Node.NodeID]
	if !ok {
		return &provider.NodeStatus{NodeID: req.Node.NodeID, State: provider.InstanceNotFound}, nil
	}
	now := ec2x.Status(in)
	return &now, nil
}

func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, "power on", provider.CapPower, (*ec2x.Client).Start)
}

func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, "power off", provider.CapPower, (*ec2x.Client).Stop)
}

func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.power(ctx, req, "reboot", provider.CapReboot, (*ec2x.Client).Reboot)
}
