package main_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkOpenStack100 creates a unit of 100 openstack nodes through the
// API against a fresh emulator (osemu, its default delays or the boot
// delay of OSEMU_BOOT_DELAY), waits, deletes it and waits until the
// servers are gone; compare with the plugin module's BenchmarkDirectSDK100
// (the same gophercloud calls made directly on the same emulator):
// `scripts/bench-compare.sh openstack` runs both in alternation.
func BenchmarkOpenStack100(b *testing.B) {
	var args []string
	if d := os.Getenv("OSEMU_BOOT_DELAY"); d != "" { // as the direct side (osemu's benchOptions)
		args = []string{"-boot-delay", d}
	}
	emu := testenv.StartOSEmu(b, args...)
	h := testenv.StartHostWith(b, "openstack:\n  default:\n"+openstackEntry(emu), map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(b)},
		"--reconcile-interval", "0", "--serf-listen", "off", "--provider-limit", strconv.Itoa(benchLimit))
	for k, v := range openstackKey {
		if err := h.Client.PutCredential(context.Background(), "openstack", k, v); err != nil {
			b.Fatal(err)
		}
	}
	benchUnits(b, h.Client, "openstack", "small", nil)
}
