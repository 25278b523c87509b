package oracle

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// env is a call environment against the emulator w at url.
func env(w *ociemu.World, url string) provider.CallEnv {
	entry := fmt.Sprintf(`{"oracle_tenancy_ocid": %q, "oracle_compartment_id": %q, "oracle_subnet_id": %q, "oracle_region": %q,
		"oracle_availability_domain": %q, "oracle_endpoint_url": %q, "private_network_ipmask": %q}`,
		w.Tenancy(), w.Tenancy(), w.SubnetID, w.Region(), w.ADs()[0], url, w.SubnetCIDR)
	return provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: json.RawMessage(entry),
		Credentials: provider.Credentials{"user_ocid": w.UserOCID, "fingerprint": w.Fingerprint, "private_key": w.PrivateKey}}
}

const goodCatalog = `"oracle_tenancy_ocid": "ocid1.tenancy.oc1..aaaa", "oracle_compartment_id": "ocid1.compartment.oc1..bbbb",
	"oracle_subnet_id": "ocid1.subnet.oc1.ap-tokyo-1.cccc", "oracle_region": "ap-tokyo-1"`

func fixture(p provider.Provider, e provider.CallEnv) providertest.Fixture {
	return providertest.Fixture{
		Provider: p,
		Env:      e,
		Spec:     json.RawMessage(`{"num_nodes": 1, "shape": "VM.Standard.E2.1", "tags": {"team": "a"}}`),
		BadCatalog: []providertest.Bad{
			{Name: "no_subnet", Doc: json.RawMessage(`{"oracle_tenancy_ocid": "ocid1.tenancy.oc1..aaaa", "oracle_compartment_id": "ocid1.compartment.oc1..bbbb", "oracle_region": "ap-tokyo-1", "oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1"}`), WantField: "catalog.oracle_subnet_id"},
			{Name: "bad_ad", Doc: json.RawMessage(`{` + goodCatalog + `, "oracle_availability_domain": "ad1"}`), WantField: "catalog.oracle_availability_domain"},
			{Name: "subnet_is_vcn", Doc: json.RawMessage(`{"oracle_tenancy_ocid": "ocid1.tenancy.oc1..aaaa", "oracle_compartment_id": "ocid1.compartment.oc1..bbbb", "oracle_subnet_id": "ocid1.vcn.oc1.ap-tokyo-1.cccc", "oracle_region": "ap-tokyo-1", "oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1"}`), WantField: "catalog.oracle_subnet_id"},
		},
		BadSpec: []providertest.Bad{
			{Name: "flex_without_ocpus", Doc: json.RawMessage(`{"shape": "VM.Standard.E4.Flex", "memory_in_gbs": 16}`), WantField: "spec.ocpus"},
			{Name: "fixed_with_memory", Doc: json.RawMessage(`{"shape": "VM.Standard.E2.1", "memory_in_gbs": 16}`), WantField: "spec.memory_in_gbs"},
			{Name: "small_boot", Doc: json.RawMessage(`{"boot_volume_size_in_gbs": 20}`), WantField: "spec.boot_volume_size_in_gbs"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"num_nodes": 2, "ip_addresses": ["10.0.1.9", "192.168.1.1"]}`), WantField: "spec.ip_addresses[1]"},
		},
		Timeout: 20 * time.Second,
	}
}

// TestConformance runs the shared suite over real gRPC, in-process,
// against the emulator.
func TestConformance(t *testing.T) {
	w, srv := ociemu.Start(t)
	impl := New("0.1.0")
	f := fixture(providertest.Connect(t, impl), env(w, srv.URL))
	f.Impl = impl
	providertest.Run(t, f)
	if live := w.Live(); len(live) != 0 {
		t.Errorf("left in the emulator: %+v", live)
	}
}

// TestLaunch runs the suite once more on the built binary, started as
// vcc-host starts it.
func TestLaunch(t *testing.T) {
	bin := providertest.Build(t, "../..")
	w, srv := ociemu.Start(t)
	providertest.Run(t, fixture(providertest.Launch(t, bin), env(w, srv.URL)))
	if live := w.Live(); len(live) != 0 {
		t.Errorf("left in the emulator: %+v", live)
	}
}
