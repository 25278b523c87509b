package armemu

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// vm is a virtual machine: its model as PUT (secrets dropped, as ARM
// never returns them) and its state.
type vm struct {
	m          armcompute.VirtualMachine
	group      *group
	prov       string // Creating, Succeeded, Failed, Deleting
	power      string // starting, running, stopping, stopped, deallocating, deallocated
	failure    *apiError
	customData string // decoded, for a Runner
	evicted    bool
}

func (s *Server) vmRoute(w http.ResponseWriter, r *http.Request, g *group, name string, rest []string) {
	v := g.vms[key(name)]
	switch {
	case name == "" && r.Method == http.MethodGet:
		var all []armcompute.VirtualMachine
		for _, v := range g.vms {
			all = append(all, v.render(false))
		}
		list(w, all, func(m armcompute.VirtualMachine) string { return *m.ID })
	case r.Method == http.MethodPut && len(rest) == 0:
		s.putVM(w, r, g, name, v)
	case v == nil && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case v == nil:
		writeErr(w, notFound("Microsoft.Compute/virtualMachines", name, g.name))
	case r.Method == http.MethodGet && len(rest) == 0:
		writeJSON(w, http.StatusOK, v.render(r.URL.Query().Get("$expand") == "instanceView"))
	case r.Method == http.MethodGet && len(rest) == 1 && strings.EqualFold(rest[0], "instanceView"):
		writeJSON(w, http.StatusOK, v.instanceView())
	case r.Method == http.MethodDelete && len(rest) == 0:
		s.deleteVM(w, v)
	case r.Method == http.MethodPost && len(rest) == 1:
		s.vmAction(w, v, key(rest[0]))
	default:
		methodNotAllowed(w, r)
	}
}

// putVM creates a VM, or answers the one of that name (ARM's PUT is
// idempotent by name: a retried create changes nothing).
func (s *Server) putVM(w http.ResponseWriter, r *http.Request, g *group, name string, cur *vm) {
	var in armcompute.VirtualMachine
	if e := decode(r, &in); e != nil {
		writeErr(w, e)
		return
	}
	if cur != nil {
		if cur.prov == "Deleting" {
			writeErr(w, fail(http.StatusConflict, "OperationNotAllowed", "Operation 'PUT' is not allowed on VM '%s' since the VM is marked for deletion. You can only retry the Delete operation (or wait for an ongoing one to complete).", name))
			return
		}
		s.updateVM(w, cur, &in)
		return
	}
	v, e := s.checkVM(g, name, &in)
	if e != nil {
		writeErr(w, e)
		return
	}
	s.attach(v)
	g.vms[key(name)] = v
	o := s.startOp("Microsoft.Compute", s.Delay, func() *apiError { return s.provisioned(v) })
	s.accepted(w, http.StatusCreated, o, v.render(false))
}

// checkVM refuses what ARM refuses, with its codes, and returns the VM
// to make.
func (s *Server) checkVM(g *group, name string, in *armcompute.VirtualMachine) (*vm, *apiError) {
	bad := func(format string, args ...any) *apiError {
		return fail(http.StatusBadRequest, "InvalidParameter", format, args...)
	}
	p := in.Properties
	switch {
	case in.Location == nil || *in.Location == "":
		return nil, fail(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
	case !strings.EqualFold(*in.Location, s.Location):
		return nil, fail(http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type 'Microsoft.Compute/virtualMachines'.", *in.Location)
	case len(name) > 64:
		return nil, bad("The name of the VM %q is longer than 64 characters.", name)
	case p == nil || p.HardwareProfile == nil || p.HardwareProfile.VMSize == nil:
		return nil, bad("Required parameter 'hardwareProfile.vmSize' is missing (null).")
	case p.StorageProfile == nil || p.StorageProfile.ImageReference == nil:
		return nil, bad("Required parameter 'storageProfile.imageReference' is missing (null).")
	case p.OSProfile == nil || deref(p.OSProfile.AdminUsername) == "" || deref(p.OSProfile.ComputerName) == "":
		return nil, bad("Required parameters 'osProfile.computerName' and 'osProfile.adminUsername' are missing (null).")
	case p.NetworkProfile == nil || len(p.NetworkProfile.NetworkInterfaces) == 0:
		return nil, bad("Required parameter 'networkProfile.networkInterfaces' is missing (null).")
	}
	z, ok := s.sizes[key(string(*p.HardwareProfile.VMSize))]
	if !ok {
		return nil, bad("The value %s provided for the VM size is not valid. The valid sizes in the current region are: %s.", *p.HardwareProfile.VMSize, s.sizeNames())
	}
	if z.restricted {
		return nil, fail(http.StatusConflict, "SkuNotAvailable", "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: %s' is currently not available in location '%s'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details.", z.name, s.Location)
	}
	if n := len(p.StorageProfile.DataDisks); n > z.disks {
		return nil, fail(http.StatusConflict, "OperationNotAllowed", "The maximum number of data disks allowed to be attached to a VM of this size is %d.", z.disks)
	}
	if u := deref(p.OSProfile.AdminUsername); u == "root" || u == "admin" || u == "administrator" {
		return nil, bad("The Admin Username specified is not allowed.")
	}
	if e := s.checkImage(g, p.StorageProfile); e != nil {
		return nil, e
	}
	v := &vm{group: g, prov: "Creating", power: "starting"}
	if cd := deref(p.OSProfile.CustomData); cd != "" {
		raw, err := base64.StdEncoding.DecodeString(cd)
		if err != nil || len(cd) > 87380 {
			return nil, bad("Custom data in OSProfile must be in Base64 encoding and with a maximum length of 87380 characters.")
		}
		v.customData = string(raw)
	}
	if e := checkSpot(p); e != nil {
		return nil, e
	}
	if e := s.checkNICs(p.NetworkProfile); e != nil {
		return nil, e
	}
	if e := s.checkDataDisks(s.rid(g, "Microsoft.Compute/virtualMachines", name), z.name, in.Zones, p.StorageProfile.DataDisks); e != nil {
		return nil, e
	}
	if used := s.coresUsed(); s.quota > 0 && used+z.cores > s.quota {
		return nil, fail(http.StatusConflict, "OperationNotAllowed", "Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: %s, Current Limit: %d, Current Usage: %d, Additional Required: %d, (Minimum) New Limit Required: %d. Submit a request for Quota increase at https://aka.ms/ProdportalCRP.", s.Location, s.quota, used, z.cores, used+z.cores)
	}
	id := s.rid(g, "Microsoft.Compute/virtualMachines", name)
	in.ID, in.Name, in.Type = &id, &name, ptr("Microsoft.Compute/virtualMachines")
	p.VMID, p.TimeCreated = ptr(newID()), ptr(s.now().UTC())
	p.OSProfile.AdminPassword, p.OSProfile.CustomData = nil, nil // ARM never returns them
	v.m = *in
	return v, nil
}

func checkSpot(p *armcompute.VirtualMachineProperties) *apiError {
	spot := p.Priority != nil && *p.Priority == armcompute.VirtualMachinePriorityTypesSpot
	if !spot {
		if p.EvictionPolicy != nil || p.BillingProfile != nil {
			return fail(http.StatusBadRequest, "InvalidParameter", "Eviction policy and billing profile can be set only for Spot VMs (priority Spot).")
		}
		return nil
	}
	if p.EvictionPolicy == nil {
		p.EvictionPolicy = ptr(armcompute.VirtualMachineEvictionPolicyTypesDeallocate)
	}
	if b := p.BillingProfile; b != nil && b.MaxPrice != nil && *b.MaxPrice != -1 && *b.MaxPrice < 0.00001 {
		return fail(http.StatusBadRequest, "InvalidParameter", "Max price %v is not valid: give -1 (up to the on-demand price) or a price of at least 0.00001 USD per hour.", *b.MaxPrice)
	}
	return nil
}

func (s *Server) checkNICs(np *armcompute.NetworkProfile) *apiError {
	for _, ref := range np.NetworkInterfaces {
		_, n := s.nicByID(deref(ref.ID))
		switch {
		case n == nil:
			return fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %s referenced by the virtual machine was not found.", deref(ref.ID))
		case n.Properties.VirtualMachine != nil:
			return fail(http.StatusBadRequest, "NicInUse", "Network Interface %s is used by existing resource %s.", *n.ID, *n.Properties.VirtualMachine.ID)
		}
	}
	return nil
}

func (s *Server) sizeNames() string {
	var n []string
	for _, z := range s.sizes {
		n = append(n, z.name)
	}
	return strings.Join(n, ",")
}

// coresUsed: cores of the VMs that hold compute (not deallocated).
func (s *Server) coresUsed() int {
	n := 0
	for _, g := range s.groups {
		for _, v := range g.vms {
			if v.power != "deallocated" {
				n += s.sizes[key(string(*v.m.Properties.HardwareProfile.VMSize))].cores
			}
		}
	}
	return n
}

// attach joins the VM's NICs and disks to it, and makes its OS disk.
func (s *Server) attach(v *vm) {
	vmRef := &armnetwork.SubResource{ID: v.m.ID}
	for _, ref := range v.m.Properties.NetworkProfile.NetworkInterfaces {
		_, n := s.nicByID(*ref.ID)
		n.Properties.VirtualMachine = vmRef
	}
	sp := v.m.Properties.StorageProfile
	if sp.OSDisk == nil {
		sp.OSDisk = &armcompute.OSDisk{CreateOption: ptr(armcompute.DiskCreateOptionTypesFromImage)}
	}
	od := sp.OSDisk
	if od.Name == nil {
		od.Name = ptr(fmt.Sprintf("%s_OsDisk_1_%s", *v.m.Name, strings.ReplaceAll(newID(), "-", "")))
	}
	if od.DiskSizeGB == nil {
		od.DiskSizeGB = ptr[int32](30)
	}
	if od.ManagedDisk == nil {
		od.ManagedDisk = &armcompute.ManagedDiskParameters{}
	}
	if od.ManagedDisk.StorageAccountType == nil {
		od.ManagedDisk.StorageAccountType = ptr(armcompute.StorageAccountTypesStandardLRS)
	}
	od.OSType = ptr(armcompute.OperatingSystemTypesLinux)
	d := s.newDisk(v.group, *od.Name, *od.DiskSizeGB, armcompute.DiskStorageAccountTypes(*od.ManagedDisk.StorageAccountType), nil)
	d.ManagedBy, d.Properties.DiskState, d.Zones = v.m.ID, ptr(armcompute.DiskStateAttached), v.m.Zones
	od.ManagedDisk.ID = d.ID
	s.attachData(v, sp.DataDisks)
}

// render is the VM as ARM answers it.
func (v *vm) render(expand bool) armcompute.VirtualMachine {
	raw, _ := json.Marshal(v.m)
	var out armcompute.VirtualMachine
	_ = json.Unmarshal(raw, &out)
	out.Properties.ProvisioningState = ptr(v.prov)
	if expand {
		out.Properties.InstanceView = ptr(v.instanceView())
	}
	return out
}

// instanceView says the provisioning and power states.
func (v *vm) instanceView() armcompute.VirtualMachineInstanceView {
	prov := &armcompute.InstanceViewStatus{Code: ptr("ProvisioningState/" + strings.ToLower(v.prov)), Level: ptr(armcompute.StatusLevelTypesInfo),
		DisplayStatus: ptr("Provisioning " + strings.ToLower(v.prov))}
	if v.prov == "Creating" || v.prov == "Deleting" {
		prov.DisplayStatus = ptr(v.prov)
	}
	if v.failure != nil {
		prov.Code, prov.Level = ptr("ProvisioningState/failed/"+v.failure.Code), ptr(armcompute.StatusLevelTypesError)
		prov.DisplayStatus, prov.Message = ptr("Provisioning failed"), ptr(v.failure.Message)
	}
	iv := armcompute.VirtualMachineInstanceView{ComputerName: v.m.Properties.OSProfile.ComputerName, Statuses: []*armcompute.InstanceViewStatus{prov}}
	if v.power != "" {
		iv.Statuses = append(iv.Statuses, &armcompute.InstanceViewStatus{Code: ptr("PowerState/" + v.power), Level: ptr(armcompute.StatusLevelTypesInfo),
			DisplayStatus: ptr("VM " + v.power)})
	}
	return iv
}
