package providerplugin

import (
	"context"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/vccproject/vcc/proto/provider"
)

// EnvLogLevel is how the host tells a plugin its log level.
const EnvLogLevel = "VCC_PLUGIN_LOG_LEVEL"

// Serve runs p as a plugin until the host stops it. Call it from main and
// print nothing to stdout before: stdout carries the handshake.
func Serve(p provider.Provider) {
	logger := NewLogger()
	watchParent(logger)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: PluginSets(p, logger),
		GRPCServer:       GRPCServer,
		Logger:           logger,
	})
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
