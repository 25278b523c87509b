// Command vcc-provider-onpremises is vcc's plugin for existing servers:
// Linux hosts with Docker reached over SSH.
package main

import (
	"github.com/vccproject/vcc/plugins/onpremises/internal/onprem"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(onprem.New(version))
}
