package azure

import (
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// statusOf reports a VM from its model and instance view (nil: the
// provisioning state alone).
func (p *Provider) statusOf(vm *armcompute.VirtualMachine, iv *armcompute.VirtualMachineInstanceView) provider.NodeStatus {
	t := fromAz(vm.Tags)
	st := provider.NodeStatus{NodeID: tags.NodeID(t), CloudInstanceID: deref(vm.ID), CloudInstanceName: deref(vm.Name), Tags: t}
	prov := ""
	if vm.Properties != nil {
		prov = deref(vm.Properties.ProvisioningState)
	}
	st.State, st.StateReason = p.stateOf(prov, iv)
	if vm.Properties != nil && vm.Properties.StorageProfile != nil {
		st.AttachedDisks = attached(vm.Properties.StorageProfile.DataDisks)
	}
	return st
}

// attached are the VM's data disks. Inside a Linux VM, Azure's udev rules
// name a data disk by its LUN: /dev/disk/azure/scsi1/lun<N>.
func attached(disks []*armcompute.DataDisk) []provider.DiskAttachment {
	var out []provider.DiskAttachment
	for _, d := range disks {
		if d == nil || d.ManagedDisk == nil || d.ManagedDisk.ID == nil || d.Lun == nil {
			continue
		}
		out = append(out, provider.DiskAttachment{CloudDiskID: *d.ManagedDisk.ID, Device: fmt.Sprintf("/dev/disk/azure/scsi1/lun%d", *d.Lun)})
	}
	return out
}

// stateOf maps a VM's provisioning state and power state onto the
// protocol's; one this plugin does not know is an error with Azure's
// words, never a guess.
func (p *Provider) stateOf(prov string, iv *armcompute.VirtualMachineInstanceView) (provider.InstanceState, string) {
	power, failed := "", ""
	if iv != nil {
		for _, s := range iv.Statuses {
			code := deref(s.Code)
			if rest, ok := strings.CutPrefix(code, "PowerState/"); ok {
				power = rest
			}
			if rest, ok := strings.CutPrefix(code, "ProvisioningState/"); ok {
				if prov == "" {
					prov, _, _ = strings.Cut(rest, "/")
				}
				if strings.HasPrefix(rest, "failed") {
					failed = strings.TrimPrefix(strings.TrimPrefix(rest, "failed"), "/") + ": " + deref(s.Message)
				}
			}
		}
	}
	switch strings.ToLower(prov) {
	case "deleting":
		return provider.InstanceTerminating, ""
	case "failed":
		return provider.InstanceError, "Azure failed to provision the VM: " + strings.TrimPrefix(failed, ": ")
	case "creating":
		return provider.InstancePending, ""
	}
	switch power {
	case "running":
		return provider.InstanceRunning, ""
	case "starting", "":
		return provider.InstancePending, ""
	case "stopping", "deallocating":
		if p.spot && power == "deallocating" {
			return provider.InstanceError, "Azure is evicting the Spot VM (capacity or price): deallocating"
		}
		return provider.InstanceStopping, ""
	case "stopped", "deallocated":
		if p.spot {
			// azure_spot has no power calls: a deallocated Spot VM
			// was evicted.
			return provider.InstanceError, "Azure evicted the Spot VM (capacity or price above spot_price): it is " + power
		}
		return provider.InstanceStopped, ""
	}
	return provider.InstanceError, "Azure reports power state " + power
}
