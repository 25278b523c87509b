// Command testplugin is a fixture for the host's tests: an in-memory
// provider whose name, version and protocol are set at build time
// (-ldflags -X main.name=...), so tests can make plugins that disagree
// with the host or with their file name. It has no optional capabilities.
package main

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

var (
	name     = "test"
	version  = "0.0.1"
	protocol = "1"
	// requireCred names a credential key the plugin requires and checks on
	// every create. Its value names the cloud account: instances made
	// with one value are invisible with another, as in a real cloud.
	requireCred = ""
)

type mem struct {
	log   hclog.Logger
	mu    sync.Mutex
	nodes map[string]provider.NodeStatus
}

func (m *mem) GetInfo(context.Context) (*provider.Info, error) {
	info := &provider.Info{Name: name, Version: version, SpecSchema: provider.CommonSpecAttributes()}
	if requireCred != "" {
		info.CredentialKeys = []provider.CredentialKey{{Name: requireCred, Required: true}}
	}
	return info, nil
}

func (m *mem) ValidateCatalogEntry(context.Context, string, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}

func (m *mem) ValidateSpec(_ context.Context, _ provider.CallEnv, spec json.RawMessage) (provider.Diagnostics, error) {
	return provider.CommonSpecAttributes().Validate(spec, "spec"), nil
}

func (m *mem) CreateNode(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	m.log.Info("creating node", "node_id", req.Node.NodeID)
	if requireCred != "" && req.Env.Credentials[requireCred] == "" {
		return nil, provider.Diagnostics{provider.Errorf("", "credential %q did not arrive", requireCred)}.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := account(req.Env) + req.Node.NodeID
	st, ok := m.nodes[key]
	if !ok {
		st = provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: "mem-" + req.Node.NodeID, State: provider.InstanceRunning}
		m.nodes[key] = st
	}
	return &st, nil
}

func (m *mem) DeleteNode(_ context.Context, req provider.NodeRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.nodes, account(req.Env)+req.Node.NodeID)
	return nil
}

func (m *mem) DescribeNodes(_ context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []provider.NodeStatus
	for _, n := range req.Nodes {
		st, ok := m.nodes[account(req.Env)+n.NodeID]
		if !ok {
			st = provider.NodeStatus{NodeID: n.NodeID, State: provider.InstanceNotFound}
		}
		out = append(out, st)
	}
	return out, nil
}

// account is the cloud account a call reaches: the required credential.
func account(env provider.CallEnv) string {
	if requireCred == "" {
		return ""
	}
	return string(env.Credentials[requireCred]) + "/"
}

func (m *mem) PowerOn(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError(name, "power on", provider.CapPower)
}

func (m *mem) PowerOff(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError(name, "power off", provider.CapPower)
}

func (m *mem) Reboot(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, provider.UnsupportedError(name, "reboot", provider.CapReboot)
}

func main() {
	proto, err := strconv.Atoi(protocol)
	if err != nil {
		panic(err)
	}
	logger := providerplugin.NewLogger()
	hs := providerplugin.Handshake
	hs.ProtocolVersion = uint(proto)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		VersionedPlugins: map[int]plugin.PluginSet{
			proto: {providerplugin.PluginName: &providerplugin.GRPCPlugin{Impl: &mem{log: logger, nodes: map[string]provider.NodeStatus{}}, Logger: logger}},
		},
		GRPCServer: providerplugin.GRPCServer,
		Logger:     logger,
	})
}
