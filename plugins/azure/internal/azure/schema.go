package azure

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// defaultImage is what cloud_image "default" means without the catalog
// entry's azure_default_image: Ubuntu 24.04 LTS, Docker installs there
// from cloud-init.
const defaultImage = "Canonical:ubuntu-24_04-lts:server:latest"

var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "azure_resource_group_name", Type: provider.TypeString, Required: true, Description: "resource group that holds the network and receives the nodes' VMs, NICs and disks"},
	{Name: "azure_vnet_name", Type: provider.TypeString, Required: true, Description: "virtual network of the nodes, in that resource group"},
	{Name: "azure_subnet_name", Type: provider.TypeString, Required: true, Description: "subnet of the virtual network where the nodes' NICs get their private IPs"},
	{Name: "azure_security_group_name", Type: provider.TypeString, Required: true, Description: "network security group set on every node's NIC, in that resource group"},
	{Name: "azure_location", Type: provider.TypeString, Required: true, Description: "Azure region of the resource group's network, like japaneast"},
	{Name: "azure_zone", Type: provider.TypeString, Description: "availability zone of the nodes: 1, 2 or 3; unset: no zone"},
	{Name: "azure_default_image", Type: provider.TypeString, Description: "image that cloud_image default means: publisher:offer:sku:version or an image resource id (default " + defaultImage + ")"},
	{Name: "azure_admin_username", Type: provider.TypeString, Default: "vcc", Description: "the VMs' administrator account (key-only login; root, admin and administrator are refused by Azure)"},
	{Name: "azure_resource_manager_endpoint", Type: provider.TypeString, Description: "Azure Resource Manager URL of a sovereign cloud or an emulator (default https://management.azure.com)"},
	{Name: "azure_authority_host", Type: provider.TypeString, Description: "Microsoft Entra ID sign-in URL of a sovereign cloud or an emulator (default https://login.microsoftonline.com/)"},
}})

func specSchema(spot bool) provider.Schema {
	attrs := []provider.Attribute{
		{Name: "vm_size", Type: provider.TypeString, Default: "Standard_B1s", Description: "VM size, like Standard_D3_v2"},
		{Name: "disk_size_gb", Type: provider.TypeInt, Default: 40, Description: "OS disk size in GB (30 to 4095)"},
		{Name: "managed_disk_type", Type: provider.TypeString, Default: "Standard_LRS", AllowedValues: diskTypes,
			Description: "storage type of the OS disk; Premium ones need a size that supports premium storage (an s in its name, like Standard_D2s_v3)"},
		{Name: "cloud_image", Type: provider.TypeString, Default: "default", Description: "image: a marketplace URN publisher:offer:sku:version, an image or gallery image resource id, or default (the catalog entry's azure_default_image)"},
		{Name: "disks", Type: provider.TypeStringList, Description: "resource ids of existing managed disks to attach to every node (in the catalog entry's location)"},
	}
	if spot {
		attrs = append(attrs,
			provider.Attribute{Name: "azure_spot_eviction_policy", Type: provider.TypeString, Default: "Deallocate", AllowedValues: []string{"Deallocate", "Delete"},
				Description: "what Azure does with an evicted node: Deallocate keeps its disk (still billed), Delete removes it; either way the node is HOST_ERROR"},
			provider.Attribute{Name: "spot_price", Type: provider.TypeNumber, Default: -1, Description: "most USD per hour to pay; -1: up to the on-demand price (evicted only for capacity)"},
		)
	}
	return provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: attrs})
}

var diskTypes = []string{"Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS"}

// flavors are upstream's.
var flavors = []provider.Flavor{
	{Name: "small", Description: "Standard_B1s, 40 GB Standard_LRS", Values: map[string]any{"vm_size": "Standard_B1s", "disk_size_gb": 40, "managed_disk_type": "Standard_LRS"}},
	{Name: "medium", Description: "Standard_D3_v2, 100 GB Standard_LRS", Values: map[string]any{"vm_size": "Standard_D3_v2", "disk_size_gb": 100, "managed_disk_type": "Standard_LRS"}},
	{Name: "large", Description: "Standard_D4_v2, 100 GB Premium_LRS", Values: map[string]any{"vm_size": "Standard_D4_v2", "disk_size_gb": 100, "managed_disk_type": "Premium_LRS"}},
}

var (
	// Azure's naming rules of the resources the catalog names.
	groupRE    = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	vnetRE     = regexp.MustCompile(`^[A-Za-z0-9][-\w.]{0,62}[\w]$`)
	subnetRE   = regexp.MustCompile(`^[A-Za-z0-9]([-\w.]{0,78}[\w])?$`)
	locationRE = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)
	sizeRE     = regexp.MustCompile(`^(Standard|Basic)_[A-Za-z0-9_-]+$`)
	urnRE      = regexp.MustCompile(`^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$`)
	imageIDRE  = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/(images/[^/]+|galleries/[^/]+/images/[^/]+(/versions/[^/]+)?)$`)
	diskIDRE   = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/disks/[^/]+$`)
)

type catalog struct {
	fields.Network
	Group        string `json:"azure_resource_group_name"`
	VNet         string `json:"azure_vnet_name"`
	Subnet       string `json:"azure_subnet_name"`
	NSG          string `json:"azure_security_group_name"`
	Location     string `json:"azure_location"`
	Zone         string `json:"azure_zone"`
	DefaultImage string `json:"azure_default_image"`
	AdminUser    string `json:"azure_admin_username"`
	ARM          string `json:"azure_resource_manager_endpoint"`
	Authority    string `json:"azure_authority_host"`
}

// Check checks names and formats as Azure would, without calling it.
func (c *catalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	bad := func(field, fix, format string, args ...any) {
		d = append(d, provider.Invalid(format, args...).On(prefix+"."+field).Because("%s", fix))
	}
	if !groupRE.MatchString(c.Group) || strings.HasSuffix(c.Group, ".") {
		bad("azure_resource_group_name", "a resource group name has 1 to 90 letters, digits, _ - . ( ) and does not end with a period", "%q is not a resource group name", c.Group)
	}
	if !vnetRE.MatchString(c.VNet) {
		bad("azure_vnet_name", "a virtual network name has 2 to 64 letters, digits, _ - . and starts with a letter or digit", "%q is not a virtual network name", c.VNet)
	}
	if !subnetRE.MatchString(c.Subnet) {
		bad("azure_subnet_name", "a subnet name has 1 to 80 letters, digits, _ - . and starts with a letter or digit", "%q is not a subnet name", c.Subnet)
	}
	if !subnetRE.MatchString(c.NSG) {
		bad("azure_security_group_name", "a network security group name has 1 to 80 letters, digits, _ - .", "%q is not a network security group name", c.NSG)
	}
	if !locationRE.MatchString(c.Location) {
		bad("azure_location", "give the region's name in lower case without spaces, like japaneast (az account list-locations -o table)", "%q is not an Azure region name", c.Location)
	}
	if c.Zone != "" && c.Zone != "1" && c.Zone != "2" && c.Zone != "3" {
		bad("azure_zone", "Azure's zones of a region are 1, 2 and 3 (quote it in YAML: \"1\"); leave it out for no zone", "%q is not an availability zone", c.Zone)
	}
	if c.DefaultImage != "" && !urnRE.MatchString(c.DefaultImage) && !imageIDRE.MatchString(c.DefaultImage) {
		bad("azure_default_image", "give publisher:offer:sku:version (like "+defaultImage+") or an image resource id", "%q is not an image", c.DefaultImage)
	}
	switch strings.ToLower(c.AdminUser) {
	case "root", "admin", "administrator", "guest", "user", "test":
		bad("azure_admin_username", "pick another name, like vcc", "Azure refuses the administrator name %q", c.AdminUser)
	}
	for field, v := range map[string]string{"azure_resource_manager_endpoint": c.ARM, "azure_authority_host": c.Authority} {
		if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
			bad(field, "Azure's endpoints are https URLs, like https://management.azure.com", "%q is not an https URL", v)
		}
	}
	return d
}

type spec struct {
	fields.Spec
	VMSize         string   `json:"vm_size"`
	DiskSizeGB     int32    `json:"disk_size_gb"`
	DiskType       string   `json:"managed_disk_type"`
	EvictionPolicy string   `json:"azure_spot_eviction_policy"`
	SpotPrice      *float64 `json:"spot_price"`
}

// Check refuses what Azure would refuse node by node.
func (s *spec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if !sizeRE.MatchString(s.VMSize) {
		d = append(d, provider.Invalid("%q is not an Azure VM size", s.VMSize).On(prefix+".vm_size").
			Because("give a size like Standard_B1s or Standard_D3_v2 (az vm list-sizes --location LOCATION)"))
	}
	if s.DiskSizeGB < 30 || s.DiskSizeGB > 4095 {
		d = append(d, provider.Invalid("must be between 30 and 4095 GB, got %d", s.DiskSizeGB).On(prefix+".disk_size_gb").
			Because("Azure's Linux images need 30 GB; an OS disk holds at most 4095 GB"))
	}
	if s.CloudImage != "default" && !urnRE.MatchString(s.CloudImage) && !imageIDRE.MatchString(s.CloudImage) {
		d = append(d, provider.Invalid("%q is not an Azure image", s.CloudImage).On(prefix+".cloud_image").
			Because("give a marketplace URN publisher:offer:sku:version (like "+defaultImage+"), an image resource id, or default"))
	}
	for i, id := range s.Disks {
		if !diskIDRE.MatchString(id) {
			d = append(d, provider.Invalid("%q is not a managed disk resource id", id).On(fmt.Sprintf("%s.disks[%d]", prefix, i)).
				Because("give /subscriptions/SUB/resourceGroups/GROUP/providers/Microsoft.Compute/disks/NAME"))
		}
	}
	if len(s.MACAddresses) > 0 {
		d = append(d, provider.Invalid("Azure gives every NIC its MAC address itself").On(prefix+".mac_addresses").Because("leave mac_addresses out"))
	}
	if s.SpotPrice != nil && *s.SpotPrice != -1 && *s.SpotPrice < 0.00001 {
		d = append(d, provider.Invalid("%v is not a price", *s.SpotPrice).On(prefix+".spot_price").
			Because("give the most USD per hour, like 0.05, or -1 to pay up to the on-demand price"))
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

// vccTags is how many tags kit/tags adds.
const vccTags = 5

// against: default needs no catalog key (Ubuntu is the fallback).
func against(*catalog, *spec) provider.Diagnostics { return nil }
