//go:build !unix

package providerplugin

import "github.com/hashicorp/go-hclog"

// watchParent is a no-op where there are no process groups; the host's
// Kill still stops the plugin on a normal exit.
func watchParent(hclog.Logger) {}
