package armemu

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The emulator's own control paths under /_emu/, for tests that run it
// as a process (as moto's /moto-api/): what it holds, and what Azure
// does on its own (evictions, a VM deleted by someone else). They are
// not Azure's API and need no token.

// Resource is one VM, NIC or disk the emulator holds.
type Resource struct {
	Kind  string            `json:"kind"` // vm, nic, disk
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Tags  map[string]string `json:"tags,omitempty"`
	State string            `json:"state,omitempty"` // a VM's provisioning/power state
	IP    string            `json:"ip,omitempty"`    // a NIC's private IP
	VM    string            `json:"vm,omitempty"`    // a NIC's or disk's VM
	Zone  string            `json:"zone,omitempty"`  // a disk's or VM's zone
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	q := r.URL.Query()
	switch {
	case len(p) == 2 && p[1] == "resources" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.resources())
	case len(p) == 2 && p[1] == "fail" && r.Method == http.MethodPost:
		// n requests of method whose path contains path fail with
		// status and code; n=0 clears every such fault.
		n, _ := strconv.Atoi(q.Get("n"))
		status, _ := strconv.Atoi(q.Get("status"))
		s.faults.mu.Lock()
		if n == 0 {
			s.faults.list = nil
		}
		s.faults.mu.Unlock()
		if n > 0 {
			s.Fail(q.Get("method"), q.Get("path"), n, status, q.Get("code"), "the emulator was told to fail this request")
		}
		w.WriteHeader(http.StatusNoContent)
	case len(p) == 2 && (p[1] == "evict" || p[1] == "delete") && r.Method == http.MethodPost:
		g, ok := s.groups[key(q.Get("group"))]
		if !ok {
			writeErr(w, fail(http.StatusNotFound, "ResourceGroupNotFound", "no group %q", q.Get("group")))
			return
		}
		v, ok := g.vms[key(q.Get("vm"))]
		if !ok {
			writeErr(w, notFound("Microsoft.Compute/virtualMachines", q.Get("vm"), g.name))
			return
		}
		switch {
		case p[1] == "evict":
			s.evict(w, v)
			return
		case q.Get("crash") == "true":
			// The VM goes down by itself (its host failed, its OS
			// halted): Azure reports it stopped.
			_ = s.halt(v, "stopped")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.remove(v)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no such control path"))
	}
}

// Resources lists what the emulator holds (but what Seed* made).
func (s *Server) Resources() []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	return s.resources()
}

func (s *Server) resources() []Resource {
	out := []Resource{}
	for _, g := range s.groups {
		for _, v := range g.vms {
			st := strings.ToLower(v.prov)
			if v.power != "" {
				st += "/" + v.power
			}
			out = append(out, Resource{Kind: "vm", ID: *v.m.ID, Name: *v.m.Name, Tags: plain(v.m.Tags), State: st, Zone: zoneOf(v.m.Zones)})
		}
		for _, n := range g.nics {
			r := Resource{Kind: "nic", ID: *n.ID, Name: *n.Name, Tags: plain(n.Tags), IP: *n.Properties.IPConfigurations[0].Properties.PrivateIPAddress}
			if n.Properties.VirtualMachine != nil {
				r.VM = *n.Properties.VirtualMachine.ID
			}
			out = append(out, r)
		}
		for _, d := range g.disks {
			if d.Tags[seededTag] == nil {
				out = append(out, diskResource(d))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Disks lists every managed disk, seeded ones too.
func (s *Server) Disks() []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	var out []Resource
	for _, g := range s.groups {
		for _, d := range g.disks {
			out = append(out, diskResource(d))
		}
	}
	return out
}

func plain(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}
