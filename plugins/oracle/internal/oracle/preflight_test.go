package oracle

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
)

// TestPreflight: read-only checks refuse, on the field to fix, what would
// make the launch fail; nothing is created.
func TestPreflight(t *testing.T) {
	w, srv := ociemu.Start(t, func(o *ociemu.Options) { o.ADs = []string{"Uocm:AP-TOKYO-1-AD-1", "Uocm:AP-TOKYO-1-AD-2"} })
	p := New("test")
	taken := nodeReq(env(w, srv.URL), `{}`)
	taken.Node.FixedIP = "10.0.1.50"
	if _, err := p.CreateNode(context.Background(), taken); err != nil {
		t.Fatal(err)
	}
	held := w.AddVolume(50)
	holder := nodeReq(env(w, srv.URL), `{"disks": ["`+held+`"]}`)
	if _, err := p.CreateNode(context.Background(), holder); err != nil {
		t.Fatal(err)
	}
	far := w.AddVolumeIn("Uocm:AP-TOKYO-1-AD-2", 50)
	cases := []struct {
		name    string
		catalog func(string) string
		spec    string
		ips     []string
		want    []finding
	}{
		{name: "all well", spec: `{"shape": "VM.Standard.E4.Flex", "ocpus": 1, "memory_in_gbs": 16}`, ips: []string{"10.0.1.51"}},
		{name: "no such image", spec: `{"cloud_image": "Windows-95"}`, want: []finding{{"spec.cloud_image", provider.CodeNotFound}}},
		{name: "shape not offered", spec: `{"shape": "VM.GPU3.1"}`, want: []finding{{"spec.shape", provider.CodeInvalid}}},
		{name: "fixed ip taken", spec: `{}`, ips: []string{"10.0.1.50"}, want: []finding{{"spec.ip_addresses", provider.CodeInvalid}}},
		{name: "disk attached elsewhere", spec: `{"disks": ["` + held + `"]}`, want: []finding{{"spec.disks[0]", provider.CodeInvalid}}},
		{name: "disk in another AD", spec: `{"disks": ["` + far + `"]}`, want: []finding{{"spec.disks[0]", provider.CodeInvalid}}},
		{name: "no such disk", spec: `{"disks": ["ocid1.volume.oc1.ap-tokyo-1.nothere"]}`, want: []finding{{"spec.disks[0]", provider.CodeNotFound}}},
		{name: "no such subnet", catalog: func(c string) string { return strings.Replace(c, w.SubnetID, "ocid1.subnet.oc1.ap-tokyo-1.nothere", 1) },
			spec: `{}`, want: []finding{{"catalog.oracle_subnet_id", provider.CodeNotFound}}},
		{name: "no such AD", catalog: func(c string) string { return strings.Replace(c, w.ADs()[0], "Uocm:AP-TOKYO-1-AD-3", 1) },
			spec: `{}`, want: []finding{{"catalog.oracle_availability_domain", provider.CodeInvalid}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := env(w, srv.URL)
			if tc.catalog != nil {
				e.CatalogEntry = json.RawMessage(tc.catalog(string(e.CatalogEntry)))
			}
			var nodes []provider.NodeRef
			for i, ip := range tc.ips {
				nodes = append(nodes, provider.NodeRef{NodeID: "n", NodeNo: i + 1, FixedIP: ip})
			}
			res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(tc.spec), Nodes: nodes})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, errorsOf(res.Diagnostics), cmpSorted); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, res.Diagnostics)
			}
		})
	}
	if n := len(w.Instances()); n != 2 {
		t.Errorf("%d instances after preflights, want the 2 made first", n)
	}
}
