package armemu

import (
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
)

// Runner runs VMs for real (as containers, say): the emulator tells it
// when a VM gets going, halts and goes away. Its calls happen under the
// emulator's lock: a Runner must return quickly.
type Runner interface {
	// Boot starts (or restarts) the VM on its NIC's address with its
	// custom data.
	Boot(id, name, ip, customData string) error
	Halt(id string)
	Remove(id string)
}

// SetRunner makes VMs run through r from now on.
func (s *Server) SetRunner(r Runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runner = r
}

// FailAllocations makes the next n VM creates fail at the end of their
// operation with AllocationFailed, as Azure's do when a cluster is full:
// the VM stays, provisioning state Failed.
func (s *Server) FailAllocations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allocFails = n
}

// provisioned ends a create.
func (s *Server) provisioned(v *vm) *apiError {
	if s.allocFails > 0 {
		s.allocFails--
		v.prov, v.power = "Failed", ""
		v.failure = fail(http.StatusConflict, "AllocationFailed", "Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance")
		return v.failure
	}
	v.prov = "Succeeded"
	return s.boot(v)
}

func (s *Server) boot(v *vm) *apiError {
	v.power = "running"
	s.diskState(v, armcompute.DiskStateAttached)
	if s.runner != nil {
		if err := s.runner.Boot(*v.m.ID, *v.m.Name, s.ipOf(v), v.customData); err != nil {
			v.prov, v.power = "Failed", "stopped"
			v.failure = fail(http.StatusInternalServerError, "VMStartFailed", "the VM did not start: %v", err)
			return v.failure
		}
	}
	return nil
}

// ipOf is the private IP of the VM's first NIC.
func (s *Server) ipOf(v *vm) string {
	for _, ref := range v.m.Properties.NetworkProfile.NetworkInterfaces {
		if _, n := s.nicByID(*ref.ID); n != nil {
			return deref(n.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
		}
	}
	return ""
}

func (s *Server) halt(v *vm, to string) *apiError {
	v.power = to
	if to == "deallocated" {
		s.diskState(v, armcompute.DiskStateReserved)
	}
	if s.runner != nil {
		s.runner.Halt(*v.m.ID)
	}
	return nil
}

func (s *Server) deleteVM(w http.ResponseWriter, v *vm) {
	if v.prov != "Deleting" {
		v.prov = "Deleting"
		s.startOp("Microsoft.Compute", s.Delay, func() *apiError { s.remove(v); return nil })
	}
	// Every delete answers its own operation; one that finds the VM
	// deleting already ends with the first one.
	s.accepted(w, http.StatusAccepted, s.startOp("Microsoft.Compute", s.Delay, nil), nil)
}

// remove deletes the VM and, by their delete options, its NICs and
// disks; the others are detached.
func (s *Server) remove(v *vm) {
	g := v.group
	if _, ok := g.vms[key(*v.m.Name)]; !ok {
		return
	}
	delete(g.vms, key(*v.m.Name))
	if s.runner != nil {
		s.runner.Remove(*v.m.ID)
	}
	for _, ref := range v.m.Properties.NetworkProfile.NetworkInterfaces {
		ng, n := s.nicByID(*ref.ID)
		if n == nil {
			continue
		}
		n.Properties.VirtualMachine = nil
		if ref.Properties != nil && ref.Properties.DeleteOption != nil && *ref.Properties.DeleteOption == armcompute.DeleteOptionsDelete {
			delete(ng.nics, key(*n.Name))
		}
	}
	sp := v.m.Properties.StorageProfile
	s.release(sp.OSDisk.ManagedDisk.ID, sp.OSDisk.DeleteOption)
	for _, dd := range sp.DataDisks {
		if dd.ManagedDisk != nil {
			s.release(dd.ManagedDisk.ID, dd.DeleteOption)
		}
	}
}

func (s *Server) release(id *string, opt *armcompute.DiskDeleteOptionTypes) {
	d := s.diskByID(deref(id))
	if d == nil {
		return
	}
	if opt != nil && *opt == armcompute.DiskDeleteOptionTypesDelete {
		ref, _ := parseID(*d.ID)
		delete(s.groups[ref.group].disks, ref.name)
		return
	}
	d.ManagedBy, d.Properties.DiskState = nil, ptr(armcompute.DiskStateUnattached)
}

// vmAction runs start, deallocate, powerOff, restart and
// simulateEviction.
func (s *Server) vmAction(w http.ResponseWriter, v *vm, action string) {
	name := *v.m.Name
	if v.prov == "Deleting" {
		writeErr(w, fail(http.StatusConflict, "OperationNotAllowed", "Operation '%s' is not allowed on VM '%s' since the VM is marked for deletion. You can only retry the Delete operation (or wait for an ongoing one to complete).", action, name))
		return
	}
	var o *op
	switch action {
	case "start":
		if v.power != "running" {
			v.power = "starting"
		}
		o = s.startOp("Microsoft.Compute", s.Delay, func() *apiError { return s.boot(v) })
	case "deallocate":
		v.power = "deallocating"
		o = s.startOp("Microsoft.Compute", s.Delay, func() *apiError { return s.halt(v, "deallocated") })
	case "poweroff":
		v.power = "stopping"
		o = s.startOp("Microsoft.Compute", s.Delay, func() *apiError { return s.halt(v, "stopped") })
	case "restart":
		if v.power != "running" {
			writeErr(w, fail(http.StatusConflict, "OperationNotAllowed", "Operation 'restart' is not allowed on VM '%s' since the VM is %s.", name, v.power))
			return
		}
		v.power = "starting"
		o = s.startOp("Microsoft.Compute", s.Delay, func() *apiError { return s.boot(v) })
	case "simulateeviction":
		s.evict(w, v)
		return
	default:
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no action %q", action))
		return
	}
	s.accepted(w, http.StatusAccepted, o, nil)
}

// evict is Azure's simulated eviction of a Spot VM: by its eviction
// policy it is deallocated (and stays) or deleted with what is set to
// go with it.
func (s *Server) evict(w http.ResponseWriter, v *vm) {
	if e := s.evictVM(v); e != nil {
		writeErr(w, e)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) evictVM(v *vm) *apiError {
	p := v.m.Properties
	if p.Priority == nil || *p.Priority != armcompute.VirtualMachinePriorityTypesSpot {
		return fail(http.StatusConflict, "OperationNotAllowed", "Simulate Eviction operation is only supported for Spot VMs; VM '%s' is not a Spot VM.", *v.m.Name)
	}
	s.startOp("Microsoft.Compute", s.Delay, func() *apiError {
		v.evicted = true
		if p.EvictionPolicy != nil && *p.EvictionPolicy == armcompute.VirtualMachineEvictionPolicyTypesDelete {
			s.remove(v)
			return nil
		}
		return s.halt(v, "deallocated")
	})
	return nil
}

// Evict evicts the Spot VM name of group after the emulator's delay.
func (s *Server) Evict(group, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[key(group)]
	if !ok {
		return fail(http.StatusNotFound, "ResourceGroupNotFound", "no group %q", group)
	}
	v, ok := g.vms[key(name)]
	if !ok {
		return notFound("Microsoft.Compute/virtualMachines", name, group)
	}
	if e := s.evictVM(v); e != nil {
		return e
	}
	return nil
}

// listAllVMs is the subscription's VMs; statusOnly=true gives each one's
// instance view (the cheap way to poll many VMs' power states).
func (s *Server) listAllVMs(w http.ResponseWriter, r *http.Request) {
	statusOnly := strings.EqualFold(r.URL.Query().Get("statusOnly"), "true")
	var all []armcompute.VirtualMachine
	for _, g := range s.groups {
		for _, v := range g.vms {
			m := v.render(statusOnly)
			if statusOnly {
				m = armcompute.VirtualMachine{ID: m.ID, Name: m.Name, Type: m.Type, Location: m.Location,
					Properties: &armcompute.VirtualMachineProperties{InstanceView: m.Properties.InstanceView}}
			}
			all = append(all, m)
		}
	}
	list(w, all, func(m armcompute.VirtualMachine) string { return *m.ID })
}
