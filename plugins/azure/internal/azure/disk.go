package azure

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// Disk is the "azure_disk" plugin: managed disks, the nodes of storage
// units, which azure and azure_spot nodes attach as data disks through
// their spec's disks. Its catalog entry is an azure one (copy the azure
// section under azure_disk): the disks are made in its resource group,
// location and zone, so a node of the same entry can attach them.
type Disk struct {
	decode.Docs[diskCatalog, diskSpec]
	version string
	clients *clientcache.Cache[*armclient.Clients]
	// transport, when set, carries every request (in-process tests).
	transport policy.Transporter
}

var (
	_ provider.Provider    = (*Disk)(nil)
	_ provider.Preflighter = (*Disk)(nil)
)

// NewDisk returns the azure_disk provider.
func NewDisk(version string) *Disk {
	return &Disk{Docs: decode.Docs[diskCatalog, diskSpec]{CatalogSchema: diskCatalogSchema, SpecSchema: diskSpecSchema},
		version: version, clients: clientcache.New[*armclient.Clients]()}
}

// The catalog is azure's with the network optional: a disk needs only
// the resource group, the location and the zone.
var diskCatalogSchema = func() provider.Schema {
	s := catalogSchema.Merge(provider.Schema{})
	for i := range s.Attributes {
		switch s.Attributes[i].Name {
		case "azure_vnet_name", "azure_subnet_name", "azure_security_group_name":
			s.Attributes[i].Required = false
		case "azure_resource_group_name":
			s.Attributes[i].Description = "resource group that receives the disks"
		case "azure_zone":
			s.Attributes[i].Description = "availability zone of the disks (1, 2 or 3; zone-redundant types ignore it); nodes attaching them must be in it; unset: no zone"
		}
	}
	return s
}()

var diskSpecSchema = provider.Schema{Attributes: []provider.Attribute{
	{Name: "num_disks", Type: provider.TypeInt, Default: 1, Description: "disks to create (a storage unit's count)"},
	{Name: "storage_account_type", Type: provider.TypeString, Default: "Standard_LRS", AllowedValues: diskTypes,
		Description: "managed disk type; Premium ones need a VM size with premium storage (an s in its name); _ZRS ones are zone-redundant (attachable from any zone)"},
	{Name: "disk_size_gb", Type: provider.TypeInt, Default: 8, Description: "size in GB, 1 to 32767 (a copy is at least its source's size)"},
	{Name: "cloud_image", Type: provider.TypeString, Description: "resource id of a snapshot or a managed disk to copy; empty: a blank disk"},
	{Name: "tags", Type: provider.TypeStringMap, Description: "tags on every disk"},
	{Name: "private_network", Type: provider.TypeString, Default: "default", Description: "VPN catalog entry name (its resource group, location and zone)"},
}}

// diskFlavors are upstream's.
var diskFlavors = []provider.Flavor{
	{Name: "small", Description: "Standard_LRS 8 GB", Values: map[string]any{"storage_account_type": "Standard_LRS", "disk_size_gb": 8}},
	{Name: "medium", Description: "Standard_LRS 32 GB", Values: map[string]any{"storage_account_type": "Standard_LRS", "disk_size_gb": 32}},
	{Name: "large", Description: "Standard_LRS 128 GB", Values: map[string]any{"storage_account_type": "Standard_LRS", "disk_size_gb": 128}},
}

var sourceRE = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/(snapshots|disks)/[^/]+$`)

type diskCatalog struct{ catalog }

// Check is azure's without the network, which a disk needs not.
func (c *diskCatalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	for _, x := range c.catalog.Check(prefix) {
		switch {
		case x.Field == prefix+".azure_vnet_name" && c.VNet == "",
			x.Field == prefix+".azure_subnet_name" && c.Subnet == "",
			x.Field == prefix+".azure_security_group_name" && c.NSG == "":
			continue
		}
		d = append(d, x)
	}
	return d
}

type diskSpec struct {
	NumDisks int               `json:"num_disks"`
	Type     string            `json:"storage_account_type"`
	SizeGB   int32             `json:"disk_size_gb"`
	Source   string            `json:"cloud_image"`
	Tags     map[string]string `json:"tags"`
}

// Check checks what Azure would refuse, without calling it.
func (s *diskSpec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if s.NumDisks < 0 {
		d = append(d, provider.Invalid("must be 0 or more, got %d", s.NumDisks).On(prefix+".num_disks"))
	}
	if s.SizeGB < 1 || s.SizeGB > 32767 {
		d = append(d, provider.Invalid("must be between 1 and 32767 GB, got %d", s.SizeGB).On(prefix+".disk_size_gb"))
	}
	if s.Source != "" && !sourceRE.MatchString(s.Source) {
		d = append(d, provider.Invalid("%q is not the resource id of a snapshot or a managed disk", s.Source).On(prefix+".cloud_image").
			Because("give /subscriptions/SUB/resourceGroups/GROUP/providers/Microsoft.Compute/snapshots/NAME (or .../disks/NAME), or leave cloud_image empty for a blank disk"))
	}
	if len(s.Tags) > 50-vccTags {
		d = append(d, provider.Invalid("Azure takes at most 50 tags on a resource and vcc sets %d of them", vccTags).On(prefix+".tags"))
	}
	for k, v := range s.Tags {
		if strings.ContainsAny(k, `<>%&\?/`) || len(k) > 512 || len(v) > 256 {
			d = append(d, provider.Invalid("tag %q: Azure refuses < > %% & \\ ? / in tag names, names over 512 and values over 256 characters", k).On(prefix+".tags."+k))
		}
	}
	return d
}

// zoneRedundant: a _ZRS disk lives in every zone of its location.
func (s *diskSpec) zoneRedundant() bool { return strings.HasSuffix(s.Type, "_ZRS") }

func (p *Disk) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name: "azure_disk", Version: p.version, Description: "Microsoft Azure managed disks for storage units",
		Capabilities:  []provider.Capability{provider.CapDisks, provider.CapTags, provider.CapListByController, provider.CapAsyncDelete, provider.CapPreflight},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: diskFlavors, CredentialKeys: credentialKeys,
		Aliases: []string{"azure-disk"}, CredentialsFamily: "azure",
	}, nil
}

func (p *Disk) open(ctx context.Context, env provider.CallEnv) (*armclient.Clients, *diskCatalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	c, err := connect(ctx, p.clients, p.transport, &cat.catalog, env.Credentials)
	return c, cat, err
}

// diskName is the node's disk: fixed by the node id, so a retried create
// (ARM's PUT is idempotent by name) converges on the same disk.
func diskName(n provider.NodeRef) string {
	if n.CloudInstanceID != "" {
		return nameOf(n.CloudInstanceID)
	}
	return "vcc-" + n.NodeID + "-disk"
}

func (c *catalog) diskID(sub, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/disks/%s", sub, c.Group, name)
}

// zoneName is where a disk lives as the host compares it: location-zone
// (japaneast-1, as AKS names zones) for a zonal disk, the location for a
// regional one.
func zoneName(location string, zones []*string) string {
	if len(zones) > 0 && zones[0] != nil && *zones[0] != "" {
		return location + "-" + *zones[0]
	}
	return location
}

// CreateNode starts the disk's create and returns: the host's polls
// follow it (Creating, then Succeeded) through DescribeNodes.
func (p *Disk) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, diags := p.Spec(cat, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	sub, name := req.Env.Credentials["subscription_id"], diskName(req.Node)
	if !req.FirstAttempt { // the host may have asked before: look first
		got, err := c.Disks.Get(ctx, cat.Group, name, nil)
		switch {
		case err == nil && tags.NodeID(fromAz(got.Tags)) != req.Node.NodeID:
			return nil, provider.Invalid("disk %s of resource group %s is not this node's (its %s tag is %q)", name, cat.Group, provider.TagNodeID, tags.NodeID(fromAz(got.Tags))).
				On("node.cloud_instance_id").Because("a disk made outside vcc holds the node's name: rename or delete it").Err()
		case err == nil && deref(got.Properties.ProvisioningState) != "Deleting":
			st := diskStatus(&got.Disk, cat.Location)
			st.CloudInstanceID = cat.diskID(sub, name)
			return &st, nil
		case err != nil && !armclient.IsNotFound(err):
			return nil, armclient.Err("look up disk "+name, err)
		}
	}
	size := sp.SizeGB
	data := &armcompute.CreationData{CreateOption: ptr(armcompute.DiskCreateOptionEmpty)}
	if sp.Source != "" {
		srcSize, err := sourceSize(ctx, c, sp.Source)
		if err != nil {
			return nil, err
		}
		size = max(size, srcSize)
		data = &armcompute.CreationData{CreateOption: ptr(armcompute.DiskCreateOptionCopy), SourceResourceID: &sp.Source}
	}
	all := tags.For(req.Env, req.Node, sp.Tags)
	d := armcompute.Disk{Location: &cat.Location, Tags: azTags(all), SKU: &armcompute.DiskSKU{Name: ptr(armcompute.DiskStorageAccountTypes(sp.Type))},
		Properties: &armcompute.DiskProperties{DiskSizeGB: &size, CreationData: data}}
	if cat.Zone != "" && !sp.zoneRedundant() {
		d.Zones = []*string{&cat.Zone}
	}
	if _, err := c.Disks.BeginCreateOrUpdate(ctx, cat.Group, name, d, nil); err != nil {
		return nil, armclient.Err("create disk "+name, err)
	}
	return &provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: cat.diskID(sub, name), CloudInstanceName: name,
		State: provider.InstancePending, Tags: all,
		Disk: &provider.DiskStatus{SizeGB: int64(size), Zone: zoneName(cat.Location, d.Zones), Type: sp.Type}}, nil
}

// sourceSize reads the size of the snapshot or disk to copy: a copy is at
// least as large (Azure refuses a smaller one).
func sourceSize(ctx context.Context, c *armclient.Clients, id string) (int32, error) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	var size *int32
	var err error
	if strings.EqualFold(p[6], "snapshots") {
		var got armcompute.SnapshotsClientGetResponse
		if got, err = c.Snaps.Get(ctx, p[3], p[7], nil); err == nil && got.Properties != nil {
			size = got.Properties.DiskSizeGB
		}
	} else {
		var got armcompute.DisksClientGetResponse
		if got, err = c.Disks.Get(ctx, p[3], p[7], nil); err == nil && got.Properties != nil {
			size = got.Properties.DiskSizeGB
		}
	}
	if armclient.IsNotFound(err) {
		return 0, provider.NotFound("%s does not exist", id).On("spec.cloud_image").
			Because("give the resource id of a snapshot or managed disk of the subscription (az snapshot list -o table)").Err()
	}
	if err != nil {
		return 0, armclient.Err("read "+id, err)
	}
	return deref(size), nil
}

// diskStatus maps a managed disk onto the protocol: made (attached or
// not) is running, a create under way pending.
func diskStatus(d *armcompute.Disk, location string) provider.NodeStatus {
	t := fromAz(d.Tags)
	st := provider.NodeStatus{NodeID: tags.NodeID(t), CloudInstanceID: deref(d.ID), CloudInstanceName: deref(d.Name), Tags: t,
		Disk: &provider.DiskStatus{Zone: zoneName(location, d.Zones), AttachedTo: deref(d.ManagedBy)}}
	if d.SKU != nil && d.SKU.Name != nil {
		st.Disk.Type = string(*d.SKU.Name)
	}
	prov := ""
	if d.Properties != nil {
		st.Disk.SizeGB = int64(deref(d.Properties.DiskSizeGB))
		prov = deref(d.Properties.ProvisioningState)
	}
	switch strings.ToLower(prov) {
	case "succeeded", "updating":
		st.State = provider.InstanceRunning
	case "creating", "":
		st.State = provider.InstancePending
	case "deleting":
		st.State = provider.InstanceTerminating
	default:
		st.State, st.StateReason = provider.InstanceError, "Azure reports the disk's provisioning state "+prov
	}
	return st
}

// DescribeNodes lists the resource group's disks (one call for any
// number of nodes), and when some are attached the group's VMs, for the
// LUN each is attached at.
func (p *Disk) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sub := req.Env.Credentials["subscription_id"]
	ans := describe.New(req)
	var mine []provider.NodeStatus
	pager := c.Disks.NewListByResourceGroupPager(cat.Group, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armclient.Err("list the disks of resource group "+cat.Group, err)
		}
		for _, d := range page.Value {
			if !tags.Owned(fromAz(d.Tags), req.Env.ControllerID) || tags.NodeID(fromAz(d.Tags)) == "" {
				continue
			}
			st := diskStatus(d, cat.Location)
			// ARM may spell a resource group's name in ids otherwise
			// than the catalog: report the id as create did.
			st.CloudInstanceID = cat.diskID(sub, deref(d.Name))
			mine = append(mine, st)
		}
	}
	if !req.StateOnly {
		if err := devices(ctx, c, cat.Group, mine); err != nil {
			return nil, err
		}
	}
	for _, st := range mine {
		ans.Add(st)
	}
	return ans.Nodes(), nil
}

// devices fills in the device of the attached disks from their VMs'
// data disks (/dev/disk/azure/scsi1/lunN). A holder in another resource
// group is left without one.
func devices(ctx context.Context, c *armclient.Clients, group string, sts []provider.NodeStatus) error {
	held := false
	for _, st := range sts {
		held = held || st.Disk.AttachedTo != ""
	}
	if !held {
		return nil
	}
	vms, err := groupVMs(ctx, c, group)
	if err != nil {
		return err
	}
	lun := map[string]string{}
	for _, vm := range vms {
		if vm.Properties == nil || vm.Properties.StorageProfile == nil {
			continue
		}
		for _, a := range attached(vm.Properties.StorageProfile.DataDisks) {
			lun[strings.ToLower(nameOf(a.CloudDiskID))+"|"+strings.ToLower(deref(vm.ID))] = a.Device
		}
	}
	for i := range sts {
		if d := sts[i].Disk; d.AttachedTo != "" {
			d.Device = lun[strings.ToLower(sts[i].CloudInstanceName)+"|"+strings.ToLower(d.AttachedTo)]
		}
	}
	return nil
}

// DeleteNode starts the disk's delete and returns (async_delete: the
// host polls until it is gone). A disk a VM holds (the host asks so only
// when none of its nodes does, or the user forced it) is detached first,
// waiting for that update of the VM, as Azure deletes no attached disk.
func (p *Disk) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	name := diskName(req.Node)
	got, err := c.Disks.Get(ctx, cat.Group, name, nil)
	switch {
	case armclient.IsNotFound(err):
		return nil
	case err != nil:
		return armclient.Err("look up disk "+name, err)
	case tags.NodeID(fromAz(got.Tags)) != req.Node.NodeID:
		return nil // not this node's: its disk is gone
	case deref(got.Properties.ProvisioningState) == "Deleting":
		return nil // under way
	}
	if got.ManagedBy != nil {
		if err := detach(ctx, c, *got.ManagedBy, deref(got.ID)); err != nil {
			return err
		}
	}
	if _, err := c.Disks.BeginDelete(ctx, cat.Group, name, nil); err != nil && !armclient.IsNotFound(err) {
		return armclient.Err("delete disk "+name, err)
	}
	return nil
}

// detach updates the VM vmID so that it no longer holds the disk diskID,
// and waits for the update.
func detach(ctx context.Context, c *armclient.Clients, vmID, diskID string) error {
	p := strings.Split(strings.Trim(vmID, "/"), "/")
	if len(p) != 8 {
		return provider.New(provider.CodePluginError, "disk %s is held by %q, not a VM id", diskID, vmID).Err()
	}
	group, name := p[3], p[7]
	vm, err := c.VMs.Get(ctx, group, name, nil)
	if armclient.IsNotFound(err) {
		return nil // the VM went; Azure frees its disks
	}
	if err != nil {
		return armclient.Err("read VM "+name+" to detach disk "+nameOf(diskID), err)
	}
	found := false
	for _, dd := range vm.Properties.StorageProfile.DataDisks {
		if dd.ManagedDisk != nil && strings.EqualFold(deref(dd.ManagedDisk.ID), diskID) {
			dd.ToBeDetached, found = ptr(true), true
		}
	}
	if !found {
		return nil
	}
	poller, err := c.VMs.BeginCreateOrUpdate(ctx, group, name, vm.VirtualMachine, nil)
	if err == nil {
		_, err = poller.PollUntilDone(ctx, fast)
	}
	return armclient.Err("detach disk "+nameOf(diskID)+" from VM "+name, err)
}

// Preflight checks with reads only, while the request is open: the
// sign-in and the resource group, and the snapshot or disk to copy.
func (p *Disk) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return &provider.PreflightResult{Diagnostics: preflight.Triage(ctx, preflight.Check{Name: "the credentials", Field: "credentials"}, err)}, nil
	}
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	first := preflight.Run(ctx, preflight.Check{Name: "the resource group", Field: "catalog.azure_resource_group_name", Run: func(ctx context.Context) error {
		pager := c.Disks.NewListByResourceGroupPager(cat.Group, nil)
		_, err := pager.NextPage(ctx)
		return armclient.Err("list the disks of resource group "+cat.Group, err)
	}})
	if fatal(first) || sp.Source == "" {
		return &provider.PreflightResult{Diagnostics: first}, nil
	}
	return &provider.PreflightResult{Diagnostics: append(first, preflight.Run(ctx, preflight.Check{Name: "the source to copy", Field: "spec.cloud_image",
		Run: func(ctx context.Context) error { _, err := sourceSize(ctx, c, sp.Source); return err }})...)}, nil
}
