// Command vcc-provider-sim is vcc's SIMULATED cloud: no real instance is
// ever made. It is for tests, demos and load benchmarks (the template of a
// site's own plugin is plugins/skeleton). Run by hand with arguments, it
// injects faults into a simulated cloud.
package main

import (
	"os"

	"github.com/vccproject/vcc/plugins/sim/internal/sim"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	if len(os.Args) > 1 && os.Args[1] != "-debug" && os.Args[1] != "--debug" {
		os.Exit(sim.Chaos(os.Args[1:], os.Stdout, os.Stderr))
	}
	providerplugin.Serve(sim.New(version))
}
