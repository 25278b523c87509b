package armemu

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// size is a VM size of the emulated region.
type size struct {
	name  string
	cores int
	memMB int
	// disks is the most data disks a VM of the size takes.
	disks int
	// restricted: Azure offers the size but not to this subscription
	// here now (SkuNotAvailable).
	restricted bool
}

func defaultSizes() map[string]size {
	m := map[string]size{}
	for _, z := range []size{
		{"Standard_B1s", 1, 1024, 2, false}, {"Standard_B2s", 2, 4096, 4, false}, {"Standard_D2s_v3", 2, 8192, 4, false},
		{"Standard_D3_v2", 4, 14336, 16, false}, {"Standard_D4_v2", 8, 28672, 32, false}, {"Standard_DS1_v2", 1, 3584, 4, false},
		{"Standard_F2s_v2", 2, 4096, 4, false}, {"Standard_NV6", 6, 57344, 24, true},
	} {
		m[key(z.name)] = z
	}
	return m
}

// SetQuota limits the subscription's total regional cores (0: none).
func (s *Server) SetQuota(cores int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = cores
}

// AddImage offers a marketplace image publisher:offer:sku:version.
func (s *Server) AddImage(urn string) error {
	p := strings.Split(urn, ":")
	if len(p) != 4 {
		return fmt.Errorf("image %q: want publisher:offer:sku:version", urn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(strings.Join(p[:3], ":"))
	s.market[k] = append(s.market[k], p[3])
	sort.Strings(s.market[k])
	return nil
}

// marketplace answers .../publishers/{p}/artifacttypes/vmimage/offers/{o}/skus/{s}/versions[/{v}].
func (s *Server) marketplace(w http.ResponseWriter, location string, p []string) {
	if len(p) < 8 || !strings.EqualFold(p[1], "artifacttypes") || !strings.EqualFold(p[3], "offers") || !strings.EqualFold(p[5], "skus") || !strings.EqualFold(p[7], "versions") {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
		return
	}
	pub, offer, sku := p[0], p[4], p[6]
	versions, ok := s.market[key(pub+":"+offer+":"+sku)]
	if !ok || !strings.EqualFold(location, s.Location) {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "Artifact: VMImage was not found."))
		return
	}
	item := func(v string) map[string]any {
		return map[string]any{"name": v, "location": s.Location,
			"id":         fmt.Sprintf("/Subscriptions/%s/Providers/Microsoft.Compute/Locations/%s/Publishers/%s/ArtifactTypes/VMImage/Offers/%s/Skus/%s/Versions/%s", s.Subscription, s.Location, pub, offer, sku, v),
			"properties": map[string]any{"osDiskImage": map[string]any{"operatingSystem": "Linux", "sizeInGb": 30}, "hyperVGeneration": "V2"}}
	}
	if len(p) == 8 {
		out := []map[string]any{}
		for _, v := range versions {
			out = append(out, item(v))
		}
		writeJSON(w, http.StatusOK, out) // this list is a bare array, as ARM sends it
		return
	}
	for _, v := range versions {
		if v == p[8] {
			writeJSON(w, http.StatusOK, item(v))
			return
		}
	}
	writeErr(w, fail(http.StatusNotFound, "NotFound", "Artifact: VMImage was not found."))
}

// imageExists: a marketplace reference ("latest" is any version).
func (s *Server) imageExists(pub, offer, sku, version string) bool {
	versions := s.market[key(pub+":"+offer+":"+sku)]
	for _, v := range versions {
		if version == "latest" || v == version {
			return true
		}
	}
	return false
}

func (s *Server) vmSizes(w http.ResponseWriter, location string) {
	if !strings.EqualFold(location, s.Location) {
		writeErr(w, fail(http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type 'Microsoft.Compute/virtualMachines'.", location))
		return
	}
	var out []map[string]any
	for _, z := range s.sizes {
		out = append(out, map[string]any{"name": z.name, "numberOfCores": z.cores, "memoryInMB": z.memMB, "maxDataDiskCount": z.disks, "osDiskSizeInMB": 1047552, "resourceDiskSizeInMB": 0})
	}
	list(w, out, func(m map[string]any) string { return m["name"].(string) })
}

// usages answers the location's compute usage: the regional cores (the
// one quota the emulator keeps; no limit is 2^31-1 here).
func (s *Server) usages(w http.ResponseWriter, location string) {
	if !strings.EqualFold(location, s.Location) {
		writeErr(w, fail(http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type 'Microsoft.Compute/usages'.", location))
		return
	}
	limit := int64(s.quota)
	if limit == 0 {
		limit = 1<<31 - 1
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": []map[string]any{{
		"unit": "Count", "currentValue": s.coresUsed(), "limit": limit,
		"name": map[string]any{"value": "cores", "localizedValue": "Total Regional vCPUs"},
	}}})
}
