package cli

import (
	"flag"
	"fmt"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/proto/providerplugin"
)

const protocolVersion = providerplugin.ProtocolVersion

// serve runs the controller until SIGINT or SIGTERM. For now it loads and
// supervises the provider plugins; the REST API comes with the controller
// core.
func (e env) serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c common
	c.register(fs, "info")
	if err := parse(fs, args); err != nil {
		return err
	}
	m := pluginmgr.New(c.managerConfig(e.stderr, true))
	defer m.Close()
	m.Start(e.ctx)
	running := 0
	for _, s := range m.Statuses() {
		if s.State == pluginmgr.StateRunning {
			running++
		}
	}
	fmt.Fprintf(e.stdout, "vcc-host %s: %d provider plugin(s) running; see `vcc-host plugins list`. Ctrl-C stops.\n", Version, running)
	<-e.ctx.Done()
	fmt.Fprintln(e.stdout, "vcc-host: stopping")
	return nil
}
