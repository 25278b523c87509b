package oracle

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// The catalog entry: upstream's keys, plus the endpoint override of tests
// and private clouds.
var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "oracle_tenancy_ocid", Type: provider.TypeString, Required: true, Description: "OCID of the tenancy (ocid1.tenancy.oc1..…); the credentials' user belongs to it"},
	{Name: "oracle_compartment_id", Type: provider.TypeString, Required: true, Description: "OCID of the compartment the instances go in (a compartment's, or the tenancy's for the root compartment)"},
	{Name: "oracle_subnet_id", Type: provider.TypeString, Required: true, Description: "OCID of the subnet the nodes' primary VNIC joins"},
	{Name: "oracle_region", Type: provider.TypeString, Required: true, Description: "region identifier, like ap-tokyo-1"},
	{Name: "oracle_availability_domain", Type: provider.TypeString, Required: true, Description: "availability domain name, like Uocm:AP-TOKYO-1-AD-1"},
	{Name: "oracle_endpoint_url", Type: provider.TypeString, Description: "override of the Core and Identity API endpoint (tests, the OCI emulator); empty: OCI's endpoints of the region"},
}})

type catalog struct {
	fields.Network
	Tenancy     string `json:"oracle_tenancy_ocid"`
	Compartment string `json:"oracle_compartment_id"`
	Subnet      string `json:"oracle_subnet_id"`
	Region      string `json:"oracle_region"`
	AD          string `json:"oracle_availability_domain"`
	Endpoint    string `json:"oracle_endpoint_url"`
}

var (
	// ocidRE is an OCID: ocid1.<type>.<realm>.[region].<unique id>.
	ocidRE   = regexp.MustCompile(`^ocid1\.([a-z0-9]+)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9._-]+$`)
	regionRE = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-[0-9]+$`)
	adRE     = regexp.MustCompile(`^([A-Za-z0-9]+:)?[A-Z0-9]+(-[A-Z0-9]+)*-AD-[0-9]+$`)
)

// checkOCID reports whether id is an OCID of one of kinds.
func checkOCID(id, field, what string, kinds ...string) *provider.Diagnostic {
	m := ocidRE.FindStringSubmatch(id)
	if m != nil {
		for _, k := range kinds {
			if m[1] == k {
				return nil
			}
		}
	}
	d := provider.Invalid("%q is not the OCID of %s", id, what).On(field).
		Because("copy it from the console: it looks like ocid1.%s.oc1..aaaa…", kinds[0])
	return &d
}

// Check runs after the schema and the common fields' checks.
func (c *catalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	for _, e := range []*provider.Diagnostic{
		checkOCID(c.Tenancy, prefix+".oracle_tenancy_ocid", "a tenancy", "tenancy"),
		checkOCID(c.Compartment, prefix+".oracle_compartment_id", "a compartment", "compartment", "tenancy"),
		checkOCID(c.Subnet, prefix+".oracle_subnet_id", "a subnet", "subnet"),
	} {
		if e != nil {
			d = append(d, *e)
		}
	}
	if !regionRE.MatchString(c.Region) {
		d = append(d, provider.Invalid("%q is not an OCI region identifier", c.Region).On(prefix+".oracle_region").Because("write it like ap-tokyo-1 or us-ashburn-1"))
	}
	if !adRE.MatchString(c.AD) {
		d = append(d, provider.Invalid("%q is not an availability domain name", c.AD).On(prefix+".oracle_availability_domain").
			Because("write it as OCI lists it, like Uocm:AP-TOKYO-1-AD-1 (oci iam availability-domain list)"))
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			d = append(d, provider.Invalid("%q is not an http(s) URL", c.Endpoint).On(prefix+".oracle_endpoint_url").
				Because("leave it empty for OCI, or give the emulator's URL like http://127.0.0.1:8790"))
		}
	}
	return d
}

var specSchema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "shape", Type: provider.TypeString, Default: "VM.Standard.E2.1", Description: "instance shape, like VM.Standard.E2.1 or VM.Standard.E4.Flex"},
	{Name: "ocpus", Type: provider.TypeNumber, Description: "OCPUs of a flexible (*.Flex) shape; required for them, refused for fixed shapes"},
	{Name: "memory_in_gbs", Type: provider.TypeNumber, Description: "memory in GB of a flexible (*.Flex) shape; required for them, refused for fixed shapes"},
	{Name: "boot_volume_size_in_gbs", Type: provider.TypeInt, Default: 50, Description: "boot volume size in GB, 50 to 32768"},
	{Name: "preemptible", Type: provider.TypeBool, Default: false, Description: "preemptible capacity: cheaper, OCI may terminate the instance at any time (the node becomes HOST_ERROR; auto_replace replaces it); no power actions"},
	{Name: "ssh_authorized_keys", Type: provider.TypeString, Description: "public SSH keys for the VM's default user (OCI metadata ssh_authorized_keys); default: ssh_public_key"},
}})

// flavors are upstream's (vcp_flavor.yml).
var flavors = []provider.Flavor{
	{Name: "small", Description: "VM.Standard.E2.1 (1 OCPU, 8 GB), 50 GB boot volume", Values: map[string]any{"shape": "VM.Standard.E2.1", "boot_volume_size_in_gbs": 50}},
	{Name: "medium", Description: "VM.Standard.E2.2 (2 OCPU, 16 GB), 100 GB boot volume", Values: map[string]any{"shape": "VM.Standard.E2.2", "boot_volume_size_in_gbs": 100}},
	{Name: "large", Description: "VM.Standard1.1sd, 250 GB boot volume (upstream's)", Values: map[string]any{"shape": "VM.Standard1.1sd", "boot_volume_size_in_gbs": 250}},
}

type spec struct {
	fields.Spec
	Shape        string  `json:"shape"`
	Ocpus        float64 `json:"ocpus"`
	MemoryInGBs  float64 `json:"memory_in_gbs"`
	BootVolumeGB int64   `json:"boot_volume_size_in_gbs"`
	Preemptible  bool    `json:"preemptible"`
	SSHPublicKey string  `json:"ssh_public_key"`
	SSHKeys      string  `json:"ssh_authorized_keys"`
}

var shapeRE = regexp.MustCompile(`^(VM|BM)\.[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$`)

// flexible reports whether a shape is sized by ocpus and memory_in_gbs.
func flexible(shape string) bool { return strings.HasSuffix(shape, ".Flex") }

// Check runs after the schema and the common fields' checks.
func (s *spec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if !shapeRE.MatchString(s.Shape) {
		d = append(d, provider.Invalid("%q is not an OCI shape name", s.Shape).On(prefix+".shape").Because("write it like VM.Standard.E2.1 or VM.Standard.E4.Flex"))
	}
	if flexible(s.Shape) {
		if s.Ocpus <= 0 {
			d = append(d, provider.Invalid("flexible shape %s needs ocpus", s.Shape).On(prefix+".ocpus").Because("set ocpus, like 1 or 2"))
		} else if s.Ocpus > 128 {
			d = append(d, provider.Invalid("%g OCPUs is more than any VM shape offers", s.Ocpus).On(prefix+".ocpus"))
		}
		switch {
		case s.MemoryInGBs <= 0:
			d = append(d, provider.Invalid("flexible shape %s needs memory_in_gbs", s.Shape).On(prefix+".memory_in_gbs").Because("set memory_in_gbs, like 16"))
		case s.Ocpus > 0 && (s.MemoryInGBs < s.Ocpus || s.MemoryInGBs > 64*s.Ocpus || s.MemoryInGBs > 1024):
			d = append(d, provider.Invalid("%g GB for %g OCPUs is outside OCI's 1 to 64 GB per OCPU (at most 1024 GB)", s.MemoryInGBs, s.Ocpus).On(prefix+".memory_in_gbs"))
		}
	} else {
		if s.Ocpus != 0 {
			d = append(d, provider.Invalid("shape %s has a fixed size: ocpus is only for *.Flex shapes", s.Shape).On(prefix+".ocpus").
				Because("remove ocpus, or pick a flexible shape like VM.Standard.E4.Flex"))
		}
		if s.MemoryInGBs != 0 {
			d = append(d, provider.Invalid("shape %s has a fixed size: memory_in_gbs is only for *.Flex shapes", s.Shape).On(prefix+".memory_in_gbs").
				Because("remove memory_in_gbs, or pick a flexible shape like VM.Standard.E4.Flex"))
		}
	}
	if s.BootVolumeGB < 50 || s.BootVolumeGB > 32768 {
		d = append(d, provider.Invalid("boot volume of %d GB is outside OCI's 50 to 32768", s.BootVolumeGB).On(prefix+".boot_volume_size_in_gbs"))
	}
	for i, id := range s.Disks {
		if e := checkOCID(id, fmt.Sprintf("%s.disks[%d]", prefix, i), "a block volume", "volume"); e != nil {
			d = append(d, *e)
		}
	}
	if strings.HasPrefix(s.CloudImage, "ocid1.") {
		if e := checkOCID(s.CloudImage, prefix+".cloud_image", "an image", "image"); e != nil {
			d = append(d, *e)
		}
	}
	for k := range s.Tags {
		if len(k) > 100 {
			d = append(d, provider.Invalid("an OCI freeform tag key has at most 100 characters").On(prefix+".tags."+k))
		}
	}
	return d
}

// defaultImage is the platform image cloud_image "default" means.
const defaultImage = "Canonical-Ubuntu-24.04"

func (s *spec) image() string {
	if s.CloudImage == "" || s.CloudImage == "default" {
		return defaultImage
	}
	return s.CloudImage
}

// sshKeys are the keys OCI puts on the VM's default user.
func (s *spec) sshKeys() string {
	if s.SSHKeys != "" {
		return s.SSHKeys
	}
	return s.SSHPublicKey
}
