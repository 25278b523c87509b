// Command vcc-host is the vcc controller: it loads the provider plugins and
// (with the controller core) serves the REST API.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vccproject/vcc/host/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
