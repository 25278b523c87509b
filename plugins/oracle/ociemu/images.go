package ociemu

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Image is an image as OCI's API shows it. Oracle's platform images have
// no compartment.
type Image struct {
	ID                     string    `json:"id"`
	CompartmentID          *string   `json:"compartmentId"`
	DisplayName            string    `json:"displayName"`
	OperatingSystem        string    `json:"operatingSystem"`
	OperatingSystemVersion string    `json:"operatingSystemVersion"`
	LifecycleState         string    `json:"lifecycleState"`
	SizeInMBs              int64     `json:"sizeInMBs"`
	CreateImageAllowed     bool      `json:"createImageAllowed"`
	TimeCreated            time.Time `json:"timeCreated"`
}

type image = Image

// AddImage adds an AVAILABLE image: a platform image of Oracle's when
// platform is true, else a custom image of the tenancy. created orders
// images of one name (the newest is listed first).
func (s *Server) AddImage(name, os, version string, platform bool, created time.Time) string {
	id := s.ocid("image")
	img := &image{ID: id, DisplayName: name, OperatingSystem: os, OperatingSystemVersion: version,
		LifecycleState: "AVAILABLE", SizeInMBs: 47694, CreateImageAllowed: true, TimeCreated: created.UTC()}
	if !platform {
		t := s.opt.Tenancy
		img.CompartmentID = &t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images[id] = img
	return id
}

// listImages answers the compartment's images and Oracle's platform
// images, newest first (sortBy TIMECREATED, sortOrder DESC by default).
func (s *Server) listImages(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	comp := q.Get("compartmentId")
	if comp == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.compartment[comp] {
		return 0, nil, notFound()
	}
	out := []Image{}
	for _, img := range s.images {
		if (img.CompartmentID != nil && *img.CompartmentID != comp) || !matches(q.Get("displayName"), img.DisplayName) ||
			!matches(q.Get("operatingSystem"), img.OperatingSystem) || !matches(q.Get("lifecycleState"), img.LifecycleState) {
			continue
		}
		out = append(out, *img)
	}
	asc := strings.EqualFold(q.Get("sortOrder"), "ASC")
	byName := strings.EqualFold(q.Get("sortBy"), "DISPLAYNAME")
	sort.Slice(out, func(i, j int) bool {
		less := out[i].TimeCreated.Before(out[j].TimeCreated)
		if byName {
			less = out[i].DisplayName < out[j].DisplayName
		}
		return less == asc
	})
	return page(r, out)
}

func (s *Server) getImage(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := s.images[r.PathValue("id")]
	if img == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, etagged{*img, img.ID}, nil
}

// Shape is a shape as ListShapes shows it.
type Shape struct {
	Shape       string  `json:"shape"`
	IsFlexible  bool    `json:"isFlexible"`
	Ocpus       float32 `json:"ocpus"`
	MemoryInGBs float32 `json:"memoryInGBs"`
	OcpuOptions *struct {
		Min float32 `json:"min"`
		Max float32 `json:"max"`
	} `json:"ocpuOptions,omitempty"`
	MemoryOptions *struct {
		MinInGBs        float32 `json:"minInGBs"`
		MaxInGBs        float32 `json:"maxInGBs"`
		MinPerOcpuInGBs float32 `json:"minPerOcpuInGBs"`
		MaxPerOcpuInGBs float32 `json:"maxPerOcpuInGBs"`
	} `json:"memoryOptions,omitempty"`
}

// shapes are the shapes this emulated region offers: fixed ones with
// their size, flexible ones with their limits.
var shapes = func() []Shape {
	fixed := []struct {
		name      string
		ocpu, mem float32
	}{
		{"VM.Standard.E2.1", 1, 8}, {"VM.Standard.E2.2", 2, 16}, {"VM.Standard.E2.4", 4, 32}, {"VM.Standard.E2.8", 8, 64},
		{"VM.Standard.E2.1.Micro", 1, 1}, {"VM.Standard1.1", 1, 7}, {"VM.Standard2.1", 1, 15}, {"VM.Standard2.2", 2, 30},
	}
	var out []Shape
	for _, f := range fixed {
		out = append(out, Shape{Shape: f.name, Ocpus: f.ocpu, MemoryInGBs: f.mem})
	}
	for _, f := range []struct {
		name    string
		maxOcpu float32
	}{{"VM.Standard.E3.Flex", 64}, {"VM.Standard.E4.Flex", 64}, {"VM.Standard.E5.Flex", 94}, {"VM.Standard3.Flex", 32}, {"VM.Standard.A1.Flex", 80}} {
		sh := Shape{Shape: f.name, IsFlexible: true, Ocpus: 1, MemoryInGBs: 16}
		sh.OcpuOptions = &struct {
			Min float32 `json:"min"`
			Max float32 `json:"max"`
		}{1, f.maxOcpu}
		sh.MemoryOptions = &struct {
			MinInGBs        float32 `json:"minInGBs"`
			MaxInGBs        float32 `json:"maxInGBs"`
			MinPerOcpuInGBs float32 `json:"minPerOcpuInGBs"`
			MaxPerOcpuInGBs float32 `json:"maxPerOcpuInGBs"`
		}{1, 1024, 1, 64}
		out = append(out, sh)
	}
	return out
}()

func shapeOf(name string) *Shape {
	for i := range shapes {
		if shapes[i].Shape == name {
			return &shapes[i]
		}
	}
	return nil
}

// checkShape refuses an unknown shape, a flexible one without its size
// and a fixed one with a size, as OCI does.
func checkShape(name string, cfg *ShapeConfig) error {
	sh := shapeOf(name)
	switch {
	case sh == nil:
		return apiError{http.StatusNotFound, "NotAuthorizedOrNotFound", "Shape " + name + " not found."}
	case !sh.IsFlexible && cfg != nil && (cfg.Ocpus != 0 || cfg.MemoryInGBs != 0):
		return invalid("Shape " + name + " is not a flexible shape: shapeConfig must not be set.")
	case !sh.IsFlexible:
		return nil
	case cfg == nil || cfg.Ocpus == 0:
		return invalid("Shape " + name + " is a flexible shape: shapeConfig.ocpus is required.")
	case cfg.Ocpus < sh.OcpuOptions.Min || cfg.Ocpus > sh.OcpuOptions.Max:
		return invalid(fmt.Sprintf("shapeConfig.ocpus must be between %g and %g for %s.", sh.OcpuOptions.Min, sh.OcpuOptions.Max, name))
	case cfg.MemoryInGBs != 0 && (cfg.MemoryInGBs < cfg.Ocpus*sh.MemoryOptions.MinPerOcpuInGBs || cfg.MemoryInGBs > cfg.Ocpus*sh.MemoryOptions.MaxPerOcpuInGBs ||
		cfg.MemoryInGBs > sh.MemoryOptions.MaxInGBs):
		return invalid(fmt.Sprintf("shapeConfig.memoryInGBs must be between %g and %g GB per OCPU for %s.",
			sh.MemoryOptions.MinPerOcpuInGBs, sh.MemoryOptions.MaxPerOcpuInGBs, name))
	}
	return nil
}

// shapeConfigOf is the size an instance of a shape gets.
func shapeConfigOf(name string, cfg *ShapeConfig) *ShapeConfig {
	sh := shapeOf(name)
	if sh == nil {
		return nil
	}
	if !sh.IsFlexible {
		return &ShapeConfig{Ocpus: sh.Ocpus, MemoryInGBs: sh.MemoryInGBs}
	}
	out := *cfg
	if out.MemoryInGBs == 0 {
		out.MemoryInGBs = out.Ocpus * 16
	}
	return &out
}

func (s *Server) listShapes(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	if q.Get("compartmentId") == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.compartment[q.Get("compartmentId")] {
		return 0, nil, notFound()
	}
	if ad := q.Get("availabilityDomain"); ad != "" && !contains(s.opt.ADs, ad) {
		return 0, nil, invalid("Invalid availabilityDomain: " + ad + ".")
	}
	return page(r, shapes)
}

// AvailabilityDomain is an AD as Identity's API shows it.
type AvailabilityDomain struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	CompartmentID string `json:"compartmentId"`
}

func (s *Server) listADs(r *http.Request, _ []byte) (int, any, error) {
	comp := r.URL.Query().Get("compartmentId")
	if comp == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.compartment[comp] {
		return 0, nil, notFound()
	}
	out := []AvailabilityDomain{}
	for i, name := range s.opt.ADs {
		out = append(out, AvailabilityDomain{ID: fmt.Sprintf("ocid1.availabilitydomain.oc1..ad%d", i+1), Name: name, CompartmentID: s.opt.Tenancy})
	}
	return http.StatusOK, out, nil
}

// page cuts a list by OCI's limit and page parameters; the next page's
// token is in opc-next-page.
func page[T any](r *http.Request, all []T) (int, any, error) {
	q := r.URL.Query()
	start := 0
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > len(all) {
			return 0, nil, invalid("Invalid page token " + p + ".")
		}
		start = n
	}
	limit := 1000
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return 0, nil, invalid("limit must be a positive number.")
		}
		limit = min(n, 1000)
	}
	end := min(start+limit, len(all))
	items := all[start:end]
	if items == nil {
		items = []T{}
	}
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return http.StatusOK, paged{items, next}, nil
}
