package azure

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// TestDiskStatus: a managed disk's provisioning state, zone, size, type
// and holder as the host sees them.
func TestDiskStatus(t *testing.T) {
	const vm = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v"
	disk := func(prov string, zone string, sku armcompute.DiskStorageAccountTypes, holder string) *armcompute.Disk {
		d := &armcompute.Disk{ID: ptr("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d"), Name: ptr("d"),
			Tags: map[string]*string{provider.TagNodeID: ptr("n1")}, SKU: &armcompute.DiskSKU{Name: &sku},
			Properties: &armcompute.DiskProperties{DiskSizeGB: ptr[int32](8), ProvisioningState: &prov}}
		if zone != "" {
			d.Zones = []*string{&zone}
		}
		if holder != "" {
			d.ManagedBy = &holder
		}
		return d
	}
	for _, c := range []struct {
		name  string
		disk  *armcompute.Disk
		state provider.InstanceState
		want  provider.DiskStatus
	}{
		{"creating", disk("Creating", "1", "Standard_LRS", ""), provider.InstancePending, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-1", Type: "Standard_LRS"}},
		{"available", disk("Succeeded", "2", "Premium_LRS", ""), provider.InstanceRunning, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-2", Type: "Premium_LRS"}},
		{"zone-redundant", disk("Succeeded", "", "StandardSSD_ZRS", ""), provider.InstanceRunning, provider.DiskStatus{SizeGB: 8, Zone: "japaneast", Type: "StandardSSD_ZRS"}},
		{"attached", disk("Succeeded", "1", "Standard_LRS", vm), provider.InstanceRunning, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-1", Type: "Standard_LRS", AttachedTo: vm}},
		{"resized", disk("Updating", "1", "Standard_LRS", ""), provider.InstanceRunning, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-1", Type: "Standard_LRS"}},
		{"deleting", disk("Deleting", "1", "Standard_LRS", ""), provider.InstanceTerminating, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-1", Type: "Standard_LRS"}},
		{"failed", disk("Failed", "1", "Standard_LRS", ""), provider.InstanceError, provider.DiskStatus{SizeGB: 8, Zone: "japaneast-1", Type: "Standard_LRS"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := diskStatus(c.disk, "japaneast")
			if st.State != c.state || st.NodeID != "n1" || st.CloudInstanceName != "d" || (st.State == provider.InstanceError) != (st.StateReason != "") {
				t.Errorf("state %s (%q), node %q, name %q; want %s", st.State, st.StateReason, st.NodeID, st.CloudInstanceName, c.state)
			}
			if d := cmp.Diff(c.want, *st.Disk); d != "" {
				t.Errorf("disk (-want +got):\n%s", d)
			}
		})
	}
}
