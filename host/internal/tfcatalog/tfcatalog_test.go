package tfcatalog

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

func TestFromOutput(t *testing.T) {
	out := `{
	  "aws_region": {"sensitive": false, "type": "string", "value": "ap-northeast-1"},
	  "aws_availability_zone": {"sensitive": false, "type": "string", "value": "ap-northeast-1a"},
	  "aws_vpc_subnet_id": {"sensitive": false, "type": "string", "value": "subnet-0123456789abcdef0"},
	  "aws_vpc_security_group_id": {"sensitive": false, "type": "string", "value": "sg-0123456789abcdef0"},
	  "private_network_ipmask": {"sensitive": false, "type": "string", "value": "172.30.2.0/24"},
	  "tunnel1_preshared_key": {"sensitive": true, "type": "string", "value": "s3cret"}
	}`
	got, err := FromOutput([]byte(out), "aws_spot", "tokyo")
	if err != nil {
		t.Fatal(err)
	}
	want := `aws_spot:
    tokyo:
        aws_availability_zone: ap-northeast-1a
        aws_region: ap-northeast-1
        aws_vpc_security_group_id: sg-0123456789abcdef0
        aws_vpc_subnet_id: subnet-0123456789abcdef0
        private_network_ipmask: 172.30.2.0/24
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Contains(got, "s3cret") {
		t.Error("a sensitive output was copied")
	}
	for name, bad := range map[string]string{
		"not_json": `nope`,
		"missing":  `{"aws_region": {"value": "ap-northeast-1"}}`,
	} {
		if _, err := FromOutput([]byte(bad), "aws", "default"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := FromOutput([]byte(`{"aws_region": {"value": "x"}}`), "aws", "default"); err == nil ||
		!strings.Contains(err.Error(), "aws_vpc_security_group_id, aws_vpc_subnet_id") {
		t.Errorf("missing outputs not named: %v", err)
	}
}

func repoFile(t *testing.T, rel string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "../../..", rel)
}

// TestVPNScript parses aws/vpn.tf: it must declare every output the
// catalog needs and the resources of a site-to-site VPN.
func TestVPNScript(t *testing.T) {
	f, diags := hclparse.NewParser().ParseHCLFile(repoFile(t, "aws/vpn.tf"))
	if diags.HasErrors() {
		t.Fatalf("aws/vpn.tf: %s", diags.Error())
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "terraform"}, {Type: "provider", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}}, {Type: "output", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
	}})
	if diags.HasErrors() {
		t.Fatalf("aws/vpn.tf structure: %s", diags.Error())
	}
	outputs, resources := map[string]bool{}, map[string]bool{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "output":
			outputs[b.Labels[0]] = true
		case "resource":
			resources[b.Labels[0]] = true
		}
	}
	for _, o := range append(append([]string{}, Required...), Optional...) {
		if !outputs[o] {
			t.Errorf("aws/vpn.tf lacks output %q", o)
		}
	}
	for _, r := range []string{"aws_vpc", "aws_subnet", "aws_security_group", "aws_vpn_gateway", "aws_customer_gateway", "aws_vpn_connection"} {
		if !resources[r] {
			t.Errorf("aws/vpn.tf lacks a %s", r)
		}
	}
}

// TestLibreswanTemplate: the manual's trap, auth=esp, is not set.
func TestLibreswanTemplate(t *testing.T) {
	raw, err := os.ReadFile(repoFile(t, "aws/libreswan/vcc-aws.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\n") {
		if l := strings.TrimSpace(line); !strings.HasPrefix(l, "#") && strings.Contains(strings.ReplaceAll(l, " ", ""), "auth=esp") {
			t.Errorf("line %d sets auth=esp", i+1)
		}
	}
	if !strings.Contains(string(raw), "authby=secret") || !strings.Contains(string(raw), "${tunnel1_address}") {
		t.Error("template lacks the tunnel settings")
	}
}
