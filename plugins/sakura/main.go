// Command vcc-provider-sakura is vcc's Sakura Cloud provider plugin.
// vcc-host starts it; run by hand with -debug it serves for a host to
// attach to (see docs/plugins.md of vcc).
package main

import (
	"github.com/vccproject/vcc/plugins/sakura/internal/sakura"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

// note is set by a test build (fakemode.go) to say it drives a fake.
var note string

func main() {
	providerplugin.Serve(sakura.New(version).WithNote(note))
}
