package openstack

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

func fixture(p provider.Provider, c *osemu.Cloud) providertest.Fixture {
	return providertest.Fixture{
		Provider: p,
		Env:      env(c),
		Spec:     json.RawMessage(`{"num_nodes": 1, "flavor_name": "medium", "tags": {"team": "a"}}`),
		FixedIP:  "10.56.0.77",
		BadCatalog: []providertest.Bad{
			{Name: "no_auth_url", Doc: json.RawMessage(`{"network_uuid": "` + osemu.NetworkID + `"}`), WantField: "catalog.auth_url"},
			{Name: "bad_network", Doc: json.RawMessage(`{"auth_url": "https://k/v3", "network_uuid": "net-1"}`), WantField: "catalog.network_uuid"},
			{Name: "keystone_v2", Doc: json.RawMessage(`{"auth_url": "https://k:5000/v2.0", "network_uuid": "` + osemu.NetworkID + `"}`), WantField: "catalog.auth_url"},
			{Name: "endpoint_type", Doc: json.RawMessage(`{"auth_url": "https://k/v3", "network_uuid": "` + osemu.NetworkID + `", "endpoint_type": "admin"}`), WantField: "catalog.endpoint_type"},
		},
		BadSpec: []providertest.Bad{
			{Name: "volume_size", Doc: json.RawMessage(`{"volume_size": -3}`), WantField: "spec.volume_size"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"num_nodes": 2, "ip_addresses": ["10.56.0.9", "192.168.1.1"]}`), WantField: "spec.ip_addresses[1]"},
			{Name: "disk_id", Doc: json.RawMessage(`{"disks": ["data"]}`), WantField: "spec.disks[0]"},
		},
		Timeout: 30 * time.Second,
	}
}

// TestConformance runs the shared suite over real gRPC, in-process,
// against the emulator.
func TestConformance(t *testing.T) {
	c := osemu.Start(t, fast)
	impl := New("0.1.0")
	f := fixture(providertest.Connect(t, impl), c)
	f.Impl = impl
	providertest.Run(t, f)
	if st := settled(t, c); len(st.Servers) != 0 || len(st.Ports) != 0 {
		t.Errorf("the cloud still holds %d servers and %d ports", len(st.Servers), len(st.Ports))
	}
}

// TestLaunch runs the suite on the built binary, started as vcc-host
// starts it.
func TestLaunch(t *testing.T) {
	bin := providertest.Build(t, "../")
	c := osemu.Start(t, fast)
	providertest.Run(t, fixture(providertest.Launch(t, bin), c))
}
