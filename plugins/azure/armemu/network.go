package armemu

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// Virtual networks and security groups are made by Seed, as an
// administrator makes them once; vcc only reads them.
func (s *Server) vnet(w http.ResponseWriter, r *http.Request, g *group, name string, rest []string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	v, ok := g.vnets[key(name)]
	if !ok {
		writeErr(w, notFound("Microsoft.Network/virtualNetworks", name, g.name))
		return
	}
	if len(rest) == 0 {
		writeJSON(w, http.StatusOK, v)
		return
	}
	if len(rest) == 2 && strings.EqualFold(rest[0], "subnets") {
		if sn := subnetOf(v, rest[1]); sn != nil {
			writeJSON(w, http.StatusOK, sn)
			return
		}
		writeErr(w, notFound("Microsoft.Network/virtualNetworks/subnets", name+"/"+rest[1], g.name))
		return
	}
	writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
}

func subnetOf(v *armnetwork.VirtualNetwork, name string) *armnetwork.Subnet {
	for _, sn := range v.Properties.Subnets {
		if strings.EqualFold(*sn.Name, name) {
			return sn
		}
	}
	return nil
}

func (s *Server) nsg(w http.ResponseWriter, r *http.Request, g *group, name string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if n, ok := g.nsgs[key(name)]; ok {
		writeJSON(w, http.StatusOK, n)
		return
	}
	writeErr(w, notFound("Microsoft.Network/networkSecurityGroups", name, g.name))
}

// subnetByID finds a subnet anywhere by its resource id.
func (s *Server) subnetByID(id string) *armnetwork.Subnet {
	ref, ok := parseID(id)
	if !ok || ref.typ != "microsoft.network/virtualnetworks/subnets" || ref.sub != s.Subscription {
		return nil
	}
	g, ok := s.groups[ref.group]
	if !ok {
		return nil
	}
	v, ok := g.vnets[ref.name]
	if !ok {
		return nil
	}
	return subnetOf(v, ref.child)
}

// vnetLocation is the location of a subnet's virtual network.
func (s *Server) vnetLocation(subnetID string) string {
	ref, _ := parseID(subnetID)
	if g, ok := s.groups[ref.group]; ok {
		if v, ok := g.vnets[ref.name]; ok {
			return *v.Location
		}
	}
	return ""
}

func (s *Server) nsgByID(id string) *armnetwork.SecurityGroup {
	ref, ok := parseID(id)
	if !ok || ref.typ != "microsoft.network/networksecuritygroups" || ref.sub != s.Subscription {
		return nil
	}
	if g, ok := s.groups[ref.group]; ok {
		return g.nsgs[ref.name]
	}
	return nil
}

func (s *Server) nicByID(id string) (*group, *armnetwork.Interface) {
	ref, ok := parseID(id)
	if !ok || ref.typ != "microsoft.network/networkinterfaces" || ref.sub != s.Subscription {
		return nil, nil
	}
	g, ok := s.groups[ref.group]
	if !ok {
		return nil, nil
	}
	return g, g.nics[ref.name]
}

// usedIPs are the private addresses of every NIC in the subnet.
func (s *Server) usedIPs(subnetID string) map[netip.Addr]string {
	used := map[netip.Addr]string{}
	for _, g := range s.groups {
		for _, n := range g.nics {
			for _, c := range n.Properties.IPConfigurations {
				if strings.EqualFold(*c.Properties.Subnet.ID, subnetID) {
					if a, err := netip.ParseAddr(*c.Properties.PrivateIPAddress); err == nil {
						used[a] = *n.ID
					}
				}
			}
		}
	}
	return used
}

// assign checks a static address or picks the first free one: Azure
// keeps the first four addresses of a subnet and the last.
func assign(pfx netip.Prefix, static string, used map[netip.Addr]string, self string) (string, *apiError) {
	first := pfx.Masked().Addr()
	reserved := map[netip.Addr]bool{}
	a := first
	for i := 0; i < 4; i++ {
		reserved[a], a = true, a.Next()
	}
	for ; pfx.Contains(a.Next()); a = a.Next() {
	}
	reserved[a] = true // the broadcast address
	if static != "" {
		a, err := netip.ParseAddr(static)
		switch {
		case err != nil || !a.Is4():
			return "", fail(http.StatusBadRequest, "InvalidRequestFormat", "Private IP address '%s' is not a valid IPv4 address.", static)
		case !pfx.Contains(a):
			return "", fail(http.StatusBadRequest, "PrivateIPAddressNotInSubnet", "IP configuration's private IP address %s does not belong to the subnet with address prefix %s.", static, pfx)
		case reserved[a]:
			return "", fail(http.StatusBadRequest, "PrivateIPAddressInReservedRange", "Private static IP address %s falls within reserved IP range of subnet prefix %s.", static, pfx)
		case used[a] != "" && !strings.EqualFold(used[a], self):
			return "", fail(http.StatusBadRequest, "PrivateIPAddressIsAllocated", "IP configuration's private IP address %s is already allocated to %s.", static, used[a])
		}
		return a.String(), nil
	}
	for a := first; pfx.Contains(a); a = a.Next() {
		if !reserved[a] && used[a] == "" {
			return a.String(), nil
		}
	}
	return "", fail(http.StatusBadRequest, "SubnetIsFull", "Subnet with address prefix %s has no free addresses.", pfx)
}

func (s *Server) nic(w http.ResponseWriter, r *http.Request, g *group, name string) {
	cur := g.nics[key(name)]
	switch {
	case r.Method == http.MethodGet && name == "":
		var all []*armnetwork.Interface
		for _, n := range g.nics {
			all = append(all, n)
		}
		list(w, all, func(n *armnetwork.Interface) string { return *n.ID })
	case r.Method == http.MethodGet && cur == nil:
		writeErr(w, notFound("Microsoft.Network/networkInterfaces", name, g.name))
	case r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, cur)
	case r.Method == http.MethodPut:
		s.putNIC(w, r, g, name, cur)
	case r.Method == http.MethodDelete && cur == nil:
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete:
		if vm := cur.Properties.VirtualMachine; vm != nil {
			writeErr(w, fail(http.StatusBadRequest, "NicInUse", "Network Interface %s is used by existing resource %s. In order to delete the network interface, it must be dissociated from the resource.", *cur.ID, *vm.ID))
			return
		}
		delete(g.nics, key(name))
		s.accepted(w, http.StatusAccepted, s.startOp("Microsoft.Network", 0, nil), nil)
	default:
		methodNotAllowed(w, r)
	}
}

func (s *Server) putNIC(w http.ResponseWriter, r *http.Request, g *group, name string, cur *armnetwork.Interface) {
	var in armnetwork.Interface
	if e := decode(r, &in); e != nil {
		writeErr(w, e)
		return
	}
	id := s.rid(g, "Microsoft.Network/networkInterfaces", name)
	if in.Location == nil || *in.Location == "" {
		writeErr(w, fail(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition."))
		return
	}
	if in.Properties == nil || len(in.Properties.IPConfigurations) != 1 {
		writeErr(w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Network interface %s must have exactly one IP configuration here.", id))
		return
	}
	c := in.Properties.IPConfigurations[0]
	if c.Name == nil || c.Properties == nil || c.Properties.Subnet == nil || c.Properties.Subnet.ID == nil {
		writeErr(w, fail(http.StatusBadRequest, "InvalidRequestFormat", "IP configuration of %s needs a name and a subnet.", id))
		return
	}
	sn := s.subnetByID(*c.Properties.Subnet.ID)
	if sn == nil {
		writeErr(w, fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %s referenced by resource %s was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", *c.Properties.Subnet.ID, id))
		return
	}
	if vnetLoc := s.vnetLocation(*c.Properties.Subnet.ID); !strings.EqualFold(vnetLoc, *in.Location) {
		writeErr(w, fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %s referenced by resource %s was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", *c.Properties.Subnet.ID, id))
		return
	}
	if n := in.Properties.NetworkSecurityGroup; n != nil && (n.ID == nil || s.nsgByID(*n.ID) == nil) {
		writeErr(w, fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %v referenced by resource %s was not found.", deref(n.ID), id))
		return
	}
	static := ""
	if c.Properties.PrivateIPAllocationMethod != nil && *c.Properties.PrivateIPAllocationMethod == armnetwork.IPAllocationMethodStatic {
		static = deref(c.Properties.PrivateIPAddress)
		if static == "" {
			writeErr(w, fail(http.StatusBadRequest, "PrivateIPAddressRequired", "A static IP configuration of %s needs privateIPAddress.", id))
			return
		}
	} else if cur != nil {
		static = *cur.Properties.IPConfigurations[0].Properties.PrivateIPAddress // a dynamic address stays
	}
	addr, e := assign(netip.MustParsePrefix(*sn.Properties.AddressPrefix), static, s.usedIPs(*sn.ID), id)
	if e != nil {
		writeErr(w, e)
		return
	}
	c.ID = ptr(id + "/ipConfigurations/" + *c.Name)
	c.Properties.PrivateIPAddress = &addr
	c.Properties.Primary = ptr(true)
	c.Properties.ProvisioningState = ptr(armnetwork.ProvisioningStateSucceeded)
	if c.Properties.PrivateIPAllocationMethod == nil {
		c.Properties.PrivateIPAllocationMethod = ptr(armnetwork.IPAllocationMethodDynamic)
	}
	in.ID, in.Name, in.Type = &id, &name, ptr("Microsoft.Network/networkInterfaces")
	in.Properties.ProvisioningState = ptr(armnetwork.ProvisioningStateSucceeded)
	status := http.StatusCreated
	if cur != nil {
		in.Properties.VirtualMachine, in.Name, status = cur.Properties.VirtualMachine, cur.Name, http.StatusOK
	}
	g.nics[key(name)] = &in
	s.accepted(w, status, s.startOp("Microsoft.Network", 0, nil), &in)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
