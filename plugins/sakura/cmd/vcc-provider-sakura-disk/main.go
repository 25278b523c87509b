// Command vcc-provider-sakura-disk is vcc's Sakura Cloud disk provider
// plugin: disks for storage units, which sakura nodes connect.
package main

import (
	"github.com/vccproject/vcc/plugins/sakura/internal/sakura"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(sakura.NewDisk(version))
}
