package providerplugin

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/vccproject/vcc/proto/provider"
)

// EnvLogLevel is how the host tells a plugin its log level.
const EnvLogLevel = "VCC_PLUGIN_LOG_LEVEL"

// ServeOption changes how Serve runs.
type ServeOption func(*serveConfig)

type serveConfig struct {
	logger hclog.Logger
	debug  *debugConfig
}

type debugConfig struct {
	ctx context.Context
	out io.Writer
	// reattach, when set, receives the reattach line instead of out.
	reattach chan<- Reattach
}

// WithLogger replaces the default logger (hclog JSON on stderr).
func WithLogger(l hclog.Logger) ServeOption { return func(c *serveConfig) { c.logger = l } }

// WithDebug serves in debug mode, as terraform-plugin-go's managed debug:
// the plugin runs on its own (under a debugger, say) instead of being
// started by a host; it prints to out the line to export so a host
// attaches to it (EnvReattach) and serves until ctx ends. Serve also
// enters this mode when the binary is run with -debug.
func WithDebug(ctx context.Context, out io.Writer) ServeOption {
	return func(c *serveConfig) { c.debug = &debugConfig{ctx: ctx, out: out} }
}

// withReattachCh is WithDebug for tests: the reattach config is sent on
// ch rather than printed.
func withReattachCh(ctx context.Context, ch chan<- Reattach) ServeOption {
	return func(c *serveConfig) { c.debug = &debugConfig{ctx: ctx, reattach: ch} }
}

// Serve runs p as a plugin until the host stops it. Call it from main and
// print nothing to stdout before: stdout carries the handshake.
func Serve(p provider.Provider, opts ...ServeOption) {
	cfg := serveConfig{}
	if debugFlag(os.Args[1:]) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		opts = append([]ServeOption{WithDebug(ctx, os.Stdout)}, opts...)
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = NewLogger()
	}
	sc := &plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: PluginSets(p, cfg.logger),
		GRPCServer:       GRPCServer,
		Logger:           cfg.logger,
	}
	if cfg.debug == nil {
		watchParent(cfg.logger)
		plugin.Serve(sc)
		return
	}
	serveDebug(p, sc, cfg.debug)
}

// serveDebug serves in go-plugin's test mode and hands out the reattach
// configuration.
func serveDebug(p provider.Provider, sc *plugin.ServeConfig, d *debugConfig) {
	name := "provider"
	if info, err := p.GetInfo(d.ctx); err == nil {
		name = info.Name
	}
	ch := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	sc.Test = &plugin.ServeTestConfig{Context: d.ctx, ReattachConfigCh: ch, CloseCh: closed}
	go plugin.Serve(sc)
	select {
	case rc := <-ch:
		r := Reattach{Name: name, Config: reattachFrom(rc)}
		if d.reattach != nil {
			d.reattach <- r
		} else {
			fmt.Fprintf(d.out, "Plugin %s is serving in debug mode. For a host to use it, run it with:\n\n\texport %s='%s'\n\nStop this plugin with Ctrl-C.\n", name, EnvReattach, r.Env())
		}
	case <-closed:
		return
	}
	<-closed
}

func debugFlag(args []string) bool {
	for _, a := range args {
		if a == "-debug" || a == "--debug" {
			return true
		}
	}
	return false
}

// NewLogger is the plugin-side logger: hclog JSON on stderr, which the host
// parses and re-logs under the plugin's name with the right level.
func NewLogger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(EnvLogLevel))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{Level: level, Output: os.Stderr, JSONFormat: true})
}

// GRPCServer builds the plugin's gRPC server with vcc's message limits.
func GRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	return grpc.NewServer(opts...)
}

func codesFor(ctx context.Context) codes.Code {
	if ctx.Err() != nil {
		return codes.Canceled
	}
	return codes.Internal
}
