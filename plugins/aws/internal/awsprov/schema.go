package awsprov

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$`)
	subnetRE = regexp.MustCompile(`^subnet-[0-9a-f]{8}([0-9a-f]{9})?$`)
	sgRE     = regexp.MustCompile(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`)
	amiRE    = regexp.MustCompile(`^ami-[0-9a-f]{8}([0-9a-f]{9})?$`)
	volRE    = regexp.MustCompile(`^vol-[0-9a-f]{8}([0-9a-f]{9})?$`)
	ownerRE  = regexp.MustCompile(`^(self|amazon|aws-marketplace|aws-backup-vault|\d{12})$`)
)

var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "aws_region", Type: provider.TypeString, Required: true, Description: "region, e.g. ap-northeast-1"},
	{Name: "aws_vpc_subnet_id", Type: provider.TypeString, Required: true, Description: "private subnet of the VPC, subnet-..."},
	{Name: "aws_vpc_security_group_id", Type: provider.TypeString, Required: true, Description: "security group, sg-..."},
	{Name: "aws_availability_zone", Type: provider.TypeString, Description: "zone inside the region, e.g. ap-northeast-1a"},
	{Name: "aws_endpoint_url", Type: provider.TypeString, Description: "EC2 endpoint of an EC2-compatible cloud (default: AWS)"},
	{Name: "aws_default_image", Type: provider.TypeString, Description: "AMI id or name used when spec.cloud_image is \"default\""},
	{Name: "aws_image_owners", Type: provider.TypeStringList, Description: "whose AMIs an image name may resolve to: account ids, self, amazon, aws-marketplace (default: self and amazon)"},
}})

func specSchema(spot bool) provider.Schema {
	attrs := []provider.Attribute{
		{Name: "instance_type", Type: provider.TypeString, Default: "m4.large", Description: "EC2 instance type"},
		{Name: "volume_size", Type: provider.TypeInt, Default: 16, Description: "root volume, GB"},
		{Name: "volume_type", Type: provider.TypeString, Default: "gp2", AllowedValues: []string{"standard", "gp2", "gp3", "io1", "io2", "sc1", "st1"}, Description: "root volume type"},
	}
	if spot {
		attrs = append(attrs,
			provider.Attribute{Name: "spot_type", Type: provider.TypeString, Default: "one-time", AllowedValues: []string{"one-time", "persistent"},
				Description: "one-time: the node ends when AWS reclaims capacity; persistent: it is stopped and comes back"},
			provider.Attribute{Name: "spot_price", Type: provider.TypeString, Description: "maximum USD per hour; empty: the on-demand price"},
			provider.Attribute{Name: "block_duration_minutes", Type: provider.TypeInt, Description: "obsolete on AWS; refused"},
		)
	}
	return provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: attrs})
}

// catalog is a decoded catalog entry.
type catalog struct {
	fields.Network
	Region       string   `json:"aws_region"`
	Subnet       string   `json:"aws_vpc_subnet_id"`
	SG           string   `json:"aws_vpc_security_group_id"`
	Zone         string   `json:"aws_availability_zone"`
	Endpoint     string   `json:"aws_endpoint_url"`
	DefaultImage string   `json:"aws_default_image"`
	ImageOwners  []string `json:"aws_image_owners"`
}

// Check checks the entry's formats without calling AWS.
func (c *catalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	bad := func(field, format string, args ...any) {
		d = append(d, provider.Invalid(format, args...).On(prefix+"."+field))
	}
	if !regionRE.MatchString(c.Region) {
		bad("aws_region", "%q is not a region name (like ap-northeast-1)", c.Region)
	}
	if !subnetRE.MatchString(c.Subnet) {
		bad("aws_vpc_subnet_id", "%q is not a subnet id (subnet- and 8 or 17 hex digits)", c.Subnet)
	}
	if !sgRE.MatchString(c.SG) {
		bad("aws_vpc_security_group_id", "%q is not a security group id (sg- and 8 or 17 hex digits)", c.SG)
	}
	if c.Zone != "" && (len(c.Zone) != len(c.Region)+1 || !strings.HasPrefix(c.Zone, c.Region)) {
		bad("aws_availability_zone", "%q is not a zone of region %s (like %sa)", c.Zone, c.Region, c.Region)
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("aws_endpoint_url", "%q is not an http(s) URL", c.Endpoint)
		}
	}
	for i, o := range c.ImageOwners {
		if !ownerRE.MatchString(o) {
			bad(fmt.Sprintf("aws_image_owners[%d]", i), "%q is not an AMI owner: give a 12-digit account id, self, amazon or aws-marketplace", o)
		}
	}
	return d
}

// spec is a decoded unit spec.
type spec struct {
	fields.Spec
	InstanceType string `json:"instance_type"`
	VolumeSize   int32  `json:"volume_size"`
	VolumeType   string `json:"volume_type"`
	SpotType     string `json:"spot_type"`
	SpotPrice    string `json:"spot_price"`
	BlockMinutes *int   `json:"block_duration_minutes"`
}

// Check checks what EC2 would refuse, without calling it.
func (s *spec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if s.VolumeSize < 8 || s.VolumeSize > 16384 {
		d = append(d, provider.Invalid("must be between 8 and 16384 GB, got %d", s.VolumeSize).On(prefix+".volume_size"))
	}
	if strings.HasPrefix(s.CloudImage, "ami-") && !amiRE.MatchString(s.CloudImage) {
		d = append(d, provider.Invalid("%q is not an AMI id (ami- and 8 or 17 hex digits)", s.CloudImage).On(prefix+".cloud_image"))
	}
	if len(s.Disks) > 11 {
		d = append(d, provider.Invalid("at most 11 volumes (/dev/sdf to /dev/sdp), got %d", len(s.Disks)).On(prefix+".disks"))
	}
	for i, v := range s.Disks {
		if !volRE.MatchString(v) {
			d = append(d, provider.Invalid("%q is not an EBS volume id (vol- and 8 or 17 hex digits)", v).On(fmt.Sprintf("%s.disks[%d]", prefix, i)))
		}
	}
	if s.SpotPrice != "" {
		if v, err := strconv.ParseFloat(s.SpotPrice, 64); err != nil || v <= 0 {
			d = append(d, provider.Invalid("%q is not a price: give the most USD per hour, like \"0.05\"", s.SpotPrice).On(prefix+".spot_price").
				Because("leave it out to pay at most the on-demand price"))
		}
	}
	if s.BlockMinutes != nil {
		d = append(d, provider.Invalid("spot blocks (defined duration) are no longer offered by AWS").On(prefix+".block_duration_minutes").
			Because("remove block_duration_minutes; use spot_type persistent to keep a node across interruptions"))
	}
	return d
}

// defaultImage: "default" needs the catalog entry's image.
func defaultImage(c *catalog, s *spec) provider.Diagnostics {
	if s.CloudImage == "default" && c.DefaultImage == "" {
		return provider.Diagnostics{provider.Invalid(`"default" needs the catalog entry's aws_default_image`).On("spec.cloud_image").
			Because("set spec.cloud_image to an AMI id or name, or aws_default_image in vpn_catalog.yml")}
	}
	return nil
}

var flavors = []provider.Flavor{
	{Name: "small", Values: map[string]any{"instance_type": "m4.large", "volume_type": "gp2", "volume_size": 16}},
	{Name: "medium", Values: map[string]any{"instance_type": "m4.xlarge", "volume_type": "gp2", "volume_size": 40}},
	{Name: "large", Values: map[string]any{"instance_type": "m4.2xlarge", "volume_type": "gp2", "volume_size": 100}},
	{Name: "gpu", Values: map[string]any{"instance_type": "g3.4xlarge", "volume_type": "gp2", "volume_size": 40}},
}

var spotFlavors = []provider.Flavor{
	{Name: "small", Values: map[string]any{"instance_type": "m4.large", "volume_type": "standard", "volume_size": 16}},
	{Name: "medium", Values: map[string]any{"instance_type": "m4.xlarge", "volume_type": "standard", "volume_size": 40}},
	{Name: "large", Values: map[string]any{"instance_type": "m4.2xlarge", "volume_type": "standard", "volume_size": 100}},
}
