package oracle

import (
	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// The catalog entry: the common keys plus where the cloud is and which
// network nodes join. Keys of the provider's own carry its name, as
// upstream's aws_* keys do.
var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "oracle_endpoint_url", Type: provider.TypeString, Required: true, Description: "the cloud API's URL, like https://api.cloud.example"},
	{Name: "oracle_network_id", Type: provider.TypeString, Required: true, Description: "id of the network the nodes are attached to"},
}})

type catalog struct {
	fields.Network        // private_network_ipmask and friends, checked by decode
	EndpointURL    string `json:"oracle_endpoint_url"`
	NetworkID      string `json:"oracle_network_id"`
}

// Check runs after the schema check, so the values are well typed.
func (c *catalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if _, err := cloud.New(c.EndpointURL, ""); err != nil {
		d = append(d, provider.Invalid("%v", err).On(prefix+".oracle_endpoint_url").Because("write it like https://api.cloud.example"))
	}
	if c.NetworkID == "" {
		d = append(d, provider.Invalid("must not be empty").On(prefix+".oracle_network_id"))
	}
	return d
}

// Sizes the cloud offers: the schema refuses others before any call.
var sizes = []string{"small", "medium", "large"}

var specSchema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "instance_type", Type: provider.TypeString, Default: "small", AllowedValues: sizes, Description: "server size"},
}})

var flavors = []provider.Flavor{
	{Name: "small", Description: "1 vCPU", Values: map[string]any{"instance_type": "small"}},
	{Name: "medium", Description: "2 vCPU", Values: map[string]any{"instance_type": "medium"}},
	{Name: "large", Description: "4 vCPU", Values: map[string]any{"instance_type": "large"}},
}

type spec struct {
	fields.Spec         // num_nodes, ip_addresses, tags, cloud_image, ...: checked by decode
	InstanceType string `json:"instance_type"`
}

// defaultImage is what cloud_image "default" means on this cloud.
const defaultImage = "ubuntu-24.04"

func (s *spec) image() string {
	if s.CloudImage == "" || s.CloudImage == "default" {
		return defaultImage
	}
	return s.CloudImage
}
