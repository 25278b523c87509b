package azure

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/vccproject/vcc/proto/provider"
)

func view(codes ...string) *armcompute.VirtualMachineInstanceView {
	iv := &armcompute.VirtualMachineInstanceView{}
	for _, c := range codes {
		iv.Statuses = append(iv.Statuses, &armcompute.InstanceViewStatus{Code: ptr(c), Message: ptr("Allocation failed.")})
	}
	return iv
}

func TestStateOf(t *testing.T) {
	for _, c := range []struct {
		spot      bool
		prov      string
		iv        *armcompute.VirtualMachineInstanceView
		want      provider.InstanceState
		hasReason bool
	}{
		{false, "Creating", view("ProvisioningState/creating", "PowerState/starting"), provider.InstancePending, false},
		{false, "", view("ProvisioningState/succeeded", "PowerState/running"), provider.InstanceRunning, false},
		{false, "", view("ProvisioningState/succeeded", "PowerState/deallocating"), provider.InstanceStopping, false},
		{false, "", view("ProvisioningState/succeeded", "PowerState/deallocated"), provider.InstanceStopped, false},
		{false, "", view("ProvisioningState/succeeded", "PowerState/stopped"), provider.InstanceStopped, false},
		{false, "", view("ProvisioningState/deleting", "PowerState/running"), provider.InstanceTerminating, false},
		{false, "", view("ProvisioningState/failed/AllocationFailed"), provider.InstanceError, true},
		{false, "", view("ProvisioningState/succeeded", "PowerState/hibernated"), provider.InstanceError, true},
		{false, "Succeeded", nil, provider.InstancePending, false},
		{true, "", view("ProvisioningState/succeeded", "PowerState/running"), provider.InstanceRunning, false},
		{true, "", view("ProvisioningState/succeeded", "PowerState/deallocated"), provider.InstanceError, true},
	} {
		p := New("t", c.spot)
		got, reason := p.stateOf(c.prov, c.iv)
		if got != c.want || (reason != "") != c.hasReason {
			t.Errorf("spot %v %s %v: %s %q, want %s (reason %v)", c.spot, c.prov, c.iv, got, reason, c.want, c.hasReason)
		}
	}
}
