// Package providertest is the conformance suite every provider plugin runs
// from its own `go test`: it drives a provider through the real gRPC
// transport and checks the protocol's promises (idempotent create and
// delete, capability gating, diagnostics with field paths).
package providertest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// Connect serves impl over an in-process gRPC connection (real
// serialisation, no subprocess) and returns the host-side client.
func Connect(t testing.TB, impl provider.Provider) provider.Full {
	t.Helper()
	set := providerplugin.PluginSets(impl, hclog.NewNullLogger())[providerplugin.ProtocolVersion]
	client, _ := plugin.TestPluginGRPCConn(t, false, set)
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(providerplugin.PluginName)
	if err != nil {
		t.Fatalf("dispense provider: %v", err)
	}
	return raw.(provider.Full)
}

// Launch starts the plugin binary at path the way vcc-host does and
// returns its client; the process is killed when the test ends.
func Launch(t testing.TB, path string, env ...string) provider.Full {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Env = env
	cfg := providerplugin.ClientConfig(cmd, hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Warn}))
	cfg.Managed = false
	c := plugin.NewClient(cfg)
	t.Cleanup(c.Kill)
	p, err := providerplugin.Dispense(c)
	if err != nil {
		t.Fatalf("start plugin %s: %v", path, err)
	}
	return p
}

// Build compiles the plugin main package pkg (an import path, or a
// directory relative to the test's) into a temp dir and returns the
// binary's path, for Launch.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vcc-provider-under-test")
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// Smoke launches the plugin binary at path the way vcc-host does (a real
// subprocess: handshake, mutual TLS, stdio, logs) and runs the suite's
// validation-only cases against it.
func Smoke(t *testing.T, path string, f Fixture, env ...string) {
	f.Provider, f.Impl, f.ValidationOnly = Launch(t, path, env...), nil, true
	Run(t, f)
}
