package osemu

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"
)

type network struct {
	ID, Name, ProjectID string
	Subnets             []string
	External            bool // router:external: every project sees it, floating IPs come from it
}

// visibleTo: the project's own networks and external ones.
func (n *network) visibleTo(project string) bool { return n.ProjectID == project || n.External }

type subnet struct {
	ID, Name, NetworkID string
	Prefix              netip.Prefix
	Gateway             netip.Addr
}

type secGroup struct{ ID, Name, ProjectID string }

type fixedIP struct {
	SubnetID string `json:"subnet_id"`
	IP       string `json:"ip_address"`
}

type port struct {
	ID, Name, NetworkID, ProjectID string
	DeviceID, DeviceOwner, MAC     string
	FixedIPs                       []fixedIP
	SecurityGroups                 []string
	Tags                           []string
	Created                        time.Time
}

func mustSubnet(id, name, networkID, cidr string) *subnet {
	p := netip.MustParsePrefix(cidr)
	return &subnet{ID: id, Name: name, NetworkID: networkID, Prefix: p, Gateway: p.Addr().Next()}
}

func (c *Cloud) neutronRoutes() {
	c.mux.HandleFunc("GET /network", c.networkVersions)
	c.mux.HandleFunc("GET /network/", c.networkVersions)
	c.mux.HandleFunc("GET /network/v2.0/networks", c.authed(c.listNetworks))
	c.mux.HandleFunc("GET /network/v2.0/networks/{id}", c.authed(c.getNetwork))
	c.mux.HandleFunc("GET /network/v2.0/subnets", c.authed(c.listSubnets))
	c.mux.HandleFunc("GET /network/v2.0/subnets/{id}", c.authed(c.getSubnet))
	c.mux.HandleFunc("GET /network/v2.0/security-groups", c.authed(c.listGroups))
	c.mux.HandleFunc("GET /network/v2.0/security-groups/{id}", c.authed(c.getGroup))
	c.mux.HandleFunc("GET /network/v2.0/ports", c.authed(c.listPorts))
	c.mux.HandleFunc("POST /network/v2.0/ports", c.authed(c.createPort))
	c.mux.HandleFunc("GET /network/v2.0/ports/{id}", c.authed(c.getPort))
	c.mux.HandleFunc("DELETE /network/v2.0/ports/{id}", c.authed(c.deletePort))
	c.mux.HandleFunc("PUT /network/v2.0/ports/{id}/tags", c.authed(c.replacePortTags))
	c.mux.HandleFunc("PUT /network/v2.0/ports/{id}/tags/{tag}", c.authed(c.addPortTag))
}

func (c *Cloud) networkVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{"id": "v2.0", "status": "CURRENT",
		"links": []map[string]string{{"rel": "self", "href": c.base + "/network/v2.0/"}}}}})
}

// authed wraps a service handler with the token check; the handler gets
// the token's project.
func (c *Cloud) authed(h func(w http.ResponseWriter, r *http.Request, project string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := c.authorize(w, r)
		if !ok {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		h(w, r, p)
	}
}

// visible: what a project sees of another's networks (none here but
// its own).
func (n *network) view() map[string]any {
	return map[string]any{"id": n.ID, "name": n.Name, "project_id": n.ProjectID, "tenant_id": n.ProjectID, "subnets": n.Subnets,
		"status": "ACTIVE", "admin_state_up": true, "shared": false, "router:external": n.External, "mtu": 1450, "tags": []string{}}
}

func (s *subnet) view(project string) map[string]any {
	return map[string]any{"id": s.ID, "name": s.Name, "network_id": s.NetworkID, "cidr": s.Prefix.String(), "gateway_ip": s.Gateway.String(),
		"ip_version": 4, "enable_dhcp": true, "project_id": project, "tenant_id": project,
		"allocation_pools": []map[string]string{{"start": s.Gateway.Next().String(), "end": lastAddr(s.Prefix).Prev().String()}}}
}

func (p *port) view() map[string]any {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{"id": p.ID, "name": p.Name, "network_id": p.NetworkID, "project_id": p.ProjectID, "tenant_id": p.ProjectID,
		"device_id": p.DeviceID, "device_owner": p.DeviceOwner, "mac_address": p.MAC, "fixed_ips": p.FixedIPs,
		"security_groups": p.SecurityGroups, "tags": tags, "status": map[bool]string{true: "ACTIVE", false: "DOWN"}[p.DeviceID != ""],
		"admin_state_up": true, "created_at": stamp(p.Created)}
}

func (c *Cloud) listNetworks(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, n := range sortedValues(c.networks) {
		if n.visibleTo(project) && match(q, "id", n.ID) && match(q, "name", n.Name) && match(q, "router:external", fmt.Sprint(n.External)) {
			out = append(out, n.view())
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"networks": out})
}

func (c *Cloud) getNetwork(w http.ResponseWriter, r *http.Request, project string) {
	n := c.networks[r.PathValue("id")]
	if n == nil || !n.visibleTo(project) {
		neutronError(w, 404, "NetworkNotFound", "Network %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"network": n.view()})
}

func (c *Cloud) listSubnets(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, s := range sortedValues(c.subnets) {
		if n := c.networks[s.NetworkID]; n != nil && n.visibleTo(project) && match(q, "network_id", s.NetworkID) && match(q, "id", s.ID) && match(q, "name", s.Name) {
			out = append(out, s.view(project))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"subnets": out})
}

func (c *Cloud) getSubnet(w http.ResponseWriter, r *http.Request, project string) {
	s := c.subnets[r.PathValue("id")]
	if s == nil || !c.networks[s.NetworkID].visibleTo(project) {
		neutronError(w, 404, "SubnetNotFound", "Subnet %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subnet": s.view(project)})
}

func groupView(g *secGroup) map[string]any {
	return map[string]any{"id": g.ID, "name": g.Name, "project_id": g.ProjectID, "tenant_id": g.ProjectID, "description": "", "security_group_rules": []any{}}
}

func (c *Cloud) listGroups(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, g := range sortedValues(c.groups) {
		if g.ProjectID == project && match(q, "id", g.ID) && match(q, "name", g.Name) {
			out = append(out, groupView(g))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_groups": out})
}

func (c *Cloud) getGroup(w http.ResponseWriter, r *http.Request, project string) {
	g := c.groups[r.PathValue("id")]
	if g == nil || g.ProjectID != project {
		neutronError(w, 404, "SecurityGroupNotFound", "Security group %s does not exist", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_group": groupView(g)})
}

func (c *Cloud) listPorts(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, p := range sortedValues(c.ports) {
		if p.ProjectID == project && match(q, "id", p.ID) && match(q, "name", p.Name) && match(q, "network_id", p.NetworkID) &&
			match(q, "device_id", p.DeviceID) && hasTags(p.Tags, q.Get("tags")) && hasFixedIPs(p, q["fixed_ips"]) {
			out = append(out, p.view())
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ports": out})
}

func (c *Cloud) getPort(w http.ResponseWriter, r *http.Request, project string) {
	p := c.ports[r.PathValue("id")]
	if p == nil || p.ProjectID != project {
		neutronError(w, 404, "PortNotFound", "Port %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"port": p.view()})
}

// createPort is POST /v2.0/ports: a port on a network, with the fixed
// IPs asked for (409 IpAddressAlreadyAllocated when taken) or the next
// free one, and security groups of the project.
func (c *Cloud) createPort(w http.ResponseWriter, r *http.Request, project string) {
	var req struct {
		Port struct {
			NetworkID      string    `json:"network_id"`
			Name           string    `json:"name"`
			FixedIPs       []fixedIP `json:"fixed_ips"`
			SecurityGroups *[]string `json:"security_groups"`
			DeviceID       string    `json:"device_id"`
			DeviceOwner    string    `json:"device_owner"`
			Tags           []string  `json:"tags"`
		} `json:"port"`
	}
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { neutronError(w, 400, "HTTPBadRequest", "%s", m) }) {
		return
	}
	in := req.Port
	if in.NetworkID == "" {
		neutronError(w, 400, "HTTPBadRequest", "Failed to parse request. Required attribute 'network_id' not specified")
		return
	}
	groups := []string{"default-sg"}
	if in.SecurityGroups != nil {
		groups = *in.SecurityGroups
	}
	for _, g := range groups {
		if sg := c.groups[g]; sg == nil || sg.ProjectID != project {
			neutronError(w, 404, "SecurityGroupNotFound", "Security group %s does not exist", g)
			return
		}
	}
	ip := ""
	if len(in.FixedIPs) > 1 {
		neutronError(w, 400, "HTTPBadRequest", "Exceeded maximum amount of fixed ips per port.")
		return
	}
	if len(in.FixedIPs) == 1 {
		ip = in.FixedIPs[0].IP
	}
	p, status, typ, msg := c.newPort(project, in.NetworkID, ip, groups)
	if p == nil {
		neutronError(w, status, typ, "%s", msg)
		return
	}
	p.Name, p.DeviceID, p.DeviceOwner, p.Tags = in.Name, in.DeviceID, in.DeviceOwner, in.Tags
	writeJSON(w, http.StatusCreated, map[string]any{"port": p.view()})
}

// newPort allocates a port on network with ip (or the next free
// address); on failure the HTTP status, Neutron's error type and message.
func (c *Cloud) newPort(project, networkID, ip string, groups []string) (*port, int, string, string) {
	n := c.networks[networkID]
	if n == nil || n.ProjectID != project {
		return nil, 404, "NetworkNotFound", fmt.Sprintf("Network %s could not be found.", networkID)
	}
	sn := c.subnets[n.Subnets[0]]
	used := map[string]string{}
	for _, p := range c.ports {
		for _, f := range p.FixedIPs {
			used[f.IP] = p.ID
		}
	}
	var addr netip.Addr
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil || !sn.Prefix.Contains(a) || a == sn.Gateway || a == sn.Prefix.Addr() || a == lastAddr(sn.Prefix) {
			return nil, 400, "InvalidIpForNetwork", fmt.Sprintf("IP address %s is not a valid IP for any of the subnets on the specified network.", ip)
		}
		if _, taken := used[a.String()]; taken {
			return nil, 409, "IpAddressAlreadyAllocated", fmt.Sprintf("IP address %s already allocated in subnet %s", a, sn.ID)
		}
		addr = a
	} else {
		for a := sn.Gateway.Next(); sn.Prefix.Contains(a) && a != lastAddr(sn.Prefix); a = a.Next() {
			if _, taken := used[a.String()]; !taken {
				addr = a
				break
			}
		}
		if !addr.IsValid() {
			return nil, 409, "IpAddressGenerationFailure", fmt.Sprintf("No more IP addresses available on network %s.", networkID)
		}
	}
	id := newID()
	p := &port{ID: id, NetworkID: networkID, ProjectID: project, MAC: "fa:16:3e:" + id[0:2] + ":" + id[2:4] + ":" + id[4:6],
		FixedIPs: []fixedIP{{SubnetID: sn.ID, IP: addr.String()}}, SecurityGroups: groups, Created: time.Now().UTC()}
	c.ports[id] = p
	return p, 0, "", ""
}

func (c *Cloud) deletePort(w http.ResponseWriter, r *http.Request, project string) {
	p := c.ports[r.PathValue("id")]
	if p == nil || p.ProjectID != project {
		neutronError(w, 404, "PortNotFound", "Port %s could not be found.", r.PathValue("id"))
		return
	}
	delete(c.ports, p.ID)
	c.unbind(p.ID)
	if s := c.servers[p.DeviceID]; s != nil {
		s.Ports = remove(s.Ports, p.ID)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *Cloud) replacePortTags(w http.ResponseWriter, r *http.Request, project string) {
	p := c.ports[r.PathValue("id")]
	if p == nil || p.ProjectID != project {
		neutronError(w, 404, "PortNotFound", "Port %s could not be found.", r.PathValue("id"))
		return
	}
	var req struct {
		Tags []string `json:"tags"`
	}
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { neutronError(w, 400, "HTTPBadRequest", "%s", m) }) {
		return
	}
	for _, t := range req.Tags {
		if len(t) > 255 || t == "" {
			neutronError(w, 400, "InvalidInput", "Invalid input for operation: '%s' is not a valid tag.", t)
			return
		}
	}
	p.Tags = req.Tags
	writeJSON(w, http.StatusOK, map[string]any{"tags": p.Tags})
}

func (c *Cloud) addPortTag(w http.ResponseWriter, r *http.Request, project string) {
	p := c.ports[r.PathValue("id")]
	if p == nil || p.ProjectID != project {
		neutronError(w, 404, "PortNotFound", "Port %s could not be found.", r.PathValue("id"))
		return
	}
	if !contains(p.Tags, r.PathValue("tag")) {
		p.Tags = append(p.Tags, r.PathValue("tag"))
	}
	w.WriteHeader(http.StatusCreated)
}

// match: a query parameter, when given, equals v (Neutron filters by
// exact value; several values mean any of them).
func match(q map[string][]string, key, v string) bool {
	vals, ok := q[key]
	return !ok || contains(vals, v)
}

// hasTags: every tag of a comma-separated list is among tags.
func hasTags(tags []string, want string) bool {
	if want == "" {
		return true
	}
	for _, t := range strings.Split(want, ",") {
		if !contains(tags, t) {
			return false
		}
	}
	return true
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	bits := p.Bits()
	for i := 0; i < 4; i++ {
		for b := 0; b < 8; b++ {
			if i*8+b >= bits {
				a[i] |= 0x80 >> b
			}
		}
	}
	return netip.AddrFrom4(a)
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// sortedValues lists a map's values by key, so listings are stable.
func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// hasFixedIPs: every fixed_ips filter ("ip_address=A", "subnet_id=S")
// matches one of the port's addresses.
func hasFixedIPs(p *port, filters []string) bool {
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		found := false
		for _, ip := range p.FixedIPs {
			found = found || (k == "ip_address" && ip.IP == v) || (k == "subnet_id" && ip.SubnetID == v)
		}
		if !found {
			return false
		}
	}
	return true
}
