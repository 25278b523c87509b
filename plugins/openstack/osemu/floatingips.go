package osemu

import (
	"net/http"
	"net/netip"
)

type floatingIP struct {
	ID, ProjectID, NetworkID, Address, PortID string
	Tags                                      []string
}

func (c *Cloud) floatingRoutes() {
	c.mux.HandleFunc("GET /network/v2.0/floatingips", c.authed(c.listFloatingIPs))
	c.mux.HandleFunc("POST /network/v2.0/floatingips", c.authed(c.createFloatingIP))
	c.mux.HandleFunc("GET /network/v2.0/floatingips/{id}", c.authed(c.getFloatingIP))
	c.mux.HandleFunc("DELETE /network/v2.0/floatingips/{id}", c.authed(c.deleteFloatingIP))
	c.mux.HandleFunc("PUT /network/v2.0/floatingips/{id}/tags", c.authed(c.replaceFloatingTags))
}

func (c *Cloud) fipView(f *floatingIP) map[string]any {
	fixed := ""
	if p := c.ports[f.PortID]; p != nil {
		fixed = p.FixedIPs[0].IP
	}
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{"id": f.ID, "floating_ip_address": f.Address, "floating_network_id": f.NetworkID, "port_id": nilIfEmpty(f.PortID),
		"fixed_ip_address": nilIfEmpty(fixed), "project_id": f.ProjectID, "tenant_id": f.ProjectID, "tags": tags,
		"status": map[bool]string{true: "ACTIVE", false: "DOWN"}[f.PortID != ""]}
}

func (c *Cloud) listFloatingIPs(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, f := range sortedValues(c.fips) {
		if f.ProjectID == project && match(q, "port_id", f.PortID) && match(q, "floating_network_id", f.NetworkID) && hasTags(f.Tags, q.Get("tags")) {
			out = append(out, c.fipView(f))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"floatingips": out})
}

func (c *Cloud) fip(w http.ResponseWriter, r *http.Request, project string) *floatingIP {
	f := c.fips[r.PathValue("id")]
	if f == nil || f.ProjectID != project {
		neutronError(w, 404, "FloatingIPNotFound", "Floating IP %s could not be found", r.PathValue("id"))
		return nil
	}
	return f
}

func (c *Cloud) getFloatingIP(w http.ResponseWriter, r *http.Request, project string) {
	if f := c.fip(w, r, project); f != nil {
		writeJSON(w, http.StatusOK, map[string]any{"floatingip": c.fipView(f)})
	}
}

// createFloatingIP takes the next free address of an external network,
// bound to a port of the project when one is given.
func (c *Cloud) createFloatingIP(w http.ResponseWriter, r *http.Request, project string) {
	var req struct {
		FloatingIP struct {
			NetworkID string `json:"floating_network_id"`
			PortID    string `json:"port_id"`
		} `json:"floatingip"`
	}
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { neutronError(w, 400, "HTTPBadRequest", "%s", m) }) {
		return
	}
	in := req.FloatingIP
	n := c.networks[in.NetworkID]
	switch {
	case n == nil:
		neutronError(w, 404, "NetworkNotFound", "Network %s could not be found.", in.NetworkID)
		return
	case !n.External:
		neutronError(w, 400, "BadRequest", "Bad floatingip request: Network %s is not a valid external network.", in.NetworkID)
		return
	}
	if in.PortID != "" {
		if p := c.ports[in.PortID]; p == nil || p.ProjectID != project {
			neutronError(w, 404, "PortNotFound", "Port %s could not be found.", in.PortID)
			return
		}
	}
	used := map[string]bool{}
	for _, f := range c.fips {
		used[f.Address] = true
	}
	sn := c.subnets[n.Subnets[0]]
	var addr netip.Addr
	for a := sn.Gateway.Next(); sn.Prefix.Contains(a) && a != lastAddr(sn.Prefix); a = a.Next() {
		if !used[a.String()] {
			addr = a
			break
		}
	}
	if !addr.IsValid() {
		neutronError(w, 409, "IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
		return
	}
	f := &floatingIP{ID: newID(), ProjectID: project, NetworkID: n.ID, Address: addr.String(), PortID: in.PortID}
	c.fips[f.ID] = f
	writeJSON(w, http.StatusCreated, map[string]any{"floatingip": c.fipView(f)})
}

func (c *Cloud) deleteFloatingIP(w http.ResponseWriter, r *http.Request, project string) {
	if f := c.fip(w, r, project); f != nil {
		delete(c.fips, f.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (c *Cloud) replaceFloatingTags(w http.ResponseWriter, r *http.Request, project string) {
	f := c.fip(w, r, project)
	if f == nil {
		return
	}
	var req struct {
		Tags []string `json:"tags"`
	}
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { neutronError(w, 400, "HTTPBadRequest", "%s", m) }) {
		return
	}
	f.Tags = req.Tags
	writeJSON(w, http.StatusOK, map[string]any{"tags": f.Tags})
}

// unbind detaches the floating IPs of a port that is gone (as Neutron
// does when a port is deleted).
func (c *Cloud) unbind(portID string) {
	for _, f := range c.fips {
		if f.PortID == portID {
			f.PortID = ""
		}
	}
}
