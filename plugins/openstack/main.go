// Command vcc-provider-openstack is vcc's OpenStack provider plugin: a
// thin main over the library in package openstack, which a site's own
// plugin uses with its hooks (see README.md). vcc-host starts it; run by
// hand with -debug it serves for a host to attach to.
package main

import (
	"github.com/vccproject/vcc/plugins/openstack/openstack"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	providerplugin.Serve(openstack.New(version))
}
