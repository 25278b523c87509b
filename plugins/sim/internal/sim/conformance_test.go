package sim

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// fixture is the sim's conformance fixture over the given client.
func fixture(t *testing.T, p provider.Provider) providertest.Fixture {
	entry := fmt.Sprintf(`{"sim_state_dir": %q, "private_network_ipmask": "10.9.0.0/24"}`, t.TempDir())
	return providertest.Fixture{
		Provider: p,
		Env: provider.CallEnv{
			ControllerID: providertest.NewNodeID(), CatalogEntryName: "default",
			CatalogEntry: json.RawMessage(entry), Credentials: provider.Credentials{"api_key": "k"},
		},
		Spec: json.RawMessage(`{"num_nodes": 1, "instance_type": "sim.medium", "tags": {"team": "a"}}`),
		BadCatalog: []providertest.Bad{
			{Name: "unknown_key", Doc: json.RawMessage(`{"latency": 5}`), WantField: "catalog.latency"},
			{Name: "wrong_type", Doc: json.RawMessage(`{"latency_ms": "slow"}`), WantField: "catalog.latency_ms"},
			{Name: "bad_rate", Doc: json.RawMessage(`{"failure_rate": 2}`), WantField: "catalog.failure_rate"},
			{Name: "bad_cidr", Doc: json.RawMessage(`{"private_network_ipmask": "10.0.0.0"}`), WantField: "catalog.private_network_ipmask"},
		},
		BadSpec: []providertest.Bad{
			{Name: "unknown_field", Doc: json.RawMessage(`{"instance_typ": "sim.small"}`), WantField: "spec.instance_typ"},
			{Name: "wrong_type", Doc: json.RawMessage(`{"num_nodes": "three"}`), WantField: "spec.num_nodes"},
			{Name: "not_allowed", Doc: json.RawMessage(`{"instance_type": "m4.large"}`), WantField: "spec.instance_type"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"ip_addresses": ["10.9.0.5", "192.168.1.1"]}`), WantField: "spec.ip_addresses[1]"},
			{Name: "list_of_numbers", Doc: json.RawMessage(`{"params_e": [1]}`), WantField: "spec.params_e[0]"},
		},
	}
}

// TestConformance runs the shared suite over real gRPC, in-process.
func TestConformance(t *testing.T) {
	impl := New("0.1.0")
	f := fixture(t, providertest.Connect(t, impl))
	f.Impl = impl
	providertest.Run(t, f)
}

// TestSmoke runs the built binary as a subprocess, as the host does.
func TestSmoke(t *testing.T) {
	providertest.Smoke(t, providertest.Build(t, "github.com/vccproject/vcc/plugins/sim"), fixture(t, nil))
}
