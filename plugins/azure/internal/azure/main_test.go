package azure

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/azure/armemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

const (
	tenant = "11111111-2222-3333-4444-555555555555"
	sub    = "00000000-0000-0000-0000-0000000000aa"
	rg     = "vcc-rg"
	cidr   = "10.1.0.0/24"
)

// emulator starts an emulator seeded with a network and an image.
func emulator(t *testing.T) *armemu.Server {
	t.Helper()
	s, err := armemu.Start(armemu.Config{Tenant: tenant, ClientID: "app", ClientSecret: "s3cret", Subscription: sub, Delay: 300 * time.Millisecond, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Seed(armemu.Network{Group: rg, VNet: "vnet", Subnet: "default", NSG: "nsg", CIDR: cidr}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddImage("Canonical:ubuntu-24_04-lts:server:24.04.202501010"); err != nil {
		t.Fatal(err)
	}
	return s
}

// catalogOf is the catalog entry of the emulator's network.
func catalogOf(s *armemu.Server) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"azure_resource_group_name": %q, "azure_vnet_name": "vnet", "azure_subnet_name": "default", "azure_security_group_name": "nsg",
		"azure_location": "japaneast", "private_network_ipmask": %q, "azure_resource_manager_endpoint": %q, "azure_authority_host": %q}`, rg, cidr, s.URL, s.URL+"/"))
}

func envOf(s *armemu.Server) provider.CallEnv {
	return provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: catalogOf(s),
		ControllerAddress: "10.1.0.250", ControllerSerfPort: 7946,
		Credentials: provider.Credentials{"subscription_id": sub, "tenant_id": tenant, "client_id": "app", "client_secret": "s3cret"}}
}

// inProcess is the provider with a transport that trusts the emulator.
func inProcess(s *armemu.Server, spot bool) provider.Provider {
	p := New("0.1.0", spot)
	p.transport = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CAs}}}
	if spot {
		return p
	}
	return Regular{p}
}

const good = `{"azure_resource_group_name": "g", "azure_vnet_name": "vnet", "azure_subnet_name": "default", "azure_security_group_name": "nsg", "azure_location": "japaneast"`

func fixture(p provider.Provider, e provider.CallEnv) providertest.Fixture {
	return providertest.Fixture{
		Provider: p, Env: e,
		Spec:    json.RawMessage(`{"vm_size": "Standard_B1s", "tags": {"team": "a"}}`),
		FixedIP: "10.1.0.11",
		Timeout: 30 * time.Second,
		BadCatalog: []providertest.Bad{
			{Name: "no_group", Doc: json.RawMessage(`{"azure_vnet_name": "vnet", "azure_subnet_name": "default", "azure_security_group_name": "nsg", "azure_location": "japaneast"}`), WantField: "catalog.azure_resource_group_name"},
			{Name: "bad_location", Doc: json.RawMessage(good[:len(good)-len(`"japaneast"`)] + `"Japan East"}`), WantField: "catalog.azure_location"},
			{Name: "bad_zone", Doc: json.RawMessage(good + `, "azure_zone": "a"}`), WantField: "catalog.azure_zone"},
			{Name: "bad_vnet", Doc: json.RawMessage(`{"azure_resource_group_name": "g", "azure_vnet_name": "v", "azure_subnet_name": "default", "azure_security_group_name": "nsg", "azure_location": "japaneast"}`), WantField: "catalog.azure_vnet_name"},
			{Name: "http_endpoint", Doc: json.RawMessage(good + `, "azure_resource_manager_endpoint": "http://127.0.0.1:1"}`), WantField: "catalog.azure_resource_manager_endpoint"},
			{Name: "root_admin", Doc: json.RawMessage(good + `, "azure_admin_username": "root"}`), WantField: "catalog.azure_admin_username"},
			{Name: "typo", Doc: json.RawMessage(good + `, "azure_subnet": "x"}`), WantField: "catalog.azure_subnet"},
		},
		BadSpec: []providertest.Bad{
			{Name: "disk_type", Doc: json.RawMessage(`{"managed_disk_type": "SSD"}`), WantField: "spec.managed_disk_type"},
			{Name: "disk_size", Doc: json.RawMessage(`{"disk_size_gb": 10}`), WantField: "spec.disk_size_gb"},
			{Name: "vm_size", Doc: json.RawMessage(`{"vm_size": "B1s"}`), WantField: "spec.vm_size"},
			{Name: "image", Doc: json.RawMessage(`{"cloud_image": "ubuntu"}`), WantField: "spec.cloud_image"},
			{Name: "disk_id", Doc: json.RawMessage(`{"disks": ["disk-1"]}`), WantField: "spec.disks[0]"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"ip_addresses": ["192.168.9.9"]}`), WantField: "spec.ip_addresses[0]"},
			{Name: "mac", Doc: json.RawMessage(`{"mac_addresses": ["02:00:00:00:00:01"]}`), WantField: "spec.mac_addresses"},
		},
	}
}

func TestConformance(t *testing.T) {
	s := emulator(t)
	impl := inProcess(s, false)
	f := fixture(providertest.Connect(t, impl), envOf(s))
	f.Impl = impl
	providertest.Run(t, f)
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left in the emulator: %v", left)
	}
}

func TestConformanceSpot(t *testing.T) {
	s := emulator(t)
	impl := inProcess(s, true)
	f := fixture(providertest.Connect(t, impl), envOf(s))
	f.Impl = impl
	f.BadSpec = append(f.BadSpec,
		providertest.Bad{Name: "eviction_policy", Doc: json.RawMessage(`{"azure_spot_eviction_policy": "Stop"}`), WantField: "spec.azure_spot_eviction_policy"},
		providertest.Bad{Name: "spot_price", Doc: json.RawMessage(`{"spot_price": 0}`), WantField: "spec.spot_price"})
	providertest.Run(t, f)
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left in the emulator: %v", left)
	}
}
