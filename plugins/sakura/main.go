// Command vcc-provider-sakura is vcc's Sakura Cloud provider plugin.
// vcc-host starts it; run by hand with -debug it serves for a host to
// attach to (see docs/plugins.md of vcc).
package main

import (
	"github.com/vccproject/vcc/plugins/sakura/internal/sakura"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

// A test build (fakemode.go) sets note to say it drives a fake, and wrap
// to write the fake's store to its file after each call.
var (
	note string
	wrap = func(p provider.Full) provider.Full { return p }
)

func main() {
	providerplugin.Serve(wrap(sakura.New(version).WithNote(note)))
}
