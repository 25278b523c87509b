package awsprov

import (
	"context"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Disk is the "aws_disk" plugin: EBS volumes, the nodes of storage units,
// which aws and aws_spot nodes attach through their spec's disks. Its
// catalog entry is an aws one (copy the aws section under aws_disk): the
// volumes are made in aws_availability_zone, or else in the subnet's zone,
// so an aws node of the same entry can attach them.
type Disk struct {
	decode.Docs[diskCatalog, diskSpec]
	version string
	clients *clientcache.Cache[*ec2x.Client]
}

var _ provider.Provider = (*Disk)(nil)

// NewDisk returns the aws_disk provider.
func NewDisk(version string) *Disk {
	return &Disk{
		Docs:    decode.Docs[diskCatalog, diskSpec]{CatalogSchema: diskCatalogSchema, SpecSchema: diskSpecSchema},
		version: version, clients: clientcache.New[*ec2x.Client](),
	}
}

var snapRE = regexp.MustCompile(`^snap-[0-9a-f]{8}([0-9a-f]{9})?$`)

// The catalog is aws's, with the subnet and security group optional:
// only the zone matters to a volume.
var diskCatalogSchema = func() provider.Schema {
	s := catalogSchema.Merge(provider.Schema{})
	for i := range s.Attributes {
		switch s.Attributes[i].Name {
		case "aws_vpc_subnet_id", "aws_vpc_security_group_id":
			s.Attributes[i].Required = false
		case "aws_availability_zone":
			s.Attributes[i].Description = "zone of the volumes (default: the subnet's); nodes attaching them must be in it"
		}
	}
	return s
}()

var diskSpecSchema = provider.Schema{Attributes: []provider.Attribute{
	{Name: "num_disks", Type: provider.TypeInt, Default: 1, Description: "disks to create (a storage unit's count)"},
	{Name: "type", Type: provider.TypeString, Default: "standard", AllowedValues: []string{"standard", "gp2", "gp3", "io1", "io2", "sc1", "st1"}, Description: "EBS volume type"},
	{Name: "size", Type: provider.TypeInt, Default: 8, Description: "volume size, GB (at least the snapshot's)"},
	{Name: "cloud_image", Type: provider.TypeString, Description: "snapshot to create the volume from, snap-... (empty: a blank volume)"},
	{Name: "tags", Type: provider.TypeStringMap, Description: "tags on every volume"},
	{Name: "private_network", Type: provider.TypeString, Default: "default", Description: "VPN catalog entry name (its region and zone)"},
}}

var diskFlavors = []provider.Flavor{
	{Name: "small", Values: map[string]any{"type": "standard", "size": 8}},
	{Name: "medium", Values: map[string]any{"type": "standard", "size": 32}},
	{Name: "large", Values: map[string]any{"type": "standard", "size": 128}},
}

type diskCatalog struct{ catalog }

// Check is aws's without the subnet and group, which a volume needs not.
func (c *diskCatalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	for _, x := range c.catalog.Check(prefix) {
		if (x.Field == prefix+".aws_vpc_subnet_id" && c.Subnet == "") || (x.Field == prefix+".aws_vpc_security_group_id" && c.SG == "") {
			continue
		}
		d = append(d, x)
	}
	if c.Zone == "" && c.Subnet == "" {
		d = append(d, provider.Invalid("a disk needs a zone: set aws_availability_zone or aws_vpc_subnet_id").On(prefix+".aws_availability_zone"))
	}
	return d
}

type diskSpec struct {
	NumDisks int               `json:"num_disks"`
	Type     string            `json:"type"`
	Size     int32             `json:"size"`
	Snapshot string            `json:"cloud_image"`
	Tags     map[string]string `json:"tags"`
}

// Check checks what EC2 would refuse, without calling it.
func (s *diskSpec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if s.NumDisks < 0 {
		d = append(d, provider.Invalid("must be 0 or more, got %d", s.NumDisks).On(prefix+".num_disks"))
	}
	if s.Size < 1 || s.Size > 16384 {
		d = append(d, provider.Invalid("must be between 1 and 16384 GB, got %d", s.Size).On(prefix+".size"))
	}
	if s.Snapshot != "" && !snapRE.MatchString(s.Snapshot) {
		d = append(d, provider.Invalid("%q is not an EBS snapshot id (snap- and 8 or 17 hex digits)", s.Snapshot).On(prefix+".cloud_image").
			Because("leave cloud_image empty for a blank volume"))
	}
	return d
}

func (p *Disk) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name: "aws_disk", Version: p.version, Description: "Amazon EBS volumes for storage units",
		Capabilities:  []provider.Capability{provider.CapDisks, provider.CapTags, provider.CapListByController, provider.CapPreflight},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: diskFlavors,
		CredentialKeys: []provider.CredentialKey{
			{Name: "access_key", Description: "AWS access key id", Required: true},
			{Name: "secret_key", Description: "AWS secret access key", Required: true},
			{Name: "session_token", Description: "session token of temporary credentials (STS, IAM Identity Center); leave unset for an IAM user's keys"},
		},
		Aliases: []string{"aws-disk"}, CredentialsFamily: "aws",
	}, nil
}

func (p *Disk) client(ctx context.Context, env provider.CallEnv) (*ec2x.Client, *diskCatalog, error) {
	c, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, c, err
	}
	t := ec2x.Target{Region: c.Region, AccessKey: env.Credentials["access_key"], SecretKey: env.Credentials["secret_key"],
		SessionToken: env.Credentials["session_token"], Endpoint: c.Endpoint}
	cl, err := p.clients.Get(ctx, c.Region+"|"+c.Endpoint, env.Credentials, func(context.Context) (*ec2x.Client, error) { return ec2x.New(t), nil })
	return cl, c, err
}

func (p *Disk) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	cl, c, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	s, diags := p.Spec(c, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	if !req.FirstAttempt { // the host may have asked before: look first
		found, err := cl.Volumes(ctx, nil, provider.TagNodeID, []string{req.Node.NodeID})
		if err != nil {
			return nil, err
		}
		for _, v := range found {
			if st := ec2x.VolumeStatus(v); st.State != provider.InstanceNotFound {
				return &st, nil
			}
		}
	}
	zone := c.Zone
	if zone == "" {
		sub, err := cl.Subnet(ctx, c.Subnet, "catalog.aws_vpc_subnet_id")
		if err != nil {
			return nil, err
		}
		zone = sub.Zone
	}
	v, err := cl.CreateVolume(ctx, ec2x.NewVolume{
		NodeID: req.Node.NodeID, Name: req.Node.CloudInstanceName, Zone: zone, Type: s.Type, Snapshot: s.Snapshot, SizeGB: s.Size,
		Tags: tags.For(req.Env, req.Node, s.Tags),
	})
	if err != nil {
		return nil, err
	}
	st := ec2x.VolumeStatus(v)
	st.NodeID = req.Node.NodeID
	return &st, nil
}

func (p *Disk) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	var ids, untagged []string
	for _, n := range req.Nodes {
		if n.CloudInstanceID != "" {
			ids = append(ids, n.CloudInstanceID)
		} else {
			untagged = append(untagged, n.NodeID)
		}
	}
	add := func(found []types.Volume) {
		for _, v := range found {
			if st := ec2x.VolumeStatus(v); st.NodeID != "" {
				ans.Add(st)
			}
		}
	}
	if len(ids) > 0 {
		found, err := cl.Volumes(ctx, ids, "", nil)
		if err != nil {
			return nil, err
		}
		add(found)
	}
	if len(untagged) > 0 {
		found, err := cl.Volumes(ctx, nil, provider.TagNodeID, untagged)
		if err != nil {
			return nil, err
		}
		add(found)
	}
	if req.AllOfController {
		found, err := cl.Volumes(ctx, nil, provider.TagControllerID, []string{req.Env.ControllerID})
		if err != nil {
			return nil, err
		}
		add(found)
	}
	return ans.Nodes(), nil
}

// DeleteNode detaches the volume if something holds it (the host asks so
// only when none of its nodes does, or the user forced it), then deletes it.
func (p *Disk) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return err
	}
	id := req.Node.CloudInstanceID
	if id == "" {
		found, err := cl.Volumes(ctx, nil, provider.TagNodeID, []string{req.Node.NodeID})
		if err != nil {
			return err
		}
		for _, v := range found {
			if err := cl.DeleteVolume(ctx, *v.VolumeId); err != nil {
				return err
			}
		}
		return nil
	}
	return cl.DeleteVolume(ctx, id)
}

var _ provider.Preflighter = (*Disk)(nil)

// Preflight checks with EC2, before anything is recorded or made, what
// CreateVolume would refuse disk by disk: the credentials, the zone (or
// the subnet that gives it) and the snapshot, at least as large as size.
func (p *Disk) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	res := &provider.PreflightResult{}
	c, diags := p.Catalog(req.Env.CatalogEntry)
	if res.Diagnostics = diags; diags.HasError() {
		return res, nil
	}
	s, sdiags := p.Spec(c, req.Spec)
	if res.Diagnostics = append(res.Diagnostics, sdiags...); res.Diagnostics.HasError() {
		return res, nil
	}
	cl, _, err := p.client(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	checks := []preflight.Check{{Name: "the zone", Field: "catalog.aws_availability_zone", Run: func(ctx context.Context) error {
		if c.Zone == "" {
			_, err := cl.Subnet(ctx, c.Subnet, "catalog.aws_vpc_subnet_id")
			return err
		}
		return cl.Zone(ctx, c.Zone, "catalog.aws_availability_zone")
	}}}
	if s.Snapshot != "" {
		checks = append(checks, preflight.Check{Name: "the snapshot", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			size, err := cl.SnapshotSize(ctx, s.Snapshot, "spec.cloud_image")
			if err == nil && size > s.Size {
				return provider.Invalid("snapshot %s holds %d GB, more than size %d", s.Snapshot, size, s.Size).On("spec.size").
					Because("set size to %d or more", size).Err()
			}
			return err
		}})
	}
	res.Diagnostics = append(res.Diagnostics, preflight.Run(ctx, checks...)...)
	return res, nil
}
