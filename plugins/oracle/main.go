// Command vcc-provider-oracle is a vcc provider plugin. vcc-host starts
// it; run by hand with -debug it serves for a host to attach to (see
// docs/plugins.md of vcc).
package main

import (
	"github.com/vccproject/vcc/plugins/oracle/internal/oracle"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(oracle.New(version))
}
