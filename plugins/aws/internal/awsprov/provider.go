// Package awsprov is the AWS provider: on-demand ("aws") or spot
// ("aws_spot") instances through the shared EC2 layer.
package awsprov

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider is what both AWS plugins share; OnDemand adds the power calls.
type Provider struct {
	// Docs decodes the catalog entry and spec, and validates them.
	decode.Docs[catalog, spec]
	version string
	spot    bool
	// clients: one EC2 client per region, endpoint and credentials, so
	// calls reuse connections; a rotation builds a new one.
	clients *clientcache.Cache[*ec2x.Client]
}

// OnDemand is the "aws" plugin: spot instances have no power calls (as
// upstream: a reclaimed one is replaced, not restarted by hand).
type OnDemand struct{ *Provider }

var (
	_ provider.Provider    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
	_ provider.Powerer     = OnDemand{}
	_ provider.Rebooter    = OnDemand{}
)

// New returns the shared part, on-demand (spot false) or spot.
func New(version string, spot bool) *Provider {
	return &Provider{
		Docs:    decode.Docs[catalog, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema(spot), Against: defaultImage},
		version: version, spot: spot, clients: clientcache.New[*ec2x.Client](),
	}
}

// Plugin is what a binary serves: OnDemand, or the spot Provider.
func Plugin(version string, spot bool) provider.Provider {
	if spot {
		return New(version, true)
	}
	return OnDemand{New(version, false)}
}

func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	info := &provider.Info{
		Name: "aws", Version: p.version, Description: "Amazon EC2 on-demand instances",
		Capabilities:  []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapFixedIP, provider.CapTags, provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapPreflight},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: flavors,
		CredentialKeys: []provider.CredentialKey{
			{Name: "access_key", Description: "AWS access key id", Required: true},
			{Name: "secret_key", Description: "AWS secret access key", Required: true},
			{Name: "session_token", Description: "session token of temporary credentials (STS, IAM Identity Center); leave unset for an IAM user's keys"},
		},
	}
	if p.spot {
		info.Name, info.Description, info.Aliases = "aws_spot", "Amazon EC2 spot instances", []string{"aws-spot"}
		info.CredentialsFamily = "aws"
		info.Capabilities = []provider.Capability{provider.CapSpot, provider.CapFixedIP, provider.CapTags, provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapPreflight}
		info.Flavors = spotFlavors
	}
	return info, nil
}

// client is the EC2 client of a call.
func (p *Provider) client(ctx context.Context, env provider.CallEnv) (*ec2x.Client, *catalog, error) {
	c, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, c, err
	}
	t := ec2x.Target{Region: c.Region, AccessKey: env.Credentials["access_key"], SecretKey: env.Credentials["secret_key"],
		SessionToken: env.Credentials["session_token"], Endpoint: c.Endpoint}
	cl, err := p.clients.Get(ctx, c.Region+"|"+c.Endpoint, env.Credentials, func(context.Context) (*ec2x.Client, error) { return ec2x.New(t), nil })
	return cl, c, err
}

func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	cl, c, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	s, diags := p.Spec(c, req.Spec)
	if err := diags.Err(); err != nil {
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
			if err := cl.AttachDisks(ctx, aws.ToString(in.InstanceId), s.Disks); err != nil {
				return nil, err
			}
			st := ec2x.Status(in)
			return &st, nil
		}
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, err
	}
	l := ec2x.Launch{
		NodeID: req.Node.NodeID, ControllerID: req.Env.ControllerID, Name: req.Node.CloudInstanceName,
		Image: s.CloudImage, ImageOwners: c.ImageOwners, InstanceType: s.InstanceType, SubnetID: c.Subnet, SecurityGroupID: c.SG,
		AvailabilityZone: c.Zone, FixedIP: req.Node.FixedIP, VolumeSize: s.VolumeSize, VolumeType: s.VolumeType,
		Tags: tags.For(req.Env, req.Node, s.Tags), UserData: basecontainer.CloudInit(bc, req.Env, req.Node),
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

func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return err
	}
	if req.Node.CloudInstanceID != "" { // known: terminate it without a lookup
		return cl.TerminateID(ctx, req.Node.CloudInstanceID, p.spot)
	}
	found, err := cl.Find(ctx, []provider.NodeRef{req.Node})
	if err != nil {
		return err
	}
	if in, ok := found[req.Node.NodeID]; ok {
		return cl.Terminate(ctx, in)
	}
	return nil // gone already: done
}
