package osemu

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type flavor struct {
	ID, Name         string
	VCPUs, RAM, Disk int
}

type fault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details string `json:"details,omitempty"`
	Created string `json:"created"`
}

type attachment struct {
	VolumeID            string
	DeleteOnTermination bool
}

type server struct {
	ID, Name, ProjectID, UserID string
	Status, TaskState           string
	FlavorID, ImageID           string
	Metadata                    map[string]string
	Tags                        []string
	UserData                    string
	AZ, KeyName                 string
	SecurityGroups              []string
	Hints                       map[string]any
	Ports                       []string
	NovaPorts                   map[string]bool // ports Nova made, deleted with the server
	Volumes                     []attachment
	Fault                       *fault
	Created, Updated            time.Time
	gen                         int  // bumps on every transition, so a stale timer does nothing
	booted                      bool // its VM ran (Options.VMs)
}

// microversion is a Nova microversion as (major, minor).
type microversion struct{ major, minor int }

func parseMicroversion(s string) (microversion, bool) {
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	return microversion{a, b}, ok && err1 == nil && err2 == nil
}

func (v microversion) atLeast(minor int) bool { return v.major > 2 || v.minor >= minor }
func (v microversion) String() string         { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// requestVersion reads the microversion a request asks for from
// OpenStack-API-Version ("compute 2.52") or X-OpenStack-Nova-API-Version;
// 2.1 when absent; false (answered 406) when out of range.
func (c *Cloud) requestVersion(w http.ResponseWriter, r *http.Request) (microversion, bool) {
	maxV, _ := parseMicroversion(c.opts.MaxMicroversion)
	raw := r.Header.Get("X-OpenStack-Nova-API-Version")
	if h := r.Header.Get("OpenStack-API-Version"); h != "" {
		raw = strings.TrimPrefix(strings.TrimSpace(h), "compute ")
	}
	v := microversion{2, 1}
	switch raw {
	case "":
	case "latest":
		v = maxV
	default:
		var ok bool
		if v, ok = parseMicroversion(raw); !ok || v.major != 2 || v.minor < 1 || v.minor > maxV.minor {
			novaError(w, http.StatusNotAcceptable, "Version %s is not supported by the API. Minimum is 2.1 and maximum is %s.", raw, maxV)
			return v, false
		}
	}
	w.Header().Set("OpenStack-API-Version", "compute "+v.String())
	w.Header().Set("X-OpenStack-Nova-API-Version", v.String())
	w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
	return v, true
}

// nova wraps a compute handler with the token check and the microversion.
func (c *Cloud) nova(h func(w http.ResponseWriter, r *http.Request, project string, v microversion)) http.HandlerFunc {
	return c.authed(func(w http.ResponseWriter, r *http.Request, project string) {
		if v, ok := c.requestVersion(w, r); ok {
			h(w, r, project, v)
		}
	})
}

func (c *Cloud) novaRoutes() {
	c.mux.HandleFunc("GET /compute", c.computeVersions)
	c.mux.HandleFunc("GET /compute/", c.computeVersions)
	c.mux.HandleFunc("GET /compute/v2.1", c.computeV21)
	c.mux.HandleFunc("GET /compute/v2.1/", c.computeV21)
	c.mux.HandleFunc("GET /compute/v2.1/flavors", c.nova(c.listFlavors))
	c.mux.HandleFunc("GET /compute/v2.1/flavors/detail", c.nova(c.listFlavors))
	c.mux.HandleFunc("GET /compute/v2.1/flavors/{id}", c.nova(c.getFlavor))
	c.mux.HandleFunc("GET /compute/v2.1/os-availability-zone", c.nova(c.listAZs))
	c.mux.HandleFunc("GET /compute/v2.1/servers", c.nova(c.listServers))
	c.mux.HandleFunc("GET /compute/v2.1/servers/detail", c.nova(c.listServers))
	c.mux.HandleFunc("POST /compute/v2.1/servers", c.nova(c.createServer))
	c.mux.HandleFunc("GET /compute/v2.1/servers/{id}", c.nova(c.getServer))
	c.mux.HandleFunc("DELETE /compute/v2.1/servers/{id}", c.nova(c.deleteServer))
	c.mux.HandleFunc("POST /compute/v2.1/servers/{id}/action", c.nova(c.serverAction))
}

func (c *Cloud) v21Doc() map[string]any {
	return map[string]any{"id": "v2.1", "status": "CURRENT", "version": c.opts.MaxMicroversion, "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
		"links": []map[string]string{{"rel": "self", "href": c.base + "/compute/v2.1/"}}}
}

func (c *Cloud) computeVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"versions": []any{c.v21Doc()}})
}

func (c *Cloud) computeV21(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": c.v21Doc()})
}

func flavorView(f *flavor) map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk, "swap": "", "OS-FLV-EXT-DATA:ephemeral": 0,
		"os-flavor-access:is_public": true, "rxtx_factor": 1.0, "links": []any{}}
}

func (c *Cloud) listFlavors(w http.ResponseWriter, r *http.Request, _ string, _ microversion) {
	out := []any{}
	for _, f := range sortedValues(c.flavors) {
		out = append(out, flavorView(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavors": out})
}

func (c *Cloud) getFlavor(w http.ResponseWriter, r *http.Request, _ string, _ microversion) {
	f := c.flavors[r.PathValue("id")]
	if f == nil {
		novaError(w, 404, "Flavor %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavor": flavorView(f)})
}

func (c *Cloud) listAZs(w http.ResponseWriter, r *http.Request, _ string, _ microversion) {
	out := []any{}
	for _, az := range c.azs {
		out = append(out, map[string]any{"zoneName": az, "zoneState": map[string]bool{"available": true}, "hosts": nil})
	}
	writeJSON(w, http.StatusOK, map[string]any{"availabilityZoneInfo": out})
}

// view is a server as GET /servers/{id} shows it at microversion v.
func (c *Cloud) view(s *server, v microversion) map[string]any {
	addrs := map[string][]map[string]any{}
	for _, pid := range s.Ports {
		p := c.ports[pid]
		if p == nil {
			continue
		}
		name := c.networks[p.NetworkID].Name
		for _, f := range p.FixedIPs {
			addrs[name] = append(addrs[name], map[string]any{"addr": f.IP, "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.MAC})
		}
		for _, fip := range c.fips {
			if fip.PortID == pid {
				addrs[name] = append(addrs[name], map[string]any{"addr": fip.Address, "version": 4, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": p.MAC})
			}
		}
	}
	groups := []map[string]string{}
	for _, g := range s.SecurityGroups {
		groups = append(groups, map[string]string{"name": g})
	}
	vols := []map[string]any{}
	for _, a := range s.Volumes {
		vols = append(vols, map[string]any{"id": a.VolumeID, "delete_on_termination": a.DeleteOnTermination})
	}
	power := map[string]int{"ACTIVE": 1, "SHUTOFF": 4, "REBOOT": 1, "HARD_REBOOT": 1}[s.Status]
	out := map[string]any{
		"id": s.ID, "name": s.Name, "status": s.Status, "tenant_id": s.ProjectID, "user_id": s.UserID, "metadata": s.Metadata,
		"hostId": "emu-host", "created": stamp(s.Created), "updated": stamp(s.Updated), "addresses": addrs, "accessIPv4": "", "accessIPv6": "",
		"flavor": map[string]any{"id": s.FlavorID, "links": []any{}}, "image": map[string]any{"id": s.ImageID, "links": []any{}},
		"key_name": nilIfEmpty(s.KeyName), "security_groups": groups, "os-extended-volumes:volumes_attached": vols,
		"OS-EXT-STS:task_state": nilIfEmpty(s.TaskState), "OS-EXT-STS:vm_state": strings.ToLower(map[string]string{"ACTIVE": "active", "SHUTOFF": "stopped", "BUILD": "building", "ERROR": "error"}[s.Status]),
		"OS-EXT-STS:power_state": power, "OS-EXT-AZ:availability_zone": s.AZ, "progress": 0, "links": []any{},
	}
	if s.ImageID == "" {
		out["image"] = ""
	}
	if s.Fault != nil {
		out["fault"] = s.Fault
	}
	if v.atLeast(3) {
		out["OS-EXT-SRV-ATTR:user_data"] = nilIfEmpty(s.UserData)
	}
	if v.atLeast(26) {
		tags := s.Tags
		if tags == nil {
			tags = []string{}
		}
		out["tags"] = tags
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listServers is GET /servers and /servers/detail: the project's
// servers, filtered by name (a regular expression in Nova; a substring
// here), status and, from 2.26, tags (all) and tags-any.
func (c *Cloud) listServers(w http.ResponseWriter, r *http.Request, project string, v microversion) {
	q := r.URL.Query()
	detail := strings.HasSuffix(r.URL.Path, "/detail")
	out := []any{}
	for _, s := range sortedValues(c.servers) {
		if s.ProjectID != project || (q.Get("name") != "" && !strings.Contains(s.Name, q.Get("name"))) || !match(q, "status", s.Status) {
			continue
		}
		if v.atLeast(26) && (!hasTags(s.Tags, q.Get("tags")) || !anyTag(s.Tags, q.Get("tags-any"))) {
			continue
		}
		if detail {
			out = append(out, c.view(s, v))
		} else {
			out = append(out, map[string]any{"id": s.ID, "name": s.Name, "links": []any{}})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"servers": out})
}

func anyTag(tags []string, want string) bool {
	if want == "" {
		return true
	}
	for _, t := range strings.Split(want, ",") {
		if contains(tags, t) {
			return true
		}
	}
	return false
}

func (c *Cloud) server(w http.ResponseWriter, r *http.Request, project string) *server {
	s := c.servers[r.PathValue("id")]
	if s == nil || s.ProjectID != project {
		novaError(w, 404, "Instance %s could not be found.", r.PathValue("id"))
		return nil
	}
	return s
}

func (c *Cloud) getServer(w http.ResponseWriter, r *http.Request, project string, v microversion) {
	if s := c.server(w, r, project); s != nil {
		writeJSON(w, http.StatusOK, map[string]any{"server": c.view(s, v)})
	}
}

// createReq is POST /servers's body.
type createReq struct {
	Server map[string]any `json:"server"`
	Hints  map[string]any `json:"os:scheduler_hints"`
}

type bdm struct {
	BootIndex           *int   `json:"boot_index"`
	UUID                string `json:"uuid"`
	SourceType          string `json:"source_type"`
	DestinationType     string `json:"destination_type"`
	VolumeSize          int    `json:"volume_size"`
	DeleteOnTermination bool   `json:"delete_on_termination"`
}

// knownCreateKeys are the server attributes Nova's schema allows; from
// 2.52 tags too.
var knownCreateKeys = map[string]bool{"name": true, "imageRef": true, "flavorRef": true, "networks": true, "metadata": true, "user_data": true,
	"availability_zone": true, "key_name": true, "security_groups": true, "block_device_mapping_v2": true, "min_count": true, "max_count": true,
	"config_drive": true, "adminPass": true, "accessIPv4": true, "accessIPv6": true, "OS-DCF:diskConfig": true, "description": true, "hostname": true}
