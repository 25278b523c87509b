package osemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// serverIn is the typed part of a create request.
type serverIn struct {
	Name           string                  `json:"name"`
	ImageRef       string                  `json:"imageRef"`
	FlavorRef      string                  `json:"flavorRef"`
	Networks       json.RawMessage         `json:"networks"`
	Metadata       map[string]string       `json:"metadata"`
	UserData       string                  `json:"user_data"`
	AZ             string                  `json:"availability_zone"`
	KeyName        string                  `json:"key_name"`
	SecurityGroups []struct{ Name string } `json:"security_groups"`
	BDM            []bdm                   `json:"block_device_mapping_v2"`
	Tags           []string                `json:"tags"`
}

type netIn struct {
	UUID    string `json:"uuid"`
	Port    string `json:"port"`
	FixedIP string `json:"fixed_ip"`
}

// createServer is POST /servers: checked as Nova's API checks it
// (schema, flavor, image, networks, fixed IPs, security groups, volumes,
// quota), then BUILD, and ACTIVE after BootDelay; ERROR with a
// NoValidHost fault when the hosts are full.
func (c *Cloud) createServer(w http.ResponseWriter, r *http.Request, project string, v microversion) {
	var req createReq
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { novaError(w, 400, "%s", m) }) {
		return
	}
	for k := range req.Server {
		if allowed := knownCreateKeys[k] || (k == "tags" && v.atLeast(52)); !allowed {
			novaError(w, 400, "Invalid input for field/attribute server. Value: %v. Additional properties are not allowed ('%s' was unexpected)", "...", k)
			return
		}
	}
	raw, _ := json.Marshal(req.Server)
	var in serverIn
	if err := json.Unmarshal(raw, &in); err != nil {
		novaError(w, 400, "Invalid input for field/attribute server: %v", err)
		return
	}
	if in.Name == "" || len(in.Name) > 255 {
		novaError(w, 400, "Invalid input for field/attribute name. Value: %s. '%s' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'", in.Name, in.Name)
		return
	}
	f := c.flavors[in.FlavorRef]
	if f == nil {
		novaError(w, 400, "Flavor %s could not be found.", in.FlavorRef)
		return
	}
	if len(in.Tags) > 50 {
		novaError(w, 400, "Invalid input for field/attribute tags. Value: %v. is too long", in.Tags)
		return
	}
	for _, t := range in.Tags {
		if len(t) > 60 || t == "" || strings.ContainsAny(t, "/,") {
			novaError(w, 400, "Invalid input for field/attribute tags. Value: %s. does not match '^[^,/]*$' or is longer than 60", t)
			return
		}
	}
	for k, val := range in.Metadata {
		if len(k) > 255 || len(val) > 255 {
			novaError(w, 400, "Invalid input for field/attribute metadata. Value: %s. is too long", k)
			return
		}
	}
	if in.UserData != "" {
		if _, err := base64.StdEncoding.DecodeString(in.UserData); err != nil {
			novaError(w, 400, "User data needs to be valid base 64.")
			return
		}
		if len(in.UserData) > 65535 {
			novaError(w, 400, "Invalid input for field/attribute user_data. Value: ... is too long")
			return
		}
	}
	if in.AZ != "" && !contains(c.azs, in.AZ) {
		novaError(w, 400, "The requested availability zone is not available")
		return
	}
	groups := []string{}
	for _, g := range in.SecurityGroups {
		if c.groupByName(project, g.Name) == nil {
			novaError(w, 400, "Security group %s not found for project %s.", g.Name, project)
			return
		}
		groups = append(groups, g.Name)
	}
	// The boot source: an image, or a volume made from one.
	imageID, volumes, ok := c.bootSource(w, project, in)
	if !ok {
		return
	}
	nets, ok := c.parseNetworks(w, project, in.Networks, v)
	if !ok {
		return
	}
	if q := c.opts.QuotaInstances; q > 0 && c.count(project) >= q {
		novaError(w, 403, "Quota exceeded for instances: Requested 1, but already used %d of %d instances", c.count(project), q)
		return
	}
	now := time.Now().UTC()
	s := &server{ID: newID(), Name: in.Name, ProjectID: project, UserID: "u-" + UserName, Status: "BUILD", TaskState: "scheduling",
		FlavorID: f.ID, ImageID: imageID, Metadata: in.Metadata, Tags: in.Tags, UserData: in.UserData, AZ: in.AZ, KeyName: in.KeyName,
		SecurityGroups: groups, Hints: req.Hints, NovaPorts: map[string]bool{}, Created: now, Updated: now}
	if s.Metadata == nil {
		s.Metadata = map[string]string{}
	}
	if s.AZ == "" {
		s.AZ = "nova"
	}
	// Ports: the ones given are bound; for a network, Nova makes one.
	var made []string
	for _, n := range nets {
		if n.Port != "" {
			p := c.ports[n.Port]
			p.DeviceID, p.DeviceOwner = s.ID, "compute:"+s.AZ
			s.Ports = append(s.Ports, p.ID)
			continue
		}
		sgIDs := []string{}
		for _, g := range groups {
			sgIDs = append(sgIDs, c.groupByName(project, g).ID)
		}
		if len(sgIDs) == 0 {
			sgIDs = []string{"default-sg"}
		}
		p, status, _, msg := c.newPort(project, n.UUID, n.FixedIP, sgIDs)
		if p == nil {
			for _, id := range made {
				delete(c.ports, id)
			}
			if status == 409 {
				novaError(w, 400, "Fixed IP address %s is already in use on instance %s.", n.FixedIP, c.ownerOf(n.FixedIP))
			} else {
				novaError(w, 400, "%s", msg)
			}
			return
		}
		p.DeviceID, p.DeviceOwner = s.ID, "compute:"+s.AZ
		made = append(made, p.ID)
		s.Ports = append(s.Ports, p.ID)
		s.NovaPorts[p.ID] = true
	}
	for _, vol := range volumes {
		vol.Status = "in-use"
		vol.ServerID = s.ID
		c.volumes[vol.ID] = vol
	}
	for _, b := range in.BDM {
		if b.SourceType == "volume" {
			s.Volumes = append(s.Volumes, attachment{VolumeID: b.UUID, DeleteOnTermination: b.DeleteOnTermination})
		}
	}
	for _, vol := range volumes {
		if vol.made {
			s.Volumes = append(s.Volumes, attachment{VolumeID: vol.ID, DeleteOnTermination: vol.deleteWithServer})
		}
	}
	c.servers[s.ID] = s
	if c.opts.Capacity > 0 && c.active() > c.opts.Capacity {
		c.after(s, 0, func() {
			s.Status, s.TaskState = "ERROR", ""
			s.Fault = &fault{Code: 500, Message: "No valid host was found. There are not enough hosts available.",
				Details: "Traceback (most recent call last): ... nova.exception.NoValidHost", Created: stamp(time.Now())}
		})
	} else if v := c.opts.VMs; v != nil {
		ip, name, ud := c.ports[s.Ports[0]].FixedIPs[0].IP, s.Name, s.UserData
		c.work(s, func() error { return v.boot(s.ID, name, ip, ud) }, func(err error) {
			if err != nil {
				s.Status, s.TaskState = "ERROR", ""
				s.Fault = &fault{Code: 500, Message: "Build of instance " + s.ID + " aborted: " + err.Error(), Created: stamp(time.Now())}
				return
			}
			s.Status, s.TaskState, s.booted = "ACTIVE", "", true
		})
	} else {
		c.after(s, c.opts.BootDelay, func() { s.Status, s.TaskState = "ACTIVE", "" })
	}
	w.Header().Set("Location", c.base+"/compute/v2.1/servers/"+s.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{"server": map[string]any{"id": s.ID, "links": []any{}, "OS-DCF:diskConfig": "MANUAL",
		"security_groups": []map[string]string{{"name": "default"}}, "adminPass": "emu-admin-pass"}})
}

// bootSource checks the image or the boot volume mapping.
func (c *Cloud) bootSource(w http.ResponseWriter, project string, in serverIn) (string, []*volume, bool) {
	var vols []*volume
	bootFromVolume := false
	for _, b := range in.BDM {
		switch {
		case b.SourceType == "image" && b.DestinationType == "volume":
			img := c.images[b.UUID]
			if img == nil || !img.visibleTo(project) {
				novaError(w, 400, "Image %s could not be found.", b.UUID)
				return "", nil, false
			}
			if b.VolumeSize < img.MinDisk {
				novaError(w, 400, "Volume size %dGB is smaller than the image's minimum disk of %dGB.", b.VolumeSize, img.MinDisk)
				return "", nil, false
			}
			vols = append(vols, &volume{ID: newID(), Size: b.VolumeSize, ProjectID: project, Bootable: true, ImageID: img.ID,
				Created: time.Now().UTC(), made: true, deleteWithServer: b.DeleteOnTermination})
			bootFromVolume = true
		case b.SourceType == "volume":
			vol := c.volumes[b.UUID]
			if vol == nil || vol.ProjectID != project {
				novaError(w, 400, "Block Device Mapping is Invalid: failed to get volume %s.", b.UUID)
				return "", nil, false
			}
			if vol.Status != "available" {
				novaError(w, 400, "Invalid volume: volume %s status must be 'available', not '%s'", vol.ID, vol.Status)
				return "", nil, false
			}
			vols = append(vols, vol)
			if b.BootIndex != nil && *b.BootIndex == 0 {
				bootFromVolume = true
			}
		case b.SourceType == "snapshot" && b.DestinationType == "volume":
			snap := c.snapshots[b.UUID]
			if snap == nil || snap.ProjectID != project {
				novaError(w, 400, "Block Device Mapping is Invalid: failed to get snapshot %s.", b.UUID)
				return "", nil, false
			}
			size := max(b.VolumeSize, snap.Size)
			vols = append(vols, &volume{ID: newID(), Size: size, ProjectID: project, Bootable: true, Created: time.Now().UTC(),
				made: true, deleteWithServer: b.DeleteOnTermination})
			if b.BootIndex != nil && *b.BootIndex == 0 {
				bootFromVolume = true
			}
		case b.SourceType == "image" && b.DestinationType == "local":
		default:
			novaError(w, 400, "Block Device Mapping is Invalid: source_type %s to %s is not supported here.", b.SourceType, b.DestinationType)
			return "", nil, false
		}
	}
	if bootFromVolume {
		return "", vols, true
	}
	img := c.images[in.ImageRef]
	if in.ImageRef == "" || img == nil || !img.visibleTo(project) {
		novaError(w, 400, "Image %s could not be found.", in.ImageRef)
		return "", nil, false
	}
	return img.ID, vols, true
}

// parseNetworks checks the networks list: required (from 2.37),
// networks that exist, ports that are free.
func (c *Cloud) parseNetworks(w http.ResponseWriter, project string, raw json.RawMessage, v microversion) ([]netIn, bool) {
	var nets []netIn
	if len(raw) == 0 {
		if v.atLeast(37) {
			novaError(w, 400, "Invalid input for field/attribute server. Value: .... 'networks' is a required property")
			return nil, false
		}
		novaError(w, 409, "Multiple possible networks found, use a Network ID to be more specific.")
		return nil, false
	}
	if err := json.Unmarshal(raw, &nets); err != nil {
		novaError(w, 400, "Bad networks format: %v", err)
		return nil, false
	}
	for _, n := range nets {
		switch {
		case n.Port != "":
			p := c.ports[n.Port]
			if p == nil || p.ProjectID != project {
				novaError(w, 400, "Port %s could not be found.", n.Port)
				return nil, false
			}
			if p.DeviceID != "" {
				novaError(w, 409, "Port %s is still in use.", n.Port)
				return nil, false
			}
		case n.UUID != "":
			if net := c.networks[n.UUID]; net == nil || net.ProjectID != project {
				novaError(w, 400, "Network %s could not be found.", n.UUID)
				return nil, false
			}
		default:
			novaError(w, 400, "Bad networks format: network uuid is not in proper format ()")
			return nil, false
		}
	}
	return nets, true
}

func (c *Cloud) groupByName(project, name string) *secGroup {
	for _, g := range c.groups {
		if g.ProjectID == project && (g.Name == name || g.ID == name) {
			return g
		}
	}
	return nil
}

func (c *Cloud) ownerOf(ip string) string {
	for _, p := range c.ports {
		for _, f := range p.FixedIPs {
			if f.IP == ip {
				return p.DeviceID
			}
		}
	}
	return ""
}

func (c *Cloud) count(project string) int {
	n := 0
	for _, s := range c.servers {
		if s.ProjectID == project {
			n++
		}
	}
	return n
}

func (c *Cloud) active() int {
	n := 0
	for _, s := range c.servers {
		if s.Status != "ERROR" {
			n++
		}
	}
	return n
}

// after applies change to s after d unless s moved on meanwhile.
func (c *Cloud) after(s *server, d time.Duration, change func()) {
	s.gen++
	gen := s.gen
	time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.servers[s.ID] == s && s.gen == gen {
			change()
			s.Updated = time.Now().UTC()
		}
	})
}

// deleteServer is DELETE /servers/{id}: 204, the server deleting for
// DeleteDelay, then gone with the ports Nova made and the volumes to
// delete on termination; ports and volumes given to it survive.
func (c *Cloud) deleteServer(w http.ResponseWriter, r *http.Request, project string, _ microversion) {
	s := c.server(w, r, project)
	if s == nil {
		return
	}
	s.TaskState = "deleting"
	if v := c.opts.VMs; v != nil {
		c.work(s, func() error { v.remove(s.ID); return nil }, func(error) { c.remove(s) })
	} else {
		c.after(s, c.opts.DeleteDelay, func() { c.remove(s) })
	}
	w.WriteHeader(http.StatusNoContent)
}

// remove drops s and what goes with it (the lock is held).
func (c *Cloud) remove(s *server) {
	delete(c.servers, s.ID)
	for _, pid := range s.Ports {
		if p := c.ports[pid]; p != nil {
			if s.NovaPorts[pid] {
				delete(c.ports, pid)
				c.unbind(pid)
			} else {
				p.DeviceID, p.DeviceOwner = "", ""
			}
		}
	}
	for _, a := range s.Volumes {
		if vol := c.volumes[a.VolumeID]; vol != nil {
			if a.DeleteOnTermination {
				delete(c.volumes, vol.ID)
			} else {
				vol.Status, vol.ServerID = "available", ""
			}
		}
	}
}

// serverAction is POST /servers/{id}/action: os-start, os-stop, reboot
// (SOFT or HARD), each refused with 409 in a state Nova refuses it in.
func (c *Cloud) serverAction(w http.ResponseWriter, r *http.Request, project string, _ microversion) {
	s := c.server(w, r, project)
	if s == nil {
		return
	}
	var body map[string]json.RawMessage
	if !decodeBody(w, r, &body, func(w http.ResponseWriter, m string) { novaError(w, 400, "%s", m) }) {
		return
	}
	refuse := func(action string) {
		novaError(w, 409, "Cannot '%s' instance %s while it is in vm_state %s", action, s.ID,
			map[string]string{"ACTIVE": "active", "SHUTOFF": "stopped", "BUILD": "building", "ERROR": "error", "REBOOT": "active", "HARD_REBOOT": "active"}[s.Status])
	}
	if s.TaskState == "deleting" {
		novaError(w, 409, "Cannot '%s' instance %s while it is in task_state deleting", firstKey(body), s.ID)
		return
	}
	switch {
	case body["os-start"] != nil:
		if s.Status != "SHUTOFF" {
			refuse("start")
			return
		}
		s.TaskState = "powering-on"
		c.transition(s, "start", "ACTIVE")
	case body["os-stop"] != nil:
		if s.Status != "ACTIVE" && s.Status != "ERROR" {
			refuse("stop")
			return
		}
		s.TaskState = "powering-off"
		c.transition(s, "stop", "SHUTOFF")
	case body["reboot"] != nil:
		var rb struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body["reboot"], &rb)
		switch {
		case rb.Type == "SOFT" && s.Status == "ACTIVE":
			s.Status, s.TaskState = "REBOOT", "reboot_started"
		case rb.Type == "HARD" && (s.Status == "ACTIVE" || s.Status == "SHUTOFF" || s.Status == "ERROR" || s.Status == "REBOOT"):
			s.Status, s.TaskState = "HARD_REBOOT", "reboot_started_hard"
		case rb.Type != "SOFT" && rb.Type != "HARD":
			novaError(w, 400, "Invalid input for field/attribute type. Value: %s. '%s' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']", rb.Type, rb.Type)
			return
		default:
			refuse("reboot")
			return
		}
		c.transition(s, "reboot", "ACTIVE")
	default:
		novaError(w, 400, "There is no such action: %s", firstKey(body))
		return
	}
	s.Updated = time.Now().UTC()
	w.WriteHeader(http.StatusAccepted)
}

func firstKey(m map[string]json.RawMessage) string {
	for k := range m {
		return k
	}
	return ""
}
