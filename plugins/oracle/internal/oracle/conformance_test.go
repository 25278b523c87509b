package oracle

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/toycloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// env is a call environment against the toy cloud at url.
func env(url, key string) provider.CallEnv {
	entry := fmt.Sprintf(`{"oracle_endpoint_url": %q, "oracle_network_id": "net-default", "private_network_ipmask": "10.20.0.0/24"}`, url)
	return provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default",
		CatalogEntry: json.RawMessage(entry), Credentials: provider.Credentials{"api_key": key}}
}

func fixture(p provider.Provider, url string) providertest.Fixture {
	return providertest.Fixture{
		Provider: p,
		Env:      env(url, toycloud.TestKey),
		Spec:     json.RawMessage(`{"num_nodes": 1, "instance_type": "medium", "tags": {"team": "a"}}`),
		BadCatalog: []providertest.Bad{
			{Name: "no_endpoint", Doc: json.RawMessage(`{"oracle_network_id": "n"}`), WantField: "catalog.oracle_endpoint_url"},
			{Name: "bad_cidr", Doc: json.RawMessage(`{"oracle_endpoint_url": "https://x", "oracle_network_id": "n", "private_network_ipmask": "10.0.0.0"}`), WantField: "catalog.private_network_ipmask"},
		},
		BadSpec: []providertest.Bad{
			{Name: "unknown_size", Doc: json.RawMessage(`{"instance_type": "huge"}`), WantField: "spec.instance_type"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"num_nodes": 2, "ip_addresses": ["10.20.0.9", "192.168.1.1"]}`), WantField: "spec.ip_addresses[1]"},
		},
		Timeout: 20 * time.Second,
	}
}

// TestConformance runs the shared suite over real gRPC, in-process.
func TestConformance(t *testing.T) {
	_, srv := toycloud.Start(t)
	impl := New("0.1.0")
	f := fixture(providertest.Connect(t, impl), srv.URL)
	f.Impl = impl
	providertest.Run(t, f)
}

// TestLaunch runs the suite once more against the built binary, started
// as vcc-host starts it.
func TestLaunch(t *testing.T) {
	bin := providertest.Build(t, "../..")
	_, srv := toycloud.Start(t)
	providertest.Run(t, fixture(providertest.Launch(t, bin), srv.URL))
}
