package armemu_test

import (
	"context"
	b64 "encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/vccproject/vcc/plugins/azure/armemu"
	"github.com/vccproject/vcc/proto/providertest"
)

// benchDelay is how long the emulator's operations take in both
// benchmarks (the host's BenchmarkAzure100 runs armemu with it).
const benchDelay = 500 * time.Millisecond

// BenchmarkDirectSDK100 makes and deletes 100 nodes with the SDK calls
// the plugin makes (a NIC, then a VM with custom data; the VM's delete
// taking the NIC), 32 at a time as the controller's --provider-limit,
// polling each operation every 250 ms, against a fresh emulator; compare
// with the host's BenchmarkAzure100 (scripts/bench-compare.sh azure).
func BenchmarkDirectSDK100(b *testing.B) {
	s, err := armemu.Start(armemu.Config{Tenant: tenant, ClientID: "app", ClientSecret: "s3cret", Subscription: sub, Delay: benchDelay, Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if err := s.Seed(armemu.Network{Group: rg, VNet: "vnet", Subnet: "default", NSG: "nsg", CIDR: "10.1.0.0/24"}); err != nil {
		b.Fatal(err)
	}
	if err := s.AddImage("Canonical:ubuntu-24_04-lts:server:24.04.202501010"); err != nil {
		b.Fatal(err)
	}
	c := connect(b, s, "s3cret")
	userData := strings.Repeat("#cloud-config\n", 150) // about the Base container's cloud-init
	poll := &runtime.PollUntilDoneOptions{Frequency: 250 * time.Millisecond}
	ctx := context.Background()
	var total, creating time.Duration
	round := 0
	for b.Loop() {
		start := time.Now()
		providertest.Parallel(b, 100, func(i int) error {
			name := fmt.Sprintf("bench-%d-%d", round, i)
			nic := nicOf(b, c, name+"-nic", "")
			vm := vmOf(*nic.ID, "Standard_B1s", false)
			vm.Properties.OSProfile.ComputerName, vm.Properties.OSProfile.CustomData = &name, p(b64.StdEncoding.EncodeToString([]byte(userData)))
			vm.Properties.StorageProfile.OSDisk.Name = p(name + "-osdisk")
			poller, err := c.vms.BeginCreateOrUpdate(ctx, rg, name, vm, nil)
			if err != nil {
				return err
			}
			_, err = poller.PollUntilDone(ctx, poll)
			return err
		})
		creating += time.Since(start)
		providertest.Parallel(b, 100, func(i int) error {
			poller, err := c.vms.BeginDelete(ctx, rg, fmt.Sprintf("bench-%d-%d", round, i), nil)
			if err != nil {
				return err
			}
			_, err = poller.PollUntilDone(ctx, poll)
			return err
		})
		total += time.Since(start)
		round++
	}
	if left := s.Left(); len(left) != 0 {
		b.Fatalf("left: %v", left)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}
