package main_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// BenchmarkOpenStack100 creates a unit of 100 openstack nodes through the
// API against a fresh emulator (osemu, its default delays), waits,
// deletes it and waits until the servers are gone; compare with the
// plugin module's BenchmarkDirectSDK100 (the same gophercloud calls made
// directly on the same emulator); plugins/openstack/scripts/bench-compare.sh
// runs both in alternation and prints the ratio.
func BenchmarkOpenStack100(b *testing.B) {
	var args []string
	if d := os.Getenv("OSEMU_BOOT_DELAY"); d != "" { // as the direct side (osemu's benchOptions)
		args = []string{"-boot-delay", d}
	}
	emu := testenv.StartOSEmu(b, args...)
	h := testenv.StartHostWith(b, "openstack:\n  default:\n"+openstackEntry(emu), map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(b)},
		"--reconcile-interval", "0", "--serf-listen", "off", "--provider-limit", strconv.Itoa(benchLimit))
	c := context.Background()
	for k, v := range openstackKey {
		if err := h.Client.PutCredential(c, "openstack", k, v); err != nil {
			b.Fatal(err)
		}
	}
	vc, err := h.Client.CreateUnitGroup(c, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var total, creating time.Duration
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("u%d", i)
		i++
		start := time.Now()
		acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: "openstack", Flavor: "small",
			Spec: map[string]any{"num_nodes": 100}})
		if err != nil {
			b.Fatal(err)
		}
		if op, err := h.Client.Wait(c, acc.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("create: %+v %v", op, err)
		}
		creating += time.Since(start)
		del, err := h.Client.DeleteUnit(c, vc.VCID, name, true)
		if err != nil {
			b.Fatal(err)
		}
		if op, err := h.Client.Wait(c, del.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("delete: %+v %v", op, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}
