// Command vcc-provider-azure is vcc's Azure provider plugin (regular VMs).
package main

import (
	"github.com/vccproject/vcc/plugins/azure/internal/azure"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(azure.Plugin(version, false))
}
