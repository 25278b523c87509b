// Command vcc-provider-sim-pool is the SIMULATED cloud without DHCP
// (provider sim_pool): node addresses come from the controller's IP pools
// in sim_pool.yml of its config dir. For tests and demos of host-managed
// IP pools; no real instance is ever made.
package main

import (
	"os"

	"github.com/vccproject/vcc/plugins/sim/internal/sim"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	if len(os.Args) > 1 {
		os.Exit(sim.Chaos(os.Args[1:], os.Stdout, os.Stderr))
	}
	providerplugin.Serve(sim.NewPooled(version, "sim_pool", "sim_pool.yml"))
}
