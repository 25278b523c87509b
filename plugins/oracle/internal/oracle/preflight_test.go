package oracle

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/plugins/oracle/toycloud"
	"github.com/vccproject/vcc/proto/provider"
)

func TestPreflight(t *testing.T) {
	_, srv := toycloud.Start(t)
	type finding struct{ Field, Code, Severity string }
	down := "http://127.0.0.1:1"
	cases := map[string]struct {
		url, key, network, image, fixedIP string
		want                              []finding
	}{
		"ok":         {srv.URL, toycloud.TestKey, "net-default", "debian-12", "10.20.0.9", nil},
		"reader_key": {srv.URL, toycloud.ReaderKey, "net-default", "default", "", nil},
		"no_network": {srv.URL, toycloud.TestKey, "net-x", "default", "", []finding{{"catalog.oracle_network_id", provider.CodeNotFound, "error"}}},
		"no_image":   {srv.URL, toycloud.TestKey, "net-default", "windows", "", []finding{{"spec.cloud_image", provider.CodeNotFound, "error"}}},
		"ip_outside": {srv.URL, toycloud.TestKey, "net-default", "default", "10.99.0.9", []finding{{"spec.ip_addresses", provider.CodeInvalid, "error"}}},
		"bad_key":    {srv.URL, "wrong", "net-default", "default", "", []finding{{"credentials", provider.CodeAuthFailed, "error"}}},
		// A cloud that does not answer now is no reason to refuse, and
		// nothing the user wrote is to blame.
		"cloud_down": {down, toycloud.TestKey, "net-default", "default", "", []finding{
			{"", provider.CodeUnreachable, "warning"}, {"", provider.CodeUnreachable, "warning"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := env(tc.url, tc.key)
			// The catalog's mask is left out: preflight checks the
			// cloud's own range of the network.
			e.CatalogEntry = json.RawMessage(fmt.Sprintf(`{"oracle_endpoint_url": %q, "oracle_network_id": %q}`, tc.url, tc.network))
			res, err := New("0").Preflight(context.Background(), provider.PreflightRequest{Env: e,
				Nodes: []provider.NodeRef{{NodeID: "n", NodeNo: 1, FixedIP: tc.fixedIP}}, Spec: json.RawMessage(fmt.Sprintf(`{"cloud_image": %q}`, tc.image))})
			if err != nil {
				t.Fatal(err)
			}
			var got []finding
			for _, d := range res.Diagnostics {
				got = append(got, finding{d.Field, d.Code, d.Severity.String()})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, res.Diagnostics)
			}
		})
	}
}
