package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// Disk is the "oracle_disk" plugin: OCI block volumes, the nodes of
// storage units, which oracle nodes attach through their spec's disks.
// Its catalog entry is an oracle one (copy the oracle section under
// oracle_disk): the volumes are made in its compartment and availability
// domain, so an oracle node of the same entry can attach them; the subnet
// is optional.
type Disk struct {
	decode.Docs[diskCatalog, diskSpec]
	version string
	clients *clientcache.Cache[*client]
}

// The optional interfaces oracle_disk implements.
var _ provider.Preflighter = (*Disk)(nil)

// NewDisk returns the oracle_disk provider.
func NewDisk(version string) *Disk {
	return &Disk{Docs: decode.Docs[diskCatalog, diskSpec]{CatalogSchema: diskCatalogSchema, SpecSchema: diskSpecSchema},
		version: version, clients: clientcache.New[*client]()}
}

// The catalog is oracle's with the subnet optional: only the compartment
// and the availability domain matter to a volume.
var diskCatalogSchema = func() provider.Schema {
	s := catalogSchema.Merge(provider.Schema{})
	for i := range s.Attributes {
		switch s.Attributes[i].Name {
		case "oracle_subnet_id":
			s.Attributes[i].Required = false
			s.Attributes[i].Description = "unused by volumes (allowed so that an oracle entry can be copied as it is)"
		case "oracle_availability_domain":
			s.Attributes[i].Description = "availability domain of the volumes; nodes attaching them must be in it"
		case "oracle_compartment_id":
			s.Attributes[i].Description = "OCID of the compartment the volumes go in"
		}
	}
	return s
}()

var diskSpecSchema = provider.Schema{Attributes: []provider.Attribute{
	{Name: "num_disks", Type: provider.TypeInt, Default: 1, Description: "disks to create (a storage unit's count)"},
	{Name: "size_in_gbs", Type: provider.TypeInt, Default: 50, Description: "volume size in GB, 50 to 32768 (at least the source volume's)"},
	{Name: "vpus_per_gb", Type: provider.TypeInt, Default: 10, Description: "performance: 0 lower cost, 10 balanced, 20 higher performance, 30 to 120 ultra high performance (multiples of 10)"},
	{Name: "cloud_image", Type: provider.TypeString, Description: "block volume to clone, ocid1.volume... in the same availability domain (empty: a blank volume)"},
	{Name: "tags", Type: provider.TypeStringMap, Description: "freeform tags on every volume"},
	{Name: "private_network", Type: provider.TypeString, Default: "default", Description: "VPN catalog entry name (its compartment and availability domain)"},
}}

// diskFlavors are upstream's sizes where OCI allows them: upstream's
// small (20 GB) and medium (40 GB) are below OCI's smallest block volume
// (50 GB), which OCI refuses.
var diskFlavors = []provider.Flavor{
	{Name: "small", Description: "50 GB, balanced (upstream's 20 GB is below OCI's minimum)", Values: map[string]any{"size_in_gbs": 50, "vpus_per_gb": 10}},
	{Name: "medium", Description: "100 GB, balanced (upstream's 40 GB is below OCI's minimum)", Values: map[string]any{"size_in_gbs": 100, "vpus_per_gb": 10}},
	{Name: "large", Description: "250 GB, balanced", Values: map[string]any{"size_in_gbs": 250, "vpus_per_gb": 10}},
}

type diskCatalog struct{ catalog }

// Check is oracle's without the subnet when there is none.
func (c *diskCatalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	for _, x := range c.catalog.Check(prefix) {
		if x.Field == prefix+".oracle_subnet_id" && c.Subnet == "" {
			continue
		}
		d = append(d, x)
	}
	return d
}

type diskSpec struct {
	NumDisks  int               `json:"num_disks"`
	SizeInGBs int64             `json:"size_in_gbs"`
	VpusPerGB int64             `json:"vpus_per_gb"`
	Source    string            `json:"cloud_image"`
	Tags      map[string]string `json:"tags"`
}

// Check checks what OCI would refuse, without calling it.
func (s *diskSpec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if s.NumDisks < 0 {
		d = append(d, provider.Invalid("must be 0 or more, got %d", s.NumDisks).On(prefix+".num_disks"))
	}
	if s.SizeInGBs < 50 || s.SizeInGBs > 32768 {
		d = append(d, provider.Invalid("a block volume of %d GB is outside OCI's 50 to 32768", s.SizeInGBs).On(prefix+".size_in_gbs"))
	}
	if v := s.VpusPerGB; v < 0 || v > 120 || v%10 != 0 {
		d = append(d, provider.Invalid("%d is not one of OCI's performance levels", v).On(prefix+".vpus_per_gb").
			Because("use 0 (lower cost), 10 (balanced), 20 (higher performance) or 30 to 120 in steps of 10 (ultra high performance)"))
	}
	if s.Source != "" {
		if e := checkOCID(s.Source, prefix+".cloud_image", "a block volume to clone", "volume"); e != nil {
			e.Detail += "; leave cloud_image empty for a blank volume"
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

// GetInfo is cheap and constant.
func (p *Disk) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name: "oracle_disk", Version: p.version, Description: "Oracle Cloud Infrastructure block volumes for storage units",
		Capabilities: []provider.Capability{provider.CapDisks, provider.CapTags, provider.CapListByController,
			provider.CapAsyncDelete, provider.CapPreflight},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: diskFlavors, CredentialKeys: ocisdk.CredentialKeys,
		Aliases: []string{"oracle-disk"}, CredentialsFamily: "oracle",
	}, nil
}

// open is Provider.open for a disk catalog entry.
func (p *Disk) open(ctx context.Context, env provider.CallEnv) (*client, *catalog, error) {
	dc, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	if err := ocisdk.Check(env.Credentials); err != nil {
		return nil, nil, err
	}
	cat := &dc.catalog
	t := cat.target()
	c, err := p.clients.Get(ctx, t.Scope(), env.Credentials, func(context.Context) (*client, error) {
		return ocisdk.New(t, env.Credentials)
	})
	if err != nil {
		return nil, nil, err
	}
	return c, cat, nil
}
