package oracle

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vccproject/vcc/proto/provider"
)

type finding struct{ Field, Code string }

func errorsOf(diags provider.Diagnostics) []finding {
	var out []finding
	for _, d := range diags {
		if d.Severity == provider.SeverityError {
			out = append(out, finding{d.Field, d.Code})
		}
	}
	return out
}

const validCatalog = `{"oracle_tenancy_ocid": "ocid1.tenancy.oc1..aaaa", "oracle_compartment_id": "ocid1.compartment.oc1..bbbb",
	"oracle_subnet_id": "ocid1.subnet.oc1.ap-tokyo-1.cccc", "oracle_region": "ap-tokyo-1",
	"oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1", "private_network_ipmask": "10.0.1.0/24"}`

func TestValidateSpec(t *testing.T) {
	e := provider.CallEnv{CatalogEntry: json.RawMessage(validCatalog)}
	inv := provider.CodeInvalid
	cases := map[string]struct {
		spec string
		want []finding
	}{
		"defaults":            {`{}`, nil},
		"flavor values":       {`{"shape": "VM.Standard.E2.2", "boot_volume_size_in_gbs": 100}`, nil},
		"flex":                {`{"shape": "VM.Standard.E4.Flex", "ocpus": 2, "memory_in_gbs": 32}`, nil},
		"flex without sizes":  {`{"shape": "VM.Standard.E4.Flex"}`, []finding{{"spec.ocpus", inv}, {"spec.memory_in_gbs", inv}}},
		"flex without memory": {`{"shape": "VM.Standard.A1.Flex", "ocpus": 1}`, []finding{{"spec.memory_in_gbs", inv}}},
		"flex memory per ocpu": {`{"shape": "VM.Standard.E4.Flex", "ocpus": 1, "memory_in_gbs": 65}`,
			[]finding{{"spec.memory_in_gbs", inv}}},
		"fixed with sizes":  {`{"shape": "VM.Standard.E2.1", "ocpus": 1, "memory_in_gbs": 8}`, []finding{{"spec.ocpus", inv}, {"spec.memory_in_gbs", inv}}},
		"bad shape":         {`{"shape": "m4.large"}`, []finding{{"spec.shape", inv}}},
		"boot too small":    {`{"boot_volume_size_in_gbs": 49}`, []finding{{"spec.boot_volume_size_in_gbs", inv}}},
		"disk not a volume": {`{"disks": ["vol-123"]}`, []finding{{"spec.disks[0]", inv}}},
		"image ocid":        {`{"cloud_image": "ocid1.image.oc1.ap-tokyo-1.aaaa"}`, nil},
		"image ocid of vcn": {`{"cloud_image": "ocid1.vcn.oc1.ap-tokyo-1.aaaa"}`, []finding{{"spec.cloud_image", inv}}},
		"unknown field":     {`{"instance_type": "m4.large"}`, []finding{{"spec.instance_type", inv}}},
		"fixed ip outside":  {`{"ip_addresses": ["10.9.0.5"]}`, []finding{{"spec.ip_addresses[0]", inv}}},
		"preemptible":       {`{"preemptible": true, "auto_replace": true}`, nil},
	}
	p := New("test")
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := p.ValidateSpec(context.Background(), e, json.RawMessage(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, errorsOf(diags)); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}

func TestValidateCatalog(t *testing.T) {
	inv := provider.CodeInvalid
	cases := map[string]struct {
		entry string
		want  []finding
	}{
		"valid": {validCatalog, nil},
		"root compartment": {`{"oracle_tenancy_ocid": "ocid1.tenancy.oc1..aaaa", "oracle_compartment_id": "ocid1.tenancy.oc1..aaaa",
			"oracle_subnet_id": "ocid1.subnet.oc1.ap-tokyo-1.cccc", "oracle_region": "ap-tokyo-1", "oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1"}`, nil},
		"missing all": {`{}`, []finding{{"catalog.oracle_tenancy_ocid", inv}, {"catalog.oracle_compartment_id", inv}, {"catalog.oracle_subnet_id", inv},
			{"catalog.oracle_region", inv}, {"catalog.oracle_availability_domain", inv}}},
		"bad values": {`{"oracle_tenancy_ocid": "tenancy1", "oracle_compartment_id": "ocid1.user.oc1..x", "oracle_subnet_id": "ocid1.subnet.oc1.ap-tokyo-1.cccc",
			"oracle_region": "Tokyo", "oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1", "oracle_endpoint_url": "ftp://x"}`,
			[]finding{{"catalog.oracle_tenancy_ocid", inv}, {"catalog.oracle_compartment_id", inv}, {"catalog.oracle_region", inv}, {"catalog.oracle_endpoint_url", inv}}},
	}
	p := New("test")
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diags, err := p.ValidateCatalogEntry(context.Background(), "default", json.RawMessage(tc.entry))
			if err != nil {
				t.Fatal(err)
			}
			got := errorsOf(diags)
			if diff := cmp.Diff(tc.want, got, cmpSorted); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sorted", func(in []finding) map[finding]int {
	out := map[finding]int{}
	for _, f := range in {
		out[f]++
	}
	return out
})
