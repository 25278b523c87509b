package sakura

import (
	"net/netip"
	"regexp"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// zones are where Sakura Cloud runs servers (tk1v is the sandbox).
var zones = []string{"tk1a", "tk1b", "is1a", "is1b", "is1c", "tk1v"}

// The catalog entry: upstream's keys. private_network_ipmask is required
// here: its prefix length is the nodes' netmask in the disk edit.
var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "sakura_local_switch_id", Type: provider.TypeString, Required: true, Description: "resource id (12 digits) of the switch the nodes' NIC joins; it has no DHCP"},
	{Name: "sakura_private_subnet_gateway_ip", Type: provider.TypeString, Required: true, Description: "the nodes' default gateway on the switch (usually the controller's address there)"},
	{Name: "sakura_zone", Type: provider.TypeString, Required: true, AllowedValues: zones, Description: "zone of the switch and the nodes, like tk1a"},
	{Name: "sakura_archive", Type: provider.TypeString, Description: "archive (name or 12-digit id) that cloud_image default means; without it, the newest public Ubuntu"},
	{Name: "private_network_ipmask", Type: provider.TypeString, Required: true, Description: "CIDR of the switch's network, like 172.23.1.0/24: its prefix length is the nodes' netmask"},
}})

type catalog struct {
	fields.Network
	SwitchID string `json:"sakura_local_switch_id"`
	Gateway  string `json:"sakura_private_subnet_gateway_ip"`
	Zone     string `json:"sakura_zone"`
	Archive  string `json:"sakura_archive"`
}

// idRE is a Sakura Cloud resource id.
var idRE = regexp.MustCompile(`^[0-9]{12}$`)

// Check runs after the schema and the common fields' checks.
func (c *catalog) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	if !idRE.MatchString(c.SwitchID) {
		d = append(d, provider.Invalid("%q is not a Sakura Cloud resource id", c.SwitchID).On(prefix+".sakura_local_switch_id").
			Because("copy the switch's resource id (12 digits, like 112233445566) from the control panel"))
	}
	gw, err := netip.ParseAddr(c.Gateway)
	switch {
	case err != nil || !gw.Is4():
		d = append(d, provider.Invalid("%q is not an IPv4 address", c.Gateway).On(prefix+".sakura_private_subnet_gateway_ip").
			Because("give the address on the switch that routes for the nodes, like 172.23.1.254"))
	case c.Prefix().IsValid() && !c.Prefix().Contains(gw):
		d = append(d, provider.Invalid("%s is not inside private_network_ipmask %s", gw, c.Prefix()).On(prefix+".sakura_private_subnet_gateway_ip").
			Because("the gateway must be on the nodes' network"))
	}
	if c.Archive != "" && !idRE.MatchString(c.Archive) && len(c.Archive) > 256 {
		d = append(d, provider.Invalid("an archive name has at most 256 characters").On(prefix+".sakura_archive"))
	}
	return d
}

var specSchema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "core", Type: provider.TypeInt, Default: 1, Description: "virtual CPU cores of the server plan"},
	{Name: "num_cores", Type: provider.TypeInt, Description: "another name of core (upstream's); when given it wins over core, which flavors set"},
	{Name: "memory", Type: provider.TypeInt, Default: 1, Description: "memory of the server plan, in GB"},
	{Name: "sakuracloud_disk_plan", Type: provider.TypeString, Default: "ssd", AllowedValues: diskPlanNames, Description: "plan of the boot disk: ssd or hdd"},
	{Name: "sakuracloud_disk_size", Type: provider.TypeInt, Default: 20, Description: "size of the boot disk in GB; the plan and zone allow only some sizes"},
	{Name: "cloud_image", Type: provider.TypeString, Default: "default", Description: "archive of the boot disk, by name or 12-digit id; default: the catalog entry's sakura_archive, else the newest public Ubuntu"},
	{Name: "disks", Type: provider.TypeStringList, Description: "ids of existing disks of the zone to connect to every node"},
}})

// flavors are upstream's.
var flavors = []provider.Flavor{
	{Name: "small", Description: "1 core, 1 GB, SSD 20 GB", Values: map[string]any{"core": 1, "memory": 1, "sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 20}},
	{Name: "medium", Description: "2 cores, 4 GB, SSD 80 GB", Values: map[string]any{"core": 2, "memory": 4, "sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 80}},
	{Name: "large", Description: "4 cores, 8 GB, SSD 200 GB", Values: map[string]any{"core": 4, "memory": 8, "sakuracloud_disk_plan": "ssd", "sakuracloud_disk_size": 200}},
}

type spec struct {
	fields.Spec
	Core     int    `json:"core"`
	NumCores int    `json:"num_cores"`
	Memory   int    `json:"memory"`
	DiskPlan string `json:"sakuracloud_disk_plan"`
	DiskSize int    `json:"sakuracloud_disk_size"`
}

// cores is the plan's core count: num_cores when given. Flavors and the
// schema's default set core, and the plugin cannot tell those from a
// user's core, so a user's num_cores must win over core.
func (s *spec) cores() int {
	if s.NumCores > 0 {
		return s.NumCores
	}
	return s.Core
}

// Check refuses what Sakura Cloud would refuse node by node.
func (s *spec) Check(prefix string) provider.Diagnostics {
	d := checkPlan(s, prefix)
	if len(s.MACAddresses) > 0 {
		d = append(d, provider.Invalid("Sakura Cloud gives every NIC its MAC address itself").On(prefix+".mac_addresses").
			Because("leave mac_addresses out"))
	}
	for i, id := range s.Disks {
		if !idRE.MatchString(id) {
			d = append(d, provider.Invalid("%q is not a disk id", id).On(prefix+".disks["+itoa(i)+"]").
				Because("give the 12-digit resource ids of disks in the catalog entry's zone"))
		}
	}
	return d
}

// against checks a spec against its catalog entry: no fixed IP may be
// the gateway's.
func against(c *catalog, s *spec) provider.Diagnostics {
	var d provider.Diagnostics
	for i, ip := range s.IPAddresses {
		if ip == c.Gateway {
			d = append(d, provider.Invalid("%s is the gateway's address", ip).On("spec.ip_addresses["+itoa(i)+"]").
				Because("the catalog entry's sakura_private_subnet_gateway_ip routes for the nodes; give another address"))
		}
	}
	return d
}
