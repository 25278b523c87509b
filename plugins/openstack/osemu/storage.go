package osemu

import (
	"net/http"
	"time"
)

type image struct {
	ID, Name, Visibility, Owner string
	MinDisk                     int
}

// visibleTo: public images, and the project's own.
func (i *image) visibleTo(project string) bool { return i.Visibility == "public" || i.Owner == project }

type snapshot struct {
	ID, Name, VolumeID, ProjectID string
	Size                          int
}

type volume struct {
	ID, Name, Status, ProjectID, ServerID, ImageID string
	Size                                           int
	Bootable                                       bool
	Created                                        time.Time
	made, deleteWithServer                         bool
}

func (c *Cloud) storageRoutes() {
	c.mux.HandleFunc("GET /image", c.imageVersions)
	c.mux.HandleFunc("GET /image/", c.imageVersions)
	c.mux.HandleFunc("GET /image/v2/images", c.authed(c.listImages))
	c.mux.HandleFunc("GET /image/v2/images/{id}", c.authed(c.getImage))
	c.mux.HandleFunc("GET /volume/v3/{project}/volumes", c.authed(c.listVolumes))
	c.mux.HandleFunc("GET /volume/v3/{project}/volumes/detail", c.authed(c.listVolumes))
	c.mux.HandleFunc("GET /volume/v3/{project}/volumes/{id}", c.authed(c.getVolume))
	c.mux.HandleFunc("POST /volume/v3/{project}/volumes", c.authed(c.createVolume))
	c.mux.HandleFunc("DELETE /volume/v3/{project}/volumes/{id}", c.authed(c.deleteVolume))
	c.mux.HandleFunc("GET /volume/v3/{project}/snapshots/{id}", c.authed(c.getSnapshot))
}

func (c *Cloud) imageVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": []any{map[string]any{"id": "v2.16", "status": "CURRENT",
		"links": []map[string]string{{"rel": "self", "href": c.base + "/image/v2/"}}}}})
}

func imageView(i *image) map[string]any {
	return map[string]any{"id": i.ID, "name": i.Name, "status": "active", "visibility": i.Visibility, "owner": i.Owner, "min_disk": i.MinDisk,
		"min_ram": 0, "disk_format": "qcow2", "container_format": "bare", "size": 2361393152, "tags": []string{},
		"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "self": "/v2/images/" + i.ID, "schema": "/v2/schemas/image"}
}

// listImages is Glance's GET /v2/images: what the project sees, by name
// and visibility when asked.
func (c *Cloud) listImages(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	out := []any{}
	for _, i := range sortedValues(c.images) {
		if i.visibleTo(project) && match(q, "name", i.Name) && match(q, "id", i.ID) && match(q, "visibility", i.Visibility) && match(q, "owner", i.Owner) {
			out = append(out, imageView(i))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"images": out, "schema": "/v2/schemas/images", "first": "/v2/images"})
}

// getImage answers 404 in Glance's plain shape for an image the project
// cannot see.
func (c *Cloud) getImage(w http.ResponseWriter, r *http.Request, project string) {
	i := c.images[r.PathValue("id")]
	if i == nil || !i.visibleTo(project) {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("404 Not Found\n\nNo image found with ID " + r.PathValue("id") + "\n\n   "))
		return
	}
	writeJSON(w, http.StatusOK, imageView(i))
}

func (c *Cloud) volumeView(v *volume) map[string]any {
	atts := []map[string]any{}
	if v.ServerID != "" {
		atts = append(atts, map[string]any{"server_id": v.ServerID, "attachment_id": "att-" + v.ID, "volume_id": v.ID, "id": v.ID, "device": "/dev/vdb"})
	}
	return map[string]any{"id": v.ID, "name": v.Name, "size": v.Size, "status": v.Status, "attachments": atts, "bootable": map[bool]string{true: "true", false: "false"}[v.Bootable],
		"availability_zone": "nova", "volume_type": "__DEFAULT__", "os-vol-tenant-attr:tenant_id": v.ProjectID, "created_at": v.Created.Format("2006-01-02T15:04:05.000000"),
		"metadata": map[string]string{}, "multiattach": false, "encrypted": false}
}

// volumeProject: Cinder's URL names the project, which must be the
// token's.
func volumeProject(w http.ResponseWriter, r *http.Request, project string) bool {
	if r.PathValue("project") != project {
		novaError(w, 403, "Policy doesn't allow volume:get_all to be performed.")
		return false
	}
	return true
}

func (c *Cloud) listVolumes(w http.ResponseWriter, r *http.Request, project string) {
	if !volumeProject(w, r, project) {
		return
	}
	q := r.URL.Query()
	out := []any{}
	for _, v := range sortedValues(c.volumes) {
		if v.ProjectID == project && match(q, "name", v.Name) && match(q, "status", v.Status) {
			out = append(out, c.volumeView(v))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"volumes": out})
}

func (c *Cloud) getVolume(w http.ResponseWriter, r *http.Request, project string) {
	if !volumeProject(w, r, project) {
		return
	}
	v := c.volumes[r.PathValue("id")]
	if v == nil || v.ProjectID != project {
		novaError(w, 404, "Volume %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"volume": c.volumeView(v)})
}

// createVolume makes an empty volume: creating, then available.
func (c *Cloud) createVolume(w http.ResponseWriter, r *http.Request, project string) {
	if !volumeProject(w, r, project) {
		return
	}
	var req struct {
		Volume struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"volume"`
	}
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { novaError(w, 400, "%s", m) }) {
		return
	}
	if req.Volume.Size < 1 {
		novaError(w, 400, "Invalid input for field/attribute size. Value: %d. %d is less than the minimum of 1", req.Volume.Size, req.Volume.Size)
		return
	}
	v := &volume{ID: newID(), Name: req.Volume.Name, Size: req.Volume.Size, Status: "creating", ProjectID: project, Created: time.Now().UTC()}
	c.volumes[v.ID] = v
	time.AfterFunc(c.opts.BootDelay, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if v.Status == "creating" {
			v.Status = "available"
		}
	})
	writeJSON(w, http.StatusAccepted, map[string]any{"volume": c.volumeView(v)})
}

func (c *Cloud) deleteVolume(w http.ResponseWriter, r *http.Request, project string) {
	if !volumeProject(w, r, project) {
		return
	}
	v := c.volumes[r.PathValue("id")]
	if v == nil || v.ProjectID != project {
		novaError(w, 404, "Volume %s could not be found.", r.PathValue("id"))
		return
	}
	if v.Status == "in-use" {
		novaError(w, 400, "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.")
		return
	}
	delete(c.volumes, v.ID)
	w.WriteHeader(http.StatusAccepted)
}

func (c *Cloud) getSnapshot(w http.ResponseWriter, r *http.Request, project string) {
	if !volumeProject(w, r, project) {
		return
	}
	s := c.snapshots[r.PathValue("id")]
	if s == nil || s.ProjectID != project {
		novaError(w, 404, "Snapshot %s could not be found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshot": map[string]any{"id": s.ID, "name": s.Name, "volume_id": s.VolumeID, "size": s.Size,
		"status": "available", "created_at": "2026-01-01T00:00:00.000000", "metadata": map[string]string{}}})
}
