// Command vcc-provider-aws-disk is vcc's AWS disk provider plugin: EBS
// volumes for storage units.
package main

import (
	"github.com/vccproject/vcc/plugins/aws/internal/awsprov"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(awsprov.NewDisk(version))
}
