// Package providerplugin carries the provider protocol over go-plugin: the
// handshake, the gRPC client and server adapters, Serve for plugin mains
// and the client settings hosts use.
package providerplugin

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/vccproject/vcc/proto/internal/pb/providerv1"
	"github.com/vccproject/vcc/proto/provider"
)

// ProtocolVersion is the major version of vcc.provider this package speaks.
const ProtocolVersion = 1

// PluginName is the name the provider service is dispensed under.
const PluginName = "provider"

// MaxMessageSize bounds one gRPC message both ways (gRPC's 4 MB default is
// too small for a describe of thousands of nodes).
const MaxMessageSize = 64 << 20

// Handshake stops a plugin binary from being run by hand by mistake; it is
// not a security measure (AutoMTLS and checksums are).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "VCC_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "vcc-provider-5b1e0c7a",
}

// GRPCPlugin is the go-plugin glue for the provider service. Impl is set on
// the plugin side only.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl   provider.Provider
	Logger hclog.Logger
}

// GRPCServer registers the provider service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	logger := p.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	pb.RegisterProviderServiceServer(s, &server{impl: p.Impl, logger: logger})
	return nil
}

// GRPCClient returns a *Client. go-plugin cancels ctx when the plugin
// process exits, which the host uses to notice crashes at once.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewProviderServiceClient(c), done: ctx.Done()}, nil
}

// PluginSets is the VersionedPlugins value both sides use.
func PluginSets(impl provider.Provider, logger hclog.Logger) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginName: &GRPCPlugin{Impl: impl, Logger: logger}},
	}
}

// ClientConfig is the go-plugin client configuration of a vcc host for cmd:
// gRPC only, automatic mutual TLS, protocol negotiation. The caller adds
// SecureConfig, StartTimeout and the like.
func ClientConfig(cmd *exec.Cmd, logger hclog.Logger) *plugin.ClientConfig {
	return &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: PluginSets(nil, nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		Logger:           logger,
	}
}

// Dispense connects to a started (or startable) go-plugin client and
// returns the provider.
func Dispense(c *plugin.Client) (*Client, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense %s: %w", PluginName, err)
	}
	cl, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("dispense %s: unexpected type %T", PluginName, raw)
	}
	return cl, nil
}
