package azure

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Preflight checks with reads only, while the create request is still
// open, what would make the create fail later: the service principal,
// the subnet and security group, the image, the size in the location,
// the fixed IPs inside the real subnet and free, the disks to attach.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return &provider.PreflightResult{Diagnostics: preflight.Triage(ctx, preflight.Check{Name: "the credentials", Field: "credentials"}, err)}, nil
	}
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	// The sign-in, subscription, resource group and location first: a
	// refusal of those would repeat in every other check.
	first := preflight.Run(ctx,
		preflight.Check{Name: "the subnet", Field: "catalog.azure_subnet_name", Run: func(ctx context.Context) error { return p.subnet(ctx, c, cat, req.Nodes) }},
		location(c, cat))
	if fatal(first) {
		return &provider.PreflightResult{Diagnostics: first}, nil
	}
	diags := append(first, preflight.Run(ctx,
		preflight.Check{Name: "the security group", Field: "catalog.azure_security_group_name", Run: func(ctx context.Context) error {
			_, err := c.NSGs.Get(ctx, cat.Group, cat.NSG, nil)
			if armclient.Code(err) == "ResourceNotFound" {
				return provider.NotFound("network security group %s is not in resource group %s", cat.NSG, cat.Group).On("catalog.azure_security_group_name").
					Because("name a network security group of the resource group").Err()
			}
			return armclient.Err("read network security group "+cat.NSG, err)
		}},
		preflight.Check{Name: "the image", Field: "spec.cloud_image", Run: func(ctx context.Context) error { return image(ctx, c, cat, sp) }},
		preflight.Check{Name: "the VM size and the cores quota", Field: "spec.vm_size", Run: func(ctx context.Context) error { return vmSize(ctx, c, cat, sp, len(req.Nodes)) }},
		preflight.Check{Name: "the disks to attach", Field: "spec.disks", Run: func(ctx context.Context) error { return disks(ctx, c, cat, req.Env.Credentials["subscription_id"], sp) }},
	)...)
	return &provider.PreflightResult{Diagnostics: diags}, nil
}

// location: the virtual network is in the catalog's location.
func location(c *armclient.Clients, cat *catalog) preflight.Check {
	return preflight.Check{Name: "the virtual network's location", Field: "catalog.azure_location", Run: func(ctx context.Context) error {
		v, err := c.VNets.Get(ctx, cat.Group, cat.VNet, nil)
		if err != nil {
			return nil // the subnet's check says what is wrong
		}
		if loc := deref(v.Location); !strings.EqualFold(loc, cat.Location) {
			return provider.Invalid("virtual network %s is in %s, not in %s", cat.VNet, loc, cat.Location).On("catalog.azure_location").
				Because("a NIC and its VM must be in their virtual network's location: set azure_location: %s", loc).Err()
		}
		return nil
	}}
}

// fatal: what makes every other look-up pointless.
func fatal(d provider.Diagnostics) bool {
	for _, x := range d {
		if x.Severity == provider.SeverityError && (x.Field == "credentials.subscription_id" || x.Field == "catalog.azure_resource_group_name" || x.Field == "catalog.azure_location") {
			return true
		}
	}
	return preflight.Fatal(d)
}

// subnet: it exists, and the nodes' fixed IPs are inside it and free.
func (p *Provider) subnet(ctx context.Context, c *armclient.Clients, cat *catalog, nodes []provider.NodeRef) error {
	sn, err := c.Subnets.Get(ctx, cat.Group, cat.VNet, cat.Subnet, nil)
	switch armclient.Code(err) {
	case "":
	case "ResourceNotFound", "NotFound":
		return provider.NotFound("subnet %s of virtual network %s is not in resource group %s", cat.Subnet, cat.VNet, cat.Group).On("catalog.azure_subnet_name").
			Because("check azure_vnet_name and azure_subnet_name (az network vnet subnet list -g %s --vnet-name %s)", cat.Group, cat.VNet).Err()
	default:
		return armclient.Err("read subnet "+cat.Subnet, err)
	}
	if err != nil {
		return armclient.Err("read subnet "+cat.Subnet, err)
	}
	pfx, perr := netip.ParsePrefix(deref(sn.Properties.AddressPrefix))
	var fixed []provider.NodeRef
	for _, n := range nodes {
		if n.FixedIP != "" {
			fixed = append(fixed, n)
		}
	}
	if perr != nil || len(fixed) == 0 {
		return nil
	}
	used, err := nicAddressesByIP(ctx, c, cat.Group)
	if err != nil {
		return err
	}
	var d provider.Diagnostics
	for i, n := range fixed {
		a, _ := netip.ParseAddr(n.FixedIP)
		field := fmt.Sprintf("spec.ip_addresses[%d]", i)
		switch owner := used[a]; {
		case !pfx.Contains(a):
			d = append(d, provider.Invalid("%s is outside subnet %s (%s)", a, cat.Subnet, pfx).On(field).Because("give addresses of the subnet"))
		case owner != "" && !strings.EqualFold(owner, namesOf(n).nic):
			d = append(d, provider.Invalid("%s is taken by NIC %s", a, owner).On(field).Because("give a free address of the subnet"))
		}
	}
	if len(d) > 0 {
		return &provider.DiagnosticsError{Diags: d}
	}
	return nil
}

func nicAddressesByIP(ctx context.Context, c *armclient.Clients, group string) (map[netip.Addr]string, error) {
	byID, err := nicAddresses(ctx, c, group)
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]string{}
	for id, ip := range byID {
		if a, err := netip.ParseAddr(ip); err == nil {
			out[a] = nameOf(id)
		}
	}
	return out, nil
}

// image: a marketplace image the location offers, or an image of the
// subscription. Gallery images are left to the create.
func image(ctx context.Context, c *armclient.Clients, cat *catalog, sp *spec) error {
	ref := imageRef(sp.CloudImage, cat)
	if id := deref(ref.ID); id != "" {
		group, name, ok := imageOf(id)
		if !ok {
			return nil
		}
		_, err := c.Images.Get(ctx, group, name, nil)
		if armclient.IsNotFound(err) {
			return provider.NotFound("image %s does not exist", id).On("spec.cloud_image").Because("give the resource id of an image in %s", cat.Location).Err()
		}
		return armclient.Err("read image "+id, err)
	}
	urn := deref(ref.Publisher) + ":" + deref(ref.Offer) + ":" + deref(ref.SKU) + ":" + deref(ref.Version)
	var err error
	if deref(ref.Version) == "latest" {
		var res armcompute.VirtualMachineImagesClientListResponse
		res, err = c.Market.List(ctx, cat.Location, *ref.Publisher, *ref.Offer, *ref.SKU, nil)
		if err == nil && len(res.VirtualMachineImageResourceArray) == 0 {
			err = fmt.Errorf("no versions")
		}
	} else {
		_, err = c.Market.Get(ctx, cat.Location, *ref.Publisher, *ref.Offer, *ref.SKU, *ref.Version, nil)
	}
	if armclient.IsNotFound(err) || (err != nil && err.Error() == "no versions") {
		return provider.NotFound("marketplace image %s is not offered in %s", urn, cat.Location).On("spec.cloud_image").
			Because("az vm image list --location %s --all --publisher PUBLISHER shows the images", cat.Location).Err()
	}
	return armclient.Err("look up image "+urn, err)
}

// imageOf is the group and name of a plain image id.
func imageOf(id string) (string, string, bool) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) != 8 || !strings.EqualFold(p[6], "images") {
		return "", "", false
	}
	return p[3], p[7], true
}

// vmSize: the location offers the size, and the regional cores quota
// has room for the nodes.
func vmSize(ctx context.Context, c *armclient.Clients, cat *catalog, sp *spec, nodes int) error {
	pager := c.Sizes.NewListPager(cat.Location, nil)
	var names []string
	cores, maxDisks := int64(-1), int32(-1)
	for pager.More() && cores < 0 {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return armclient.Err("list the VM sizes of "+cat.Location, err)
		}
		for _, z := range page.Value {
			if strings.EqualFold(deref(z.Name), sp.VMSize) {
				cores, maxDisks = int64(deref(z.NumberOfCores)), deref(z.MaxDataDiskCount)
				break
			}
			names = append(names, deref(z.Name))
		}
	}
	if cores < 0 {
		slices.Sort(names)
		if len(names) > 12 {
			names = append(names[:12], "...")
		}
		return provider.Invalid("VM size %s is not offered in %s", sp.VMSize, cat.Location).On("spec.vm_size").
			Because("pick one the location offers (%s); az vm list-sizes --location %s lists them all", strings.Join(names, ", "), cat.Location).Err()
	}
	if maxDisks >= 0 && len(sp.Disks) > int(maxDisks) {
		return provider.Invalid("%d disks to attach, but a VM of size %s takes at most %d data disks", len(sp.Disks), sp.VMSize, maxDisks).On("spec.disks").
			Because("attach fewer disks, or pick a larger vm_size (az vm list-sizes --location %s shows maxDataDiskCount)", cat.Location).Err()
	}
	return coresQuota(ctx, c, cat, sp, nodes, cores)
}

// coresQuota: the location's total regional cores have room for nodes of
// cores each. (Azure also limits cores per size family, which this does
// not read.)
func coresQuota(ctx context.Context, c *armclient.Clients, cat *catalog, sp *spec, nodes int, cores int64) error {
	need := int64(nodes) * cores
	pager := c.Usage.NewListPager(cat.Location, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return armclient.Err("read the compute quotas of "+cat.Location, err)
		}
		for _, u := range page.Value {
			if u.Name == nil || deref(u.Name.Value) != "cores" {
				continue
			}
			used, limit := int64(deref(u.CurrentValue)), deref(u.Limit)
			if used+need > limit {
				return provider.Quota("%d nodes of %s need %d cores; %s has %d of %d regional cores in use", nodes, sp.VMSize, need, cat.Location, used, limit).
					On("spec.num_nodes").Because("create fewer or smaller nodes, delete or deallocate VMs, or request a quota increase (Subscriptions > Usage + quotas)").Err()
			}
			return nil
		}
	}
	return nil
}

// disks: each exists, is free, and lies where the node will be (its
// location, and its zone unless zone-redundant), as Azure attaches no
// other.
func disks(ctx context.Context, c *armclient.Clients, cat *catalog, sub string, sp *spec) error {
	var d provider.Diagnostics
	premium := map[int]string{} // index: type of the Premium disks
	for i, id := range sp.Disks {
		p := strings.Split(strings.Trim(id, "/"), "/")
		field := fmt.Sprintf("spec.disks[%d]", i)
		if !strings.EqualFold(p[1], sub) {
			d = append(d, provider.Invalid("disk %s is in another subscription", id).On(field))
			continue
		}
		got, err := c.Disks.Get(ctx, p[3], p[7], nil)
		switch {
		case armclient.IsNotFound(err):
			d = append(d, provider.NotFound("disk %s does not exist", id).On(field))
		case err != nil:
			return armclient.Err("read disk "+id, err)
		case got.ManagedBy != nil:
			d = append(d, provider.Invalid("disk %s is attached to %s", id, *got.ManagedBy).On(field).
				Because("a managed disk joins one VM: detach it, or use a shared disk"))
		case !strings.EqualFold(deref(got.Location), cat.Location):
			d = append(d, provider.Invalid("disk %s is in %s, the node will be in %s", id, deref(got.Location), cat.Location).On(field).
				Because("Azure attaches disks of the VM's location only: pick a disk of %s, or a catalog entry of %s", cat.Location, deref(got.Location)))
		case !zoneFits(cat.Zone, &got.Disk):
			here := zoneName(cat.Location, nil)
			if cat.Zone != "" {
				here = zoneName(cat.Location, []*string{&cat.Zone})
			}
			d = append(d, provider.Invalid("disk %s is in %s, the node will be in %s", id, zoneName(deref(got.Location), got.Zones), here).On(field).
				Because("Azure attaches a zonal disk to a VM of its zone only: pick a disk of the node's zone (an azure_disk entry with the same azure_zone, or a _ZRS type), or a catalog entry in the disk's zone"))
		case got.SKU != nil && strings.HasPrefix(string(deref(got.SKU.Name)), "Premium"):
			premium[i] = string(*got.SKU.Name)
		}
	}
	if len(premium) > 0 && !premiumIO(ctx, c, cat.Location, sp.VMSize) {
		for i, typ := range premium {
			d = append(d, provider.Invalid("disk %s is %s, which VM size %s does not support", sp.Disks[i], typ, sp.VMSize).On(fmt.Sprintf("spec.disks[%d]", i)).
				Because("pick a vm_size with premium storage (an s in its name, like Standard_D2s_v3), or a Standard disk"))
		}
	}
	if len(d) > 0 {
		return &provider.DiagnosticsError{Diags: d}
	}
	return nil
}

// premiumIO: the location's size takes Premium disks, by its resource
// SKU's PremiumIO capability; true when the SKUs cannot be read (Azure
// then says at the create).
func premiumIO(ctx context.Context, c *armclient.Clients, location, size string) bool {
	pager := c.SKUs.NewListPager(&armcompute.ResourceSKUsClientListOptions{Filter: ptr("location eq '" + location + "'")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return true
		}
		for _, sku := range page.Value {
			if !strings.EqualFold(deref(sku.ResourceType), "virtualMachines") || !strings.EqualFold(deref(sku.Name), size) {
				continue
			}
			for _, cp := range sku.Capabilities {
				if deref(cp.Name) == "PremiumIO" {
					return strings.EqualFold(deref(cp.Value), "True")
				}
			}
			return true
		}
	}
	return true
}

// zoneFits: a node of zone (none: "") can attach d.
func zoneFits(zone string, d *armcompute.Disk) bool {
	dz := ""
	if len(d.Zones) > 0 && d.Zones[0] != nil {
		dz = *d.Zones[0]
	}
	zrs := d.SKU != nil && d.SKU.Name != nil && strings.HasSuffix(string(*d.SKU.Name), "_ZRS")
	return dz == zone || (dz == "" && zrs)
}
