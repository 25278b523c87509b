// Command vcc-provider-azure-disk is vcc's Azure disk provider plugin:
// managed disks for storage units.
package main

import (
	"github.com/vccproject/vcc/plugins/azure/internal/azure"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(azure.NewDisk(version))
}
