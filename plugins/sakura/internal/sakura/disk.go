package sakura

import (
	"context"
	"slices"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Disk is the "sakura_disk" plugin: Sakura Cloud disks, the nodes of
// storage units, which sakura nodes connect through their spec's disks.
// Its catalog entry is a sakura one (copy the sakura section under
// sakura_disk); only its zone matters to a disk.
type Disk struct {
	decode.Docs[diskCatalog, diskSpec]
	version string
	note    string
	clients *clientcache.Cache[*api]
	// nodes serialises the calls that make or remove a node's disk: a
	// create cancelled by the host may still be running when its retry
	// looks for the disk (Sakura has no idempotency token).
	nodes nodeLocks
}

var _ provider.Provider = (*Disk)(nil)

// NewDisk returns the sakura_disk provider.
func NewDisk(version string) *Disk {
	return &Disk{Docs: decode.Docs[diskCatalog, diskSpec]{CatalogSchema: diskCatalogSchema, SpecSchema: diskSpecSchema},
		version: version, clients: clientcache.New[*api]()}
}

// The catalog is sakura's with the switch, gateway and network optional.
var diskCatalogSchema = func() provider.Schema {
	s := catalogSchema.Merge(provider.Schema{})
	for i := range s.Attributes {
		switch s.Attributes[i].Name {
		case "sakura_local_switch_id", "sakura_private_subnet_gateway_ip", "private_network_ipmask":
			s.Attributes[i].Required = false
		case "sakura_zone":
			s.Attributes[i].Description = "zone of the disks; servers connecting them must be in it"
		}
	}
	return s
}()

var diskSpecSchema = provider.Schema{Attributes: []provider.Attribute{
	{Name: "num_disks", Type: provider.TypeInt, Default: 1, Description: "disks to create (a storage unit's count)"},
	{Name: "sakuracloud_disk_plan", Type: provider.TypeString, Default: "ssd", AllowedValues: diskPlanNames, Description: "disk plan: ssd or hdd"},
	{Name: "sakuracloud_disk_size", Type: provider.TypeInt, Default: 20, Description: "size in GB; the plan allows only some sizes"},
	{Name: "cloud_image", Type: provider.TypeString, Description: "archive to copy into the disk, by name or 12-digit id; empty: a blank disk"},
	{Name: "tags", Type: provider.TypeStringMap, Description: "tags on every disk"},
	{Name: "private_network", Type: provider.TypeString, Default: "default", Description: "VPN catalog entry name (its zone)"},
}}

var diskFlavors = []provider.Flavor{
	{Name: "small", Description: "SSD 20 GB", Values: map[string]any{"sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 20}},
	{Name: "medium", Description: "SSD 40 GB", Values: map[string]any{"sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 40}},
	{Name: "large", Description: "SSD 250 GB", Values: map[string]any{"sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 250}},
}

type diskCatalog struct{ catalog }

// Check is sakura's without what a disk needs not (switch and gateway).
func (c *diskCatalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	for _, x := range c.catalog.Check(prefix) {
		if (x.Field == prefix+".sakura_local_switch_id" && c.SwitchID == "") || (x.Field == prefix+".sakura_private_subnet_gateway_ip" && c.Gateway == "") {
			continue
		}
		d = append(d, x)
	}
	return d
}

type diskSpec struct {
	NumDisks int               `json:"num_disks"`
	Plan     string            `json:"sakuracloud_disk_plan"`
	Size     int               `json:"sakuracloud_disk_size"`
	Archive  string            `json:"cloud_image"`
	Tags     map[string]string `json:"tags"`
}

// Check checks what Sakura Cloud would refuse, without calling it.
func (s *diskSpec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if s.NumDisks < 0 {
		d = append(d, provider.Invalid("must be 0 or more, got %d", s.NumDisks).On(prefix+".num_disks"))
	}
	if sizes, ok := diskSizes[s.Plan]; ok && !slices.Contains(sizes, s.Size) {
		d = append(d, provider.Invalid("%d GB is not a size of the %s plan: it offers %s GB", s.Size, s.Plan, list(sizes)).On(prefix+".sakuracloud_disk_size"))
	}
	if len(s.Archive) > 256 {
		d = append(d, provider.Invalid("an archive name has at most 256 characters").On(prefix+".cloud_image").
			Because("give the archive's name or 12-digit id, or leave cloud_image empty for a blank disk"))
	}
	return d
}

// WithNote adds a sentence to the description (a test build says there
// that it drives a fake).
func (p *Disk) WithNote(note string) *Disk {
	p.note = note
	return p
}

func (p *Disk) GetInfo(context.Context) (*provider.Info, error) {
	desc := "Sakura Cloud disks for storage units"
	if p.note != "" {
		desc += ". " + p.note
	}
	return &provider.Info{
		Name: "sakura_disk", Version: p.version, Description: desc,
		Capabilities:  []provider.Capability{provider.CapDisks, provider.CapTags, provider.CapListByController, provider.CapPreflight},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: diskFlavors, CredentialKeys: credentialKeys,
		Aliases: []string{"sakura-disk"}, CredentialsFamily: "sakura",
	}, nil
}

func (p *Disk) open(ctx context.Context, env provider.CallEnv) (*api, *diskCatalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	token, secret, err := apiKey(env.Credentials)
	if err != nil {
		return nil, nil, err
	}
	a, err := p.clients.Get(ctx, "sakura", env.Credentials, func(context.Context) (*api, error) { return newAPI(token, secret, p.version) })
	return a, cat, err
}

func (p *Disk) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	s, diags := p.Spec(cat, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	unlock, err := p.nodes.lock(ctx, req.Node.NodeID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !req.FirstAttempt {
		found, err := a.disks(ctx, cat.Zone, ofNode(req.Env, req.Node))
		if err != nil {
			return nil, cloudErr("look up the node's disk", err)
		}
		if len(found) > 0 {
			return diskStatus(found[0], cat.Zone), nil
		}
	}
	in := &iaas.DiskCreateRequest{DiskPlanID: diskPlanIDs[s.Plan], SizeMB: s.Size * 1024, Name: req.Node.CloudInstanceName,
		Description: "vcc disk node " + req.Node.NodeID, Tags: tags.Strings(tags.For(req.Env, req.Node, s.Tags))}
	if s.Archive != "" {
		arc, err := findArchive(ctx, a, &cat.catalog, &spec{Spec: fields.Spec{CloudImage: s.Archive}})
		if err != nil {
			return nil, err
		}
		in.SourceArchiveID = arc.ID
	}
	// The call that makes the disk is not abandoned when the host gives
	// up on this one: it ends (its answer is quick) before the node's lock
	// is released, so a retry finds the disk instead of making another.
	mk, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	d, err := a.disk.Create(mk, cat.Zone, in, nil, types.ID(0))
	if err != nil {
		return nil, diagnose("create a disk", err).On("spec").Err()
	}
	return diskStatus(d, cat.Zone), nil
}

// diskStatus maps a disk onto the protocol: available (connected or not)
// is running, a copy under way pending.
func diskStatus(d *iaas.Disk, zone string) *provider.NodeStatus {
	t := tags.FromStrings(d.Tags)
	st := &provider.NodeStatus{NodeID: tags.NodeID(t), CloudInstanceID: d.ID.String(), CloudInstanceName: d.Name, Tags: t,
		Disk: &provider.DiskStatus{SizeGB: int64(d.SizeMB / 1024), Zone: zone, Type: planName(d.DiskPlanID)}}
	switch d.Availability {
	case types.Availabilities.Available:
		st.State = provider.InstanceRunning
	case types.Availabilities.Migrating, types.Availabilities.Uploading, types.Availabilities.Transferring:
		st.State, st.StateReason = provider.InstancePending, "the disk is "+string(d.Availability)
	default:
		st.State, st.StateReason = provider.InstanceError, "Sakura Cloud reports the disk "+string(d.Availability)
	}
	if !d.ServerID.IsEmpty() {
		st.Disk.AttachedTo = d.ServerID.String()
	}
	return st
}

func planName(id types.ID) string {
	for name, pid := range diskPlanIDs {
		if pid == id {
			return name
		}
	}
	return ""
}

func (p *Disk) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	found, err := a.disks(ctx, cat.Zone, tagged(tags.Pair(provider.TagControllerID, req.Env.ControllerID)))
	if err != nil {
		return nil, cloudErr("list the controller's disks in "+cat.Zone, err)
	}
	ans := describe.New(req)
	for _, d := range found {
		ans.Add(*diskStatus(d, cat.Zone))
	}
	return ans.Nodes(), nil
}

// DeleteNode disconnects the disk from a server holding it (the host
// asks so only when none of its nodes does, or the user forced it), then
// deletes it; a disk that is gone is done.
func (p *Disk) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	unlock, err := p.nodes.lock(ctx, req.Node.NodeID)
	if err != nil {
		return err
	}
	defer unlock()
	var found []*iaas.Disk
	if id := req.Node.CloudInstanceID; id != "" {
		d, err := a.disk.Read(ctx, cat.Zone, types.StringID(id))
		if notFound(err) {
			return nil
		}
		if err != nil {
			return cloudErr("read disk "+id, err)
		}
		found = append(found, d)
	} else if found, err = a.disks(ctx, cat.Zone, ofNode(req.Env, req.Node)); err != nil {
		return cloudErr("look up the node's disk", err)
	}
	for _, d := range found {
		if !d.ServerID.IsEmpty() {
			if err := a.disk.DisconnectFromServer(ctx, cat.Zone, d.ID); err != nil && !notFound(err) {
				return cloudErr("disconnect disk "+d.ID.String()+" from server "+d.ServerID.String()+" (Sakura Cloud disconnects disks of stopped servers only)", err)
			}
		}
		if err := a.disk.Delete(ctx, cat.Zone, d.ID); err != nil && !notFound(err) {
			return cloudErr("delete disk "+d.ID.String(), err)
		}
	}
	return nil
}

var _ provider.Preflighter = (*Disk)(nil)

// Preflight checks with Sakura Cloud, before anything is recorded or
// made, what a disk create would refuse: the API key, the archive in the
// zone, and the size offered by the zone's plan.
func (p *Disk) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return &provider.PreflightResult{Diagnostics: diagsOf(err)}, nil
	}
	s, diags := p.Spec(cat, req.Spec)
	if diags.HasError() {
		return &provider.PreflightResult{Diagnostics: diags}, nil
	}
	checks := []preflight.Check{{Name: "the disk size", Field: "spec.sakuracloud_disk_size", Run: func(ctx context.Context) error {
		return diskSize(ctx, a, cat.Zone, &spec{DiskPlan: s.Plan, DiskSize: s.Size})
	}}}
	if s.Archive != "" {
		checks = append(checks, preflight.Check{Name: "the archive", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			_, err := findArchive(ctx, a, &cat.catalog, &spec{Spec: fields.Spec{CloudImage: s.Archive}})
			return err
		}})
	}
	return &provider.PreflightResult{Diagnostics: preflight.Run(ctx, checks...)}, nil
}
