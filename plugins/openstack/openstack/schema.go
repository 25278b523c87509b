package openstack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// The stock catalog entry: upstream's own-OpenStack example keys
// (network_uuid, tenant_name, region) plus what a real cloud needs.
func stockCatalog() provider.Schema {
	return provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
		{Name: "auth_url", Type: provider.TypeString, Required: true, Description: "Keystone v3 URL, like https://keystone.example.org:5000/v3"},
		{Name: "network_uuid", Type: provider.TypeString, Required: true, Description: "id of the Neutron network the nodes are attached to"},
		{Name: "tenant_name", Type: provider.TypeString, Description: "project (tenant) the nodes are made in; not with application credentials, which name their project"},
		{Name: "region", Type: provider.TypeString, Default: "RegionOne", Description: "region of the service catalog"},
		{Name: "domain_name", Type: provider.TypeString, Default: "Default", Description: "Keystone domain of the user"},
		{Name: "project_domain_name", Type: provider.TypeString, Description: "Keystone domain of the project; domain_name when empty"},
		{Name: "availability_zone", Type: provider.TypeString, Description: "Nova availability zone of the nodes; the cloud's default when empty"},
		{Name: "security_groups", Type: provider.TypeStringList, Description: "security groups (names or ids) of the nodes' ports; the project's default when empty"},
		{Name: "endpoint_type", Type: provider.TypeString, Default: "public", AllowedValues: []string{"public", "internal"}, Description: "which service catalog endpoints to call"},
		{Name: "floating_ip_pool", Type: provider.TypeString, Description: "external network to give each node a floating IP from; off when empty (nodes are reached over the VPN)"},
		{Name: "flavors", Type: provider.TypeStringMap, Description: "the site's Nova flavor for vcc's small, medium, large (and any other) flavor, like {small: m1.small}"},
		{Name: "default_image", Type: provider.TypeString, Description: "image (name or id) that cloud_image default means"},
		{Name: "key_name", Type: provider.TypeString, Description: "Nova key pair put on the nodes (optional: the Base container takes ssh_public_key)"},
	}})
}

func stockSpec() provider.Schema {
	return provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
		{Name: "flavor_name", Type: provider.TypeString, Default: "small", Description: "Nova flavor name, or small/medium/large mapped by the catalog entry's flavors"},
		{Name: "volume_size", Type: provider.TypeInt, Description: "boot from a new volume of this many GB (deleted with the node); from the image when unset"},
		{Name: "cloud_image", Type: provider.TypeString, Default: "default", Description: "Glance image name or id; default is the catalog entry's default_image"},
		{Name: "disks", Type: provider.TypeStringList, Description: "Cinder volume ids attached to the node (one node only: a volume has one server)"},
	}})
}

// stockFlavors name vcc's flavors; the catalog entry's flavors map them
// onto the site's Nova flavors, whose names differ from cloud to cloud.
var stockFlavors = []provider.Flavor{
	{Name: "small", Description: "the site's small flavor (catalog flavors.small, or a Nova flavor named small)", Values: map[string]any{"flavor_name": "small"}},
	{Name: "medium", Description: "the site's medium flavor (catalog flavors.medium)", Values: map[string]any{"flavor_name": "medium"}},
	{Name: "large", Description: "the site's large flavor (catalog flavors.large)", Values: map[string]any{"flavor_name": "large"}},
}

// Entry is a decoded catalog entry. A site's own keys stay in Raw: read
// them with Decode.
type Entry struct {
	fields.Network
	AuthURL           string            `json:"auth_url"`
	NetworkUUID       string            `json:"network_uuid"`
	TenantName        string            `json:"tenant_name"`
	Region            string            `json:"region"`
	DomainName        string            `json:"domain_name"`
	ProjectDomainName string            `json:"project_domain_name"`
	AvailabilityZone  string            `json:"availability_zone"`
	SecurityGroups    []string          `json:"security_groups"`
	EndpointType      string            `json:"endpoint_type"`
	FloatingIPPool    string            `json:"floating_ip_pool"`
	Flavors           map[string]string `json:"flavors"`
	DefaultImage      string            `json:"default_image"`
	KeyName           string            `json:"key_name"`
	// Name is the entry's name in vpn_catalog.yml.
	Name string `json:"-"`
	// Raw is the entry as written, with the schema's defaults.
	Raw json.RawMessage `json:"-"`
}

// Decode reads the entry (with defaults) into dst: a site's extension
// keys, in a struct of its own.
func (e *Entry) Decode(dst any) error { return json.Unmarshal(e.Raw, dst) }

// ProjectDomain is the project's Keystone domain.
func (e *Entry) ProjectDomain() string {
	if e.ProjectDomainName != "" {
		return e.ProjectDomainName
	}
	return e.DomainName
}

// Spec is a decoded unit spec; a site's own fields stay in Raw.
type Spec struct {
	fields.Spec
	FlavorName string          `json:"flavor_name"`
	VolumeSize int             `json:"volume_size"`
	Raw        json.RawMessage `json:"-"`
}

// Decode reads the spec (with defaults) into dst.
func (s *Spec) Decode(dst any) error { return json.Unmarshal(s.Raw, dst) }

// Flavor is the Nova flavor name the spec asks for: the catalog's
// mapping of vcc's flavor names, else the name itself.
func (s *Spec) Flavor(e *Entry) string {
	if f, ok := e.Flavors[s.FlavorName]; ok {
		return f
	}
	return s.FlavorName
}

// Image is the image (name or id) the spec asks for.
func (s *Spec) Image(e *Entry) string {
	if s.CloudImage == "" || s.CloudImage == "default" {
		return e.DefaultImage
	}
	return s.CloudImage
}

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)
	regionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`)
)

// isUUID: OpenStack's ids are UUIDs, with or without dashes.
func isUUID(s string) bool { return uuidRE.MatchString(s) }

// checkEntry checks the stock keys present in schema, without a call.
func checkEntry(e *Entry, schema provider.Schema, prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	has := func(k string) bool { _, ok := schema.Lookup(k); return ok }
	at := func(k string) string { return prefix + "." + k }
	if has("auth_url") {
		u, err := url.Parse(e.AuthURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			d = append(d, provider.Invalid("%q is not an http(s) URL", e.AuthURL).On(at("auth_url")).Because("write Keystone's URL, like https://keystone.example.org:5000/v3"))
		case strings.Contains(strings.TrimSuffix(u.Path, "/"), "/v2.0"):
			d = append(d, provider.Invalid("%q is Keystone v2.0, which vcc does not speak", e.AuthURL).On(at("auth_url")).Because("use the v3 URL (…/v3)"))
		}
	}
	if has("network_uuid") && e.NetworkUUID != "" && !isUUID(e.NetworkUUID) {
		d = append(d, provider.Invalid("%q is not a network id (a UUID)", e.NetworkUUID).On(at("network_uuid")).
			Because("copy the id from `openstack network show NAME -f value -c id`"))
	}
	if has("network_uuid") {
		if a, ok := schema.Lookup("network_uuid"); ok && a.Required && e.NetworkUUID == "" {
			d = append(d, provider.Invalid("must not be empty").On(at("network_uuid")))
		}
	}
	if has("region") && !regionRE.MatchString(e.Region) {
		d = append(d, provider.Invalid("%q is not a region name", e.Region).On(at("region")))
	}
	for i, g := range e.SecurityGroups {
		if strings.TrimSpace(g) == "" {
			d = append(d, provider.Invalid("a security group must not be empty").On(fmt.Sprintf("%s[%d]", at("security_groups"), i)))
		}
	}
	for k, v := range e.Flavors {
		if strings.TrimSpace(v) == "" {
			d = append(d, provider.Invalid("flavor %s maps to an empty name", k).On(at("flavors."+k)))
		}
	}
	return d
}

// checkSpec checks the stock spec fields, without a call.
func checkSpec(e *Entry, s *Spec) provider.Diagnostics {
	var d provider.Diagnostics
	if s.FlavorName == "" {
		d = append(d, provider.Invalid("must not be empty").On("spec.flavor_name"))
	}
	if s.VolumeSize != 0 && (s.VolumeSize < 1 || s.VolumeSize > 16384) {
		d = append(d, provider.Invalid("%d GB is not a volume size", s.VolumeSize).On("spec.volume_size").Because("give 1 to 16384 GB, or leave it out to boot from the image"))
	}
	if s.Image(e) == "" {
		d = append(d, provider.Invalid("cloud_image is default but the catalog entry names no default_image").On("spec.cloud_image").
			Because("name an image in the spec, or set default_image in the catalog entry"))
	}
	if len(s.Disks) > 0 && s.NumNodes > 1 {
		d = append(d, provider.Invalid("%d nodes cannot share disks: a Cinder volume has one server", s.NumNodes).On("spec.disks").
			Because("make one unit per node with disks, or leave disks out"))
	}
	for i, v := range s.Disks {
		if !isUUID(v) {
			d = append(d, provider.Invalid("%q is not a volume id", v).On(fmt.Sprintf("spec.disks[%d]", i)))
		}
	}
	if slices.Contains([]string{"small", "medium", "large"}, s.FlavorName) && e.Flavors != nil {
		if _, ok := e.Flavors[s.FlavorName]; !ok {
			d = append(d, provider.Invalid("the catalog entry maps no Nova flavor to %s", s.FlavorName).On("spec.flavor_name").
				Because("add flavors.%s to the catalog entry, or name a Nova flavor", s.FlavorName))
		}
	}
	return d
}
