package awsprov

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest/moto"
)

// TestPreflight: what EC2 would refuse node by node is found before
// anything is launched, on the field to fix; a check EC2 cannot answer
// now is only a warning.
func TestPreflight(t *testing.T) {
	m := moto.Start(t)
	var vpc struct {
		ID string `xml:"vpc>vpcId"`
	}
	m.Call(t, url.Values{"Action": {"CreateVpc"}, "CidrBlock": {"10.99.0.0/16"}}, &vpc)
	var sg struct {
		ID string `xml:"groupId"`
	}
	m.Call(t, url.Values{"Action": {"CreateSecurityGroup"}, "GroupName": {"elsewhere"}, "GroupDescription": {"x"}, "VpcId": {vpc.ID}}, &sg)
	prefix := netip.MustParsePrefix(m.SubnetCIDR)
	inside := prefix.Addr().Next().Next().Next().Next().Next().String() // the 6th address: usable
	routerIP := prefix.Addr().Next().String()

	var sub struct {
		Zone string `xml:"subnetSet>item>availabilityZone"`
	}
	m.Call(t, url.Values{"Action": {"DescribeSubnets"}, "SubnetId.1": {m.Subnet}}, &sub)
	here, elsewhere := m.CreateVolume(t, sub.Zone, 8), m.CreateVolume(t, "us-east-1f", 8)
	disks := func(vols ...string) string {
		raw, _ := json.Marshal(vols)
		return `{"cloud_image": %q, "disks": ` + strings.ReplaceAll(string(raw), "%", "%%") + `}`
	}
	catalog := func(edit func(map[string]any)) json.RawMessage {
		var c map[string]any
		_ = json.Unmarshal([]byte(m.Catalog()), &c)
		delete(c, "private_network_ipmask") // check against the real subnet
		if edit != nil {
			edit(c)
		}
		raw, _ := json.Marshal(c)
		return raw
	}
	cases := map[string]struct {
		catalog func(map[string]any)
		spec    string
		ips     []string
		want    []string // field: severity
	}{
		"valid":            {spec: `{"cloud_image": %q, "ip_addresses": [%q]}`, ips: []string{inside}},
		"unknown_subnet":   {catalog: func(c map[string]any) { c["aws_vpc_subnet_id"] = "subnet-0123456789abcdef0" }, want: []string{"catalog.aws_vpc_subnet_id: error"}},
		"unknown_group":    {catalog: func(c map[string]any) { c["aws_vpc_security_group_id"] = "sg-0123456789abcdef0" }, want: []string{"catalog.aws_vpc_security_group_id: error"}},
		"group_other_vpc":  {catalog: func(c map[string]any) { c["aws_vpc_security_group_id"] = sg.ID }, want: []string{"catalog.aws_vpc_security_group_id: error"}},
		"zone_not_subnets": {catalog: func(c map[string]any) { c["aws_availability_zone"] = "us-east-1f" }, want: []string{"catalog.aws_availability_zone: error"}},
		"unknown_ami":      {spec: `{"cloud_image": "ami-0123456789abcdef0"}`, want: []string{"spec.cloud_image: error"}},
		"type_not_offered": {spec: `{"cloud_image": %q, "instance_type": "mac1.metal"}`, want: []string{"spec.instance_type: error"}},
		"ip_outside":       {spec: `{"cloud_image": %q, "ip_addresses": ["10.200.0.9"]}`, ips: []string{"10.200.0.9"}, want: []string{"spec.ip_addresses[0]: error"}},
		"ip_reserved":      {spec: `{"cloud_image": %q, "ip_addresses": [%q]}`, ips: []string{routerIP}, want: []string{"spec.ip_addresses[0]: error"}},
		"disk_here":        {spec: disks(here)},
		"disk_other_zone":  {spec: disks(here, elsewhere), want: []string{"spec.disks[1]: error"}},
		"disk_unknown":     {spec: disks("vol-0123456789abcdef0"), want: []string{"spec.disks[0]: error"}},
		"ec2_unreachable":  {catalog: func(c map[string]any) { c["aws_endpoint_url"] = "http://127.0.0.1:1" }, want: []string{": warning"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spec := tc.spec
			if spec == "" {
				spec = `{"cloud_image": %q}`
			}
			if strings.Count(spec, "%q") == 2 {
				spec = fmt.Sprintf(spec, m.Image, tc.ips[0])
			} else if strings.Contains(spec, "%q") {
				spec = fmt.Sprintf(spec, m.Image)
			}
			req := provider.PreflightRequest{Env: request(m, "", spec).Env, Spec: json.RawMessage(spec)}
			req.Env.CatalogEntry = catalog(tc.catalog)
			for i, ip := range tc.ips {
				req.Nodes = append(req.Nodes, provider.NodeRef{NodeNo: i + 1, FixedIP: ip})
			}
			res, err := New("0.1.0", false).Preflight(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v", res.Diagnostics)
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, fmt.Sprintf("%s: %s", d.Field, d.Severity))
				if d.Summary == "" {
					t.Errorf("diagnostic on %q has no summary", d.Field)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall: %v", diff, res.Diagnostics)
			}
		})
	}
	if n := len(m.Instances(t)); n != 0 {
		t.Errorf("preflight launched %d instances", n)
	}
}

func TestReserved(t *testing.T) {
	p := netip.MustParsePrefix("172.31.0.0/20")
	for ip, want := range map[string]bool{
		"172.31.0.0": true, "172.31.0.1": true, "172.31.0.2": true, "172.31.0.3": true,
		"172.31.0.4": false, "172.31.15.254": false, "172.31.15.255": true, "172.31.7.7": false,
	} {
		if got := reserved(p, netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s reserved = %v, want %v", ip, got, want)
		}
	}
}

// TestNarrowIAM: with moto checking signatures and IAM policies, keys
// allowed to launch but not to look subnets, groups or instance types up
// are not refused by the preflight (warnings only), and state polls fall
// back to DescribeInstances when DescribeInstanceStatus is not allowed;
// a wrong secret is an error on the credentials.
func TestNarrowIAM(t *testing.T) {
	m := moto.Start(t)
	ak, sk := m.User(t, "narrow", "ec2:RunInstances", "ec2:CreateTags", "ec2:DescribeInstances", "ec2:DescribeImages", "ec2:TerminateInstances")
	m.EnforceIAM(t)
	ctx := context.Background()
	spec := fmt.Sprintf(`{"cloud_image": %q}`, m.Image)
	req := request(m, "node-narrow", spec)
	req.Env.Credentials = provider.Credentials{"access_key": ak, "secret_key": sk}
	p := New("0.1.0", false)

	res, err := p.Preflight(ctx, provider.PreflightRequest{Env: req.Env, Spec: req.Spec})
	if err != nil || res.Diagnostics.HasError() {
		t.Fatalf("preflight with narrow keys: err=%v diags=%v; want warnings only", err, res.Diagnostics)
	}
	var warned []string
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Summary, "not permitted to check") {
			warned = append(warned, d.Summary[strings.LastIndex(d.Summary, "ec2:"):])
		}
	}
	// The AMI, which the keys may look up, was checked all the same.
	if diff := cmp.Diff([]string{"ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"}, warned); diff != "" {
		t.Errorf("checks reported as not permitted (-want +got):\n%s", diff)
	}
	bogus := request(m, "node-narrow", `{"cloud_image": "ami-0123456789abcdef0"}`).Spec
	res, err = p.Preflight(ctx, provider.PreflightRequest{Env: req.Env, Spec: bogus})
	if err != nil || !res.Diagnostics.HasError() {
		t.Errorf("an unknown AMI with narrow keys: err=%v diags=%v; want an error on spec.cloud_image", err, res.Diagnostics)
	}

	req.FirstAttempt = true
	st, err := p.CreateNode(ctx, req)
	if err != nil {
		t.Fatalf("create with narrow keys: %v", err)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: req.Env, Nodes: []provider.NodeRef{req.Node}, StateOnly: true})
	if err != nil || len(got) != 1 || got[0].State != provider.InstanceRunning {
		t.Errorf("state-only describe without DescribeInstanceStatus: %+v %v", got, err)
	}
	if err := p.DeleteNode(ctx, req); err != nil {
		t.Errorf("delete with narrow keys: %v", err)
	}

	bad := req.Env
	bad.Credentials = provider.Credentials{"access_key": ak, "secret_key": "not-the-secret"}
	res, err = p.Preflight(ctx, provider.PreflightRequest{Env: bad, Spec: req.Spec})
	if err != nil || !res.Diagnostics.HasError() || res.Diagnostics[0].Field != "credentials" || !strings.Contains(res.Diagnostics[0].Summary, "refused the credentials") {
		t.Errorf("preflight with a wrong secret: err=%v diags=%v; want an error on the credentials", err, res.Diagnostics)
	}
}
