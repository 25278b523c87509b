// Command vcc-provider-oracle-disk is vcc's OCI disk provider plugin
// (oracle_disk): block volumes for storage units, which oracle nodes
// attach through their spec's disks.
package main

import (
	"github.com/vccproject/vcc/plugins/oracle/internal/oracle"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(oracle.NewDisk(version))
}
