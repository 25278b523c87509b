package armemu

import (
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
)

func (s *Server) newDisk(g *group, name string, sizeGB int32, sku armcompute.DiskStorageAccountTypes, tags map[string]*string) *armcompute.Disk {
	id := s.rid(g, "Microsoft.Compute/disks", name)
	d := &armcompute.Disk{ID: &id, Name: &name, Type: ptr("Microsoft.Compute/disks"), Location: &g.location, Tags: tags,
		SKU: &armcompute.DiskSKU{Name: &sku},
		Properties: &armcompute.DiskProperties{DiskSizeGB: &sizeGB, DiskState: ptr(armcompute.DiskStateUnattached),
			ProvisioningState: ptr("Succeeded"), CreationData: &armcompute.CreationData{CreateOption: ptr(armcompute.DiskCreateOptionEmpty)}}}
	g.disks[key(name)] = d
	return d
}

// SeedDisk makes an empty managed disk in the group (one a spec's disks
// may name); Left does not report it.
func (s *Server) SeedDisk(group, name string, sizeGB int32) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key(group)]
	return *s.newDisk(g, name, sizeGB, armcompute.DiskStorageAccountTypesStandardLRS, map[string]*string{seededTag: ptr("true")}).ID
}

// SeedImage makes a custom image in the group and returns its id.
func (s *Server) SeedImage(group, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key(group)]
	id := s.rid(g, "Microsoft.Compute/images", name)
	g.images[key(name)] = &armcompute.Image{ID: &id, Name: &name, Location: &g.location, Type: ptr("Microsoft.Compute/images"),
		Properties: &armcompute.ImageProperties{ProvisioningState: ptr("Succeeded")}}
	return id
}

func (s *Server) diskByID(id string) *armcompute.Disk {
	ref, ok := parseID(id)
	if !ok || ref.typ != "microsoft.compute/disks" || ref.sub != s.Subscription {
		return nil
	}
	if g, ok := s.groups[ref.group]; ok {
		return g.disks[ref.name]
	}
	return nil
}

func (s *Server) disk(w http.ResponseWriter, r *http.Request, g *group, name string) {
	d := g.disks[key(name)]
	switch {
	case r.Method == http.MethodGet && name == "":
		var all []*armcompute.Disk
		for _, d := range g.disks {
			all = append(all, d)
		}
		list(w, all, func(d *armcompute.Disk) string { return *d.ID })
	case r.Method == http.MethodGet && d != nil:
		writeJSON(w, http.StatusOK, d)
	case r.Method == http.MethodGet:
		writeErr(w, notFound("Microsoft.Compute/disks", name, g.name))
	case r.Method == http.MethodPut:
		s.putDisk(w, r, g, name, d)
	case r.Method == http.MethodDelete && d == nil:
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && d.ManagedBy != nil:
		writeErr(w, fail(http.StatusConflict, "OperationNotAllowed", "Disk %s is attached to VM %s.", name, *d.ManagedBy))
	case r.Method == http.MethodDelete && deref(d.Properties.ProvisioningState) == "Deleting":
		s.accepted(w, http.StatusAccepted, s.startOp("Microsoft.Compute", s.Delay, nil), nil)
	case r.Method == http.MethodDelete:
		// Deleting until the operation ends, as ARM shows it.
		d.Properties.ProvisioningState = ptr("Deleting")
		s.accepted(w, http.StatusAccepted, s.startOp("Microsoft.Compute", s.Delay, func() *apiError { delete(g.disks, key(name)); return nil }), nil)
	default:
		methodNotAllowed(w, r)
	}
}

// putDisk makes an empty managed disk or a copy of another (what a disk
// provider makes); a PUT of an existing name answers it unchanged.
func (s *Server) putDisk(w http.ResponseWriter, r *http.Request, g *group, name string, cur *armcompute.Disk) {
	var in armcompute.Disk
	if e := decode(r, &in); e != nil {
		writeErr(w, e)
		return
	}
	if cur != nil {
		writeJSON(w, http.StatusOK, cur)
		return
	}
	p := in.Properties
	switch {
	case in.Location == nil || *in.Location == "":
		writeErr(w, fail(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition."))
		return
	case !strings.EqualFold(*in.Location, s.Location):
		writeErr(w, fail(http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type 'Microsoft.Compute/disks'.", *in.Location))
		return
	case len(in.Zones) > 1 || (len(in.Zones) == 1 && !validZone(deref(in.Zones[0]))):
		writeErr(w, fail(http.StatusBadRequest, "InvalidParameter", "The zones %v are not valid: give one of 1, 2, 3.", zoneOf(in.Zones)))
		return
	case p == nil || p.CreationData == nil || p.CreationData.CreateOption == nil:
		writeErr(w, fail(http.StatusBadRequest, "InvalidParameter", "Required parameter 'creationData.createOption' is missing (null)."))
		return
	}
	size := deref(p.DiskSizeGB)
	switch *p.CreationData.CreateOption {
	case armcompute.DiskCreateOptionEmpty:
		if size < 1 || size > 32767 {
			writeErr(w, fail(http.StatusBadRequest, "InvalidParameter", "The disk size %d GB is not valid: give 1 to 32767.", size))
			return
		}
	case armcompute.DiskCreateOptionCopy:
		srcID := deref(p.CreationData.SourceResourceID)
		srcSize, srcZone, ok := s.source(srcID)
		if !ok {
			writeErr(w, fail(http.StatusNotFound, "NotFound", "Source resource %s was not found.", srcID))
			return
		}
		if srcZone != "" && zoneOf(in.Zones) != "" && srcZone != zoneOf(in.Zones) {
			writeErr(w, fail(http.StatusBadRequest, "BadRequest", "The resource '%s' in an availability zone cannot be copied from the source '%s' in a different availability zone.", name, srcID))
			return
		}
		if size != 0 && size < srcSize {
			writeErr(w, fail(http.StatusBadRequest, "BadRequest", "Disk size %d GB is smaller than the source's %d GB: a copy cannot shrink.", size, srcSize))
			return
		}
		size = max(size, srcSize)
	default:
		writeErr(w, fail(http.StatusBadRequest, "InvalidParameter", "Create option %s is not supported here (Empty, Copy).", *p.CreationData.CreateOption))
		return
	}
	sku := armcompute.DiskStorageAccountTypesStandardLRS
	if in.SKU != nil && in.SKU.Name != nil {
		sku = *in.SKU.Name
	}
	d := s.newDisk(g, name, size, sku, in.Tags)
	d.Zones, d.Properties.CreationData = in.Zones, p.CreationData
	d.Properties.ProvisioningState = ptr("Creating")
	o := s.startOp("Microsoft.Compute", s.Delay, func() *apiError { d.Properties.ProvisioningState = ptr("Succeeded"); return nil })
	s.accepted(w, http.StatusAccepted, o, d)
}

func (s *Server) image(w http.ResponseWriter, r *http.Request, g *group, name string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if im, ok := g.images[key(name)]; ok {
		writeJSON(w, http.StatusOK, im)
		return
	}
	writeErr(w, notFound("Microsoft.Compute/images", name, g.name))
}

// checkImage: a marketplace reference that the region offers, or a
// custom image that exists; an OS disk no smaller than the image's.
func (s *Server) checkImage(g *group, sp *armcompute.StorageProfile) *apiError {
	ir := sp.ImageReference
	if id := deref(ir.ID); id != "" {
		ref, ok := parseID(id)
		if !ok || ref.typ != "microsoft.compute/images" || s.groups[ref.group] == nil || s.groups[ref.group].images[ref.name] == nil {
			return fail(http.StatusNotFound, "NotFound", "The Image '%s' cannot be found in '%s' region.", id, s.Location)
		}
	} else if !s.imageExists(deref(ir.Publisher), deref(ir.Offer), deref(ir.SKU), deref(ir.Version)) {
		return fail(http.StatusNotFound, "PlatformImageNotFound", "The platform image '%s:%s:%s:%s' is not available. Verify that all fields in the storage profile are correct.",
			deref(ir.Publisher), deref(ir.Offer), deref(ir.SKU), deref(ir.Version))
	}
	if od := sp.OSDisk; od != nil && od.DiskSizeGB != nil && *od.DiskSizeGB < 30 {
		return fail(http.StatusBadRequest, "InvalidParameter", "The specified disk size %d GB is smaller than the size of the corresponding disk in the VM image: 30 GB. This is not allowed. Please choose equal or greater size or do not specify an explicit size.", *od.DiskSizeGB)
	}
	if od := sp.OSDisk; od != nil && od.ManagedDisk != nil && od.ManagedDisk.StorageAccountType != nil {
		t := string(*od.ManagedDisk.StorageAccountType)
		ok := false
		for _, k := range armcompute.PossibleStorageAccountTypesValues() {
			ok = ok || strings.EqualFold(string(k), t)
		}
		if !ok {
			return fail(http.StatusBadRequest, "InvalidParameter", "Storage account type %s is not valid.", t)
		}
	}
	return nil
}

func validZone(z string) bool { return z == "1" || z == "2" || z == "3" }

// source is the size and zone of a disk or snapshot to copy.
func (s *Server) source(id string) (int32, string, bool) {
	if d := s.diskByID(id); d != nil {
		return deref(d.Properties.DiskSizeGB), zoneOf(d.Zones), true
	}
	ref, ok := parseID(id)
	if !ok || ref.typ != "microsoft.compute/snapshots" || ref.sub != s.Subscription || s.groups[ref.group] == nil {
		return 0, "", false
	}
	sn := s.groups[ref.group].snapshots[ref.name]
	if sn == nil {
		return 0, "", false
	}
	return deref(sn.Properties.DiskSizeGB), "", true
}

// SeedSnapshot makes a snapshot of sizeGB in the group (what a disk's
// cloud_image may name) and returns its id.
func (s *Server) SeedSnapshot(group, name string, sizeGB int32) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key(group)]
	id := s.rid(g, "Microsoft.Compute/snapshots", name)
	g.snapshots[key(name)] = &armcompute.Snapshot{ID: &id, Name: &name, Location: &g.location, Type: ptr("Microsoft.Compute/snapshots"),
		Properties: &armcompute.SnapshotProperties{DiskSizeGB: &sizeGB, ProvisioningState: ptr("Succeeded")}}
	return id
}

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request, g *group, name string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if sn, ok := g.snapshots[key(name)]; ok {
		writeJSON(w, http.StatusOK, sn)
		return
	}
	writeErr(w, notFound("Microsoft.Compute/snapshots", name, g.name))
}
