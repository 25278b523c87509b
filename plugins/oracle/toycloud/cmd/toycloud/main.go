// Command toycloud runs the oracle's toy cloud on its own, for demos and
// for tests that drive a built plugin through a real vcc-host. It prints
// "toycloud listening on URL" once it serves, and stops on SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/toycloud"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8780", "address to serve on (port 0 picks a free one)")
	key := flag.String("api-key", "", "the admin API key clients must send (required)")
	boot := flag.Duration("boot-delay", 2*time.Second, "how long a server stays pending, stopping, starting or rebooting")
	del := flag.Duration("delete-delay", 2*time.Second, "how long a server stays deleting")
	quota := flag.Int("quota", 0, "most servers the account holds; 0 is no limit")
	flag.Parse()
	if *key == "" {
		fmt.Fprintln(os.Stderr, "toycloud: -api-key is required (the key a plugin's api_key credential must hold)")
		os.Exit(2)
	}
	c, err := toycloud.New(toycloud.Options{Keys: map[string]toycloud.Role{*key: toycloud.Admin}, BootDelay: *boot, DeleteDelay: *del, Quota: *quota})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "toycloud: %v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Printf("toycloud listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(os.Stderr, "toycloud: %v\n", err)
		os.Exit(1)
	}
}
