package providerplugin

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// EnvReattach names plugins a host attaches to instead of starting them:
// a JSON object, provider name -> ReattachConfig, as a plugin in debug
// mode prints it. Like Terraform's TF_REATTACH_PROVIDERS.
const EnvReattach = "VCC_REATTACH_PROVIDERS"

// ReattachConfig is where a plugin in debug mode listens.
type ReattachConfig struct {
	Protocol        string `json:"protocol"`
	ProtocolVersion int    `json:"protocol_version"`
	Network         string `json:"network"`
	Addr            string `json:"addr"`
	Pid             int    `json:"pid"`
}

// Reattach is one plugin's entry of EnvReattach.
type Reattach struct {
	Name   string
	Config ReattachConfig
}

// Env is the value of EnvReattach for this plugin alone.
func (r Reattach) Env() string {
	raw, _ := json.Marshal(map[string]ReattachConfig{r.Name: r.Config})
	return string(raw)
}

func reattachFrom(rc *plugin.ReattachConfig) ReattachConfig {
	return ReattachConfig{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion,
		Network: rc.Addr.Network(), Addr: rc.Addr.String(), Pid: rc.Pid}
}

// ReattachFromEnv reads EnvReattach; names are normalised as the host's
// ('-' and '_' alike, lower case). An unreadable value is an error that
// says what is wrong.
func ReattachFromEnv() (map[string]ReattachConfig, error) {
	v := os.Getenv(EnvReattach)
	if v == "" {
		return nil, nil
	}
	var m map[string]ReattachConfig
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object of provider name -> reattach config (as a plugin started with -debug prints it): %w", EnvReattach, err)
	}
	out := make(map[string]ReattachConfig, len(m))
	for name, rc := range m {
		if rc.Network != "unix" && rc.Network != "tcp" || rc.Addr == "" {
			return nil, fmt.Errorf("%s: provider %q: want network unix or tcp and an addr, got %q %q", EnvReattach, name, rc.Network, rc.Addr)
		}
		out[strings.ReplaceAll(strings.ToLower(name), "-", "_")] = rc
	}
	return out, nil
}

// ReattachClientConfig is the go-plugin client configuration of a host
// that attaches to a plugin in debug mode. The host does not own the
// process: killing the client leaves the plugin running.
func ReattachClientConfig(rc ReattachConfig, logger hclog.Logger) (*plugin.ClientConfig, error) {
	var addr net.Addr
	var err error
	switch rc.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", rc.Addr)
	default:
		addr, err = net.ResolveTCPAddr("tcp", rc.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("reattach address %s: %w", rc.Addr, err)
	}
	return &plugin.ClientConfig{
		HandshakeConfig: Handshake,
		// A reattached client negotiates no version: it uses Plugins.
		Plugins:          PluginSets(nil, nil)[ProtocolVersion],
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		Reattach: &plugin.ReattachConfig{Protocol: plugin.Protocol(rc.Protocol), ProtocolVersion: rc.ProtocolVersion,
			Addr: addr, Pid: rc.Pid, Test: true},
	}, nil
}
