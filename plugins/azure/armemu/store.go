package armemu

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// group is a resource group and what it holds, by lower-case name. The
// emulator keeps resources as the SDK's own models (generated from
// Azure's REST API specs), so their JSON is ARM's.
type group struct {
	name, location string
	vnets          map[string]*armnetwork.VirtualNetwork
	nsgs           map[string]*armnetwork.SecurityGroup
	nics           map[string]*armnetwork.Interface
	vms            map[string]*vm
	disks          map[string]*armcompute.Disk
	images         map[string]*armcompute.Image
	snapshots      map[string]*armcompute.Snapshot
}

func (s *Server) newGroup(name, location string) *group {
	g := &group{name: name, location: location, vnets: map[string]*armnetwork.VirtualNetwork{},
		nsgs: map[string]*armnetwork.SecurityGroup{}, nics: map[string]*armnetwork.Interface{}, vms: map[string]*vm{},
		disks: map[string]*armcompute.Disk{}, images: map[string]*armcompute.Image{},
		snapshots: map[string]*armcompute.Snapshot{}}
	s.groups[key(name)] = g
	return g
}

// rid is a resource id in the group.
func (s *Server) rid(g *group, typ, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", s.Subscription, g.name, typ, name)
}

// ref is a parsed resource id.
type ref struct{ sub, group, typ, name, child string }

// parseID splits /subscriptions/S/resourceGroups/G/providers/NS/T/N[/C/CN].
func parseID(id string) (ref, bool) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) < 8 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") || !strings.EqualFold(p[4], "providers") {
		return ref{}, false
	}
	r := ref{sub: p[1], group: key(p[3]), typ: key(p[5] + "/" + p[6]), name: key(p[7])}
	if len(p) == 10 {
		r.typ += "/" + key(p[8])
		r.child = key(p[9])
	} else if len(p) != 8 {
		return ref{}, false
	}
	return r, true
}

// Network is what Seed makes: a resource group with a virtual network,
// its subnet and a network security group.
type Network struct {
	Group  string `json:"group"`
	VNet   string `json:"vnet"`
	Subnet string `json:"subnet"`
	NSG    string `json:"nsg"`
	// CIDR of the subnet, like 10.1.0.0/24.
	CIDR string `json:"cidr"`
}

// Seed makes a resource group with a network in it (what an
// administrator makes once, before vcc's catalog names it).
func (s *Server) Seed(n Network) error {
	pfx, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return fmt.Errorf("seed: subnet CIDR: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[key(n.Group)]
	if !ok {
		g = s.newGroup(n.Group, s.Location)
	}
	ok1 := "Succeeded"
	nsgID := s.rid(g, "Microsoft.Network/networkSecurityGroups", n.NSG)
	if n.NSG != "" {
		g.nsgs[key(n.NSG)] = &armnetwork.SecurityGroup{ID: &nsgID, Name: &n.NSG, Location: &g.location, Type: ptr("Microsoft.Network/networkSecurityGroups"),
			Properties: &armnetwork.SecurityGroupPropertiesFormat{ProvisioningState: ptr(armnetwork.ProvisioningState(ok1))}}
	}
	vnetID := s.rid(g, "Microsoft.Network/virtualNetworks", n.VNet)
	cidr := pfx.Masked().String()
	sub := &armnetwork.Subnet{ID: ptr(vnetID + "/subnets/" + n.Subnet), Name: ptr(n.Subnet), Type: ptr("Microsoft.Network/virtualNetworks/subnets"),
		Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: &cidr, ProvisioningState: ptr(armnetwork.ProvisioningState(ok1))}}
	if v, ok := g.vnets[key(n.VNet)]; ok {
		v.Properties.Subnets = append(v.Properties.Subnets, sub)
		return nil
	}
	g.vnets[key(n.VNet)] = &armnetwork.VirtualNetwork{ID: &vnetID, Name: &n.VNet, Location: &g.location, Type: ptr("Microsoft.Network/virtualNetworks"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{&cidr}},
			Subnets:      []*armnetwork.Subnet{sub}, ProvisioningState: ptr(armnetwork.ProvisioningState(ok1)),
		}}
	return nil
}

// Left lists the ids of the VMs, NICs and disks of every resource group
// (but what Seed* made): what a test expects to be gone after a cleanup.
func (s *Server) Left() []string {
	var ids []string
	for _, r := range s.Resources() {
		ids = append(ids, r.ID)
	}
	return ids
}

// seededTag marks what Seed* made, which Left does not report.
const seededTag = "armemu.seeded"

func ptr[T any](v T) *T { return &v }
