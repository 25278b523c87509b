package armemu

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
)

// Data disks as Azure attaches them: a managed disk joins one VM at a
// time (Attached while it runs, Reserved while it is deallocated,
// Unattached once detached), in the VM's zone (a zone-redundant disk in
// any), with Azure's error answers otherwise.

// checkDataDisks refuses data disks the VM vmID (of size, in zones)
// cannot take.
func (s *Server) checkDataDisks(vmID, size string, zones []*string, dds []*armcompute.DataDisk) *apiError {
	luns := map[int32]bool{}
	for _, dd := range dds {
		if dd.ManagedDisk == nil || dd.ManagedDisk.ID == nil {
			return fail(http.StatusBadRequest, "InvalidParameter", "A data disk to attach needs managedDisk.id.")
		}
		if dd.Lun == nil || luns[*dd.Lun] {
			return fail(http.StatusBadRequest, "InvalidParameter", "Each data disk needs its own LUN (dataDisks.lun).")
		}
		luns[*dd.Lun] = true
		d := s.diskByID(*dd.ManagedDisk.ID)
		if d == nil {
			return fail(http.StatusNotFound, "NotFound", "Disk %s could not be found.", *dd.ManagedDisk.ID)
		}
		if e := s.attachable(vmID, zoneOf(zones), d); e != nil {
			return e
		}
		if sku := deref(d.SKU.Name); strings.HasPrefix(string(sku), "Premium") && !premiumIO(size) {
			return fail(http.StatusBadRequest, "InvalidParameter", "Requested operation cannot be performed because the VM size %s does not support the storage account type %s of disk '%s'. Consider updating the VM to a size that supports Premium storage.", size, sku, *d.Name)
		}
	}
	return nil
}

// attachable: d is free (or held by vmID already) and in the VM's zone.
func (s *Server) attachable(vmID, vmZone string, d *armcompute.Disk) *apiError {
	id := *d.ID
	if d.ManagedBy != nil && !strings.EqualFold(*d.ManagedBy, vmID) {
		e := fail(http.StatusConflict, "ConflictingUserInput", "Cannot attach the disk %s to VM %s because it is already attached to VM %s. A disk can be attached to only one VM at a time.", *d.Name, vmID, *d.ManagedBy)
		e.Target = id
		return e
	}
	if p := d.Properties; p != nil && deref(p.ProvisioningState) != "Succeeded" {
		return fail(http.StatusConflict, "OperationNotAllowed", "Disk %s cannot be attached while its provisioning state is %s.", id, deref(p.ProvisioningState))
	}
	dz := zoneOf(d.Zones)
	switch {
	case dz == vmZone, dz == "" && zoneRedundant(d):
		return nil
	case vmZone != "" && dz != "":
		return fail(http.StatusBadRequest, "BadRequest", "Disk %s cannot be attached to the VM because it is not in the same zone as the VM. VM zone: '%s'. Disk zone: '%s'.", id, vmZone, dz)
	case vmZone != "":
		return fail(http.StatusBadRequest, "BadRequest", "Disk %s cannot be attached to the VM because it is not in zone '%s'.", id, vmZone)
	}
	return fail(http.StatusBadRequest, "BadRequest", "Disk %s cannot be attached to the VM because the disk is in zone '%s' and the VM is in no zone.", id, dz)
}

func zoneRedundant(d *armcompute.Disk) bool {
	return d.SKU != nil && d.SKU.Name != nil && strings.HasSuffix(string(*d.SKU.Name), "_ZRS")
}

func zoneOf(zones []*string) string {
	if len(zones) == 0 || zones[0] == nil {
		return ""
	}
	return *zones[0]
}

// attachData marks the VM's data disks as its own.
func (s *Server) attachData(v *vm, dds []*armcompute.DataDisk) {
	state := armcompute.DiskStateAttached
	if v.power == "deallocated" {
		state = armcompute.DiskStateReserved
	}
	for _, dd := range dds {
		if d := s.diskByID(deref(dd.ManagedDisk.ID)); d != nil {
			d.ManagedBy, d.Properties.DiskState = v.m.ID, ptr(state)
		}
	}
}

// diskState sets the state of the VM's OS and data disks.
func (s *Server) diskState(v *vm, state armcompute.DiskState) {
	sp := v.m.Properties.StorageProfile
	ids := []*string{}
	if sp.OSDisk != nil && sp.OSDisk.ManagedDisk != nil {
		ids = append(ids, sp.OSDisk.ManagedDisk.ID)
	}
	for _, dd := range sp.DataDisks {
		ids = append(ids, dd.ManagedDisk.ID)
	}
	for _, id := range ids {
		if d := s.diskByID(deref(id)); d != nil {
			d.Properties.DiskState = ptr(state)
		}
	}
}

// updateVM is a PUT of an existing VM: ARM answers it as it is, but for
// its data disks, which are attached and detached (one marked
// toBeDetached, or left out, is detached) through an operation.
func (s *Server) updateVM(w http.ResponseWriter, v *vm, in *armcompute.VirtualMachine) {
	if in.Properties == nil || in.Properties.StorageProfile == nil {
		writeJSON(w, http.StatusOK, v.render(false))
		return
	}
	var keep []*armcompute.DataDisk
	for _, dd := range in.Properties.StorageProfile.DataDisks {
		if dd.ToBeDetached == nil || !*dd.ToBeDetached {
			keep = append(keep, dd)
		}
	}
	if e := s.checkDataDisks(*v.m.ID, string(*v.m.Properties.HardwareProfile.VMSize), v.m.Zones, keep); e != nil {
		writeErr(w, e)
		return
	}
	cur := v.m.Properties.StorageProfile
	var gone []*string
	for _, old := range cur.DataDisks {
		if !holds(keep, deref(old.ManagedDisk.ID)) {
			gone = append(gone, old.ManagedDisk.ID)
		}
	}
	for _, dd := range keep {
		if dd.CreateOption == nil {
			dd.CreateOption = ptr(armcompute.DiskCreateOptionTypesAttach)
		}
	}
	cur.DataDisks = keep
	s.attachData(v, keep)
	prev := v.prov
	v.prov = "Updating"
	o := s.startOp("Microsoft.Compute", s.Delay, func() *apiError {
		// A detached disk is free once the update is done.
		for _, id := range gone {
			if d := s.diskByID(deref(id)); d != nil && strings.EqualFold(deref(d.ManagedBy), *v.m.ID) {
				s.release(id, nil)
			}
		}
		if v.prov == "Updating" {
			v.prov = prev
		}
		return nil
	})
	s.accepted(w, http.StatusOK, o, v.render(false))
}

func holds(dds []*armcompute.DataDisk, id string) bool {
	for _, dd := range dds {
		if strings.EqualFold(deref(dd.ManagedDisk.ID), id) {
			return true
		}
	}
	return false
}

// diskResource is a disk as /_emu/resources lists it.
func diskResource(d *armcompute.Disk) Resource {
	r := Resource{Kind: "disk", ID: *d.ID, Name: *d.Name, Tags: plain(d.Tags), VM: deref(d.ManagedBy), Zone: zoneOf(d.Zones)}
	if d.Properties != nil {
		r.State = string(deref(d.Properties.DiskState))
	}
	return r
}

// premiumIO: the size takes Premium disks, by Azure's naming (an s among
// the features after the vCPU count, like B1s, D2s_v3, or the DS and GS
// families).
func premiumIO(size string) bool {
	name := strings.TrimPrefix(size, "Standard_")
	name, _, _ = strings.Cut(name, "_")
	i := strings.IndexAny(name, "0123456789")
	if i < 0 {
		return false
	}
	family, features := name[:i], strings.TrimLeft(name[i:], "0123456789-")
	return strings.ContainsAny(features, "s") || strings.HasSuffix(family, "S")
}

// skus answers the resource SKUs of the location's VM sizes with the
// capabilities a preflight reads (vCPUs, MaxDataDiskCount, PremiumIO).
func (s *Server) skus(w http.ResponseWriter) {
	var out []map[string]any
	for _, z := range s.sizes {
		capability := func(name string, v any) map[string]any { return map[string]any{"name": name, "value": fmt.Sprint(v)} }
		premium := "False"
		if premiumIO(z.name) {
			premium = "True"
		}
		out = append(out, map[string]any{"resourceType": "virtualMachines", "name": z.name, "tier": "Standard", "locations": []string{s.Location},
			"capabilities": []map[string]any{capability("vCPUs", z.cores), capability("MaxDataDiskCount", z.disks), capability("PremiumIO", premium)}})
	}
	list(w, out, func(m map[string]any) string { return m["name"].(string) })
}
