// Command vcc-provider-sakura-disk is vcc's Sakura Cloud disk provider
// plugin: disks for storage units, which sakura nodes connect.
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
	wrap = func(p provider.Provider) provider.Provider { return p }
)

func main() {
	providerplugin.Serve(wrap(sakura.NewDisk(version).WithNote(note)))
}
