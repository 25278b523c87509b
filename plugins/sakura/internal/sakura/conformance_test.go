package sakura

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

func fixture(p provider.Provider, e provider.CallEnv) providertest.Fixture {
	return providertest.Fixture{
		Provider: p,
		Env:      e,
		Spec:     json.RawMessage(`{"num_nodes": 1, "core": 1, "memory": 1, "tags": {"team": "a"}}`),
		FixedIP:  "172.23.1.11",
		BadCatalog: []providertest.Bad{
			{Name: "no_switch", Doc: json.RawMessage(`{"sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`), WantField: "catalog.sakura_local_switch_id"},
			{Name: "bad_zone", Doc: json.RawMessage(`{"sakura_local_switch_id": "123456789012", "sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "jp1", "private_network_ipmask": "172.23.1.0/24"}`), WantField: "catalog.sakura_zone"},
		},
		BadSpec: []providertest.Bad{
			{Name: "disk_size", Doc: json.RawMessage(`{"sakuracloud_disk_size": 30}`), WantField: "spec.sakuracloud_disk_size"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"num_nodes": 2, "ip_addresses": ["172.23.1.9", "192.168.1.1"]}`), WantField: "spec.ip_addresses[1]"},
		},
		Timeout: 30 * time.Second,
	}
}

// TestConformance runs the shared suite over real gRPC, in-process,
// against the fake.
func TestConformance(t *testing.T) {
	impl := New("0.1.0")
	f := fixture(providertest.Connect(t, impl), env("tk1a"))
	f.Impl = impl
	providertest.Run(t, f)
}

// TestLaunch runs the suite once more on the test build of the binary,
// started as vcc-host starts it, on a store file that it alone writes;
// the store holds nothing of the controller afterwards.
func TestLaunch(t *testing.T) {
	bin := testBuild(t)
	store, sw := seeded(t)
	p := providertest.Launch(t, bin, "SAKURACLOUD_FAKE_STORE_PATH="+store)
	e := env("tk1a")
	e.CatalogEntry = json.RawMessage(strings.Replace(string(e.CatalogEntry), switches["tk1a"], sw["tk1a"], 1))
	info, err := p.GetInfo(context.Background())
	if err != nil || !strings.Contains(info.Description, "TEST BUILD") {
		t.Fatalf("the test build does not say so: %v %+v", err, info)
	}
	providertest.Run(t, fixture(p, e))
	left, err := fakecloud.Read(store)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range left {
		if r.Tagged("vcc.controller_id=" + e.ControllerID) {
			t.Errorf("left in the cloud: %+v", r)
		}
	}
}

// TestProductionBuildHasNoFake: the binary make build makes does not
// contain iaas-api-go's fake, and the fake's settings change nothing.
func TestProductionBuildHasNoFake(t *testing.T) {
	bin := goBuild(t, "vcc-provider-sakura", ".")
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("iaas-api-go/fake.")) {
		t.Error("the production binary links iaas-api-go's fake")
	}
	store, _ := seeded(t)
	p := providertest.Launch(t, bin, "SAKURACLOUD_FAKE_STORE_PATH="+store, "SAKURACLOUD_FAKE_MODE=1")
	info, err := p.GetInfo(context.Background())
	if err != nil || strings.Contains(info.Description, "TEST BUILD") {
		t.Errorf("production build with the fake's settings: %v %q", err, info.Description)
	}
}
