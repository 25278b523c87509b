package main_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// awsHost runs vcc-host with the AWS plugins against m: aws and aws_spot
// catalog entries, the user's AWS credentials stored once for both.
func awsHost(t *testing.T, m *moto.Server, extra ...string) *testenv.Host {
	entry := func(withEndpoint bool) string {
		e := fmt.Sprintf("    aws_region: us-east-1\n    aws_vpc_subnet_id: %s\n    aws_vpc_security_group_id: %s\n    private_network_ipmask: %s\n",
			m.Subnet, m.SecurityGroup, m.SubnetCIDR)
		if withEndpoint {
			e += "    aws_endpoint_url: " + m.URL + "\n"
		}
		return e
	}
	// aws names its endpoint in the catalog; aws_spot gets it from the
	// SDK's AWS_ENDPOINT_URL passed through from the host.
	catalog := "aws:\n  default:\n" + entry(true) + "aws_spot:\n  default:\n" + entry(false)
	t.Setenv("AWS_ENDPOINT_URL", m.URL)
	// moto's instances run no Base container, so no agent would ever
	// join: liveness off makes a node RUNNING when its instance runs.
	h := testenv.StartHostWith(t, catalog, testenv.AWSPlugins(t), append([]string{"--reconcile-interval", "0", "--serf-listen", "off"}, extra...)...)
	c := ctx(t)
	for k, v := range map[string]string{"access_key": "testing", "secret_key": "testing"} {
		if err := h.Client.PutCredential(c, "aws", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// TestAWS: through the controller, a unit of 3 on-demand and 2 spot
// instances appear in EC2 with the spec's type, the catalog's subnet and
// group, vcc's tags and a Base-container user data; power off/on works on
// aws and is refused on aws_spot; reconcile finds an instance deleted
// behind the controller's back and one it does not know; cleanup leaves
// nothing.
func TestAWS(t *testing.T) {
	m := moto.Start(t)
	h := awsHost(t, m)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "aws", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "od", Provider: "aws", Flavor: "medium",
		Spec: map[string]any{"num_nodes": 3, "cloud_image": m.Image, "tags": map[string]string{"project": "x"}}}))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "sp", Provider: "aws-spot", Flavor: "small",
		Spec: map[string]any{"num_nodes": 2, "cloud_image": m.Image, "spot_type": "persistent"}}))

	byNode := map[string]moto.Instance{}
	for _, in := range m.Instances(t) {
		byNode[in.Tag(provider.TagNodeID)] = in
	}
	for unit, want := range map[string]struct {
		n          int
		typ, cycle string
	}{"od": {3, "m4.xlarge", ""}, "sp": {2, "m4.large", "spot"}} {
		u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, unit))
		if len(u.Nodes) != want.n || states(u)["RUNNING"] != want.n {
			t.Fatalf("unit %s: %v", unit, states(u))
		}
		for _, n := range u.Nodes {
			in, ok := byNode[n.NodeID]
			switch {
			case !ok:
				t.Errorf("node %s of %s has no instance in EC2", n.NodeID, unit)
			case in.ID != n.CloudInstanceID || in.Type != want.typ || in.Lifecycle != want.cycle || in.Subnet != m.Subnet ||
				len(in.SecurityGroups) != 1 || in.SecurityGroups[0] != m.SecurityGroup:
				t.Errorf("instance of %s: %+v", unit, in)
			case in.Tag(provider.TagControllerID) != h.ControllerID || in.Tag("Name") != n.CloudInstanceName || in.PrivateIP != n.CloudInstanceAddress:
				t.Errorf("instance of %s: tags %+v ip %s", unit, in.Tags, in.PrivateIP)
			case !strings.Contains(m.UserData(t, in.ID), "vcc-base-"+n.NodeID):
				t.Errorf("user data of %s does not start its Base container", in.ID)
			}
		}
	}
	if in := byNode[must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "od")).Nodes[0].NodeID]; in.Tag("project") != "x" {
		t.Errorf("spec tags missing: %+v", in.Tags)
	}

	od := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "od"))
	settle(t, cl)(cl.PowerOff(c, vc.VCID, "od", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "od"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "od", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "od"))); s["RUNNING"] != 3 {
		t.Fatalf("after power on: %v", s)
	}
	if _, err := cl.PowerOff(c, vc.VCID, "sp", sdk.Selector{}); sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "aws_spot cannot power off") {
		t.Errorf("power off of spot nodes: %v", err)
	}

	// Behind the controller's back: one instance terminated, one made with
	// the controller's tag for a node it never had.
	m.Terminate(t, od.Nodes[2].CloudInstanceID)
	orphan := providertest.Launch(t, testenv.AWSPlugins(t)["vcc-provider-aws"], "AWS_ENDPOINT_URL="+m.URL)
	planted, err := orphan.CreateNode(c, provider.NodeRequest{
		Env:  provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: []byte(m.Catalog()), Credentials: provider.Credentials{"access_key": "t", "secret_key": "t"}},
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 7, CloudInstanceName: "stray"}, Spec: []byte(fmt.Sprintf(`{"cloud_image": %q}`, m.Image)),
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Vanished) != 1 || rep.Vanished[0] != od.Nodes[2].NodeID {
		t.Errorf("vanished %v, want node 3 of od", rep.Vanished)
	}
	var orphans []string
	for _, o := range rep.Orphans {
		orphans = append(orphans, o.CloudInstanceID)
	}
	sort.Strings(orphans)
	if len(orphans) != 1 || orphans[0] != planted.CloudInstanceID {
		t.Errorf("orphans %v, want %s (errors %v)", orphans, planted.CloudInstanceID, rep.Errors)
	}

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	left := 0
	for _, in := range m.Instances(t) {
		if in.ID != planted.CloudInstanceID && in.Tag(provider.TagControllerID) == h.ControllerID {
			left++
		}
	}
	if left != 0 {
		t.Errorf("cleanup left %d instances", left)
	}
}

// TestCatalogFromTerraform: the printed entry is accepted by the aws
// plugin through vcc-host init.
func TestCatalogFromTerraform(t *testing.T) {
	dir := t.TempDir()
	out := dir + "/out.json"
	writeFile(t, out, []byte(`{"aws_region": {"sensitive": false, "value": "ap-northeast-1"},
		"aws_vpc_subnet_id": {"sensitive": false, "value": "subnet-0123456789abcdef0"},
		"aws_vpc_security_group_id": {"sensitive": false, "value": "sg-0123456789abcdef0"},
		"tunnel1_preshared_key": {"sensitive": true, "value": "psk"}}`), 0o644)
	entry, stderr, code := run(t, "catalog", "from-terraform", out, "--provider", "aws-spot")
	if code != 0 || !strings.HasPrefix(entry, "aws_spot:\n    default:\n") || strings.Contains(entry, "psk") {
		t.Fatalf("from-terraform: %d %q %s", code, entry, stderr)
	}
	cfg := t.TempDir()
	writeFile(t, cfg+"/vpn_catalog.yml", []byte("cci_version: '1.0'\n"+entry), 0o644)
	plugins := testenv.PluginDir(t, true, testenv.AWSPlugins(t))
	if o, e, code := run(t, "init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins); code != 0 || !strings.Contains(o, "aws_spot(default)") {
		t.Fatalf("init with the generated entry: %d\n%s%s", code, o, e)
	}
}

// TestAWSRefusals: what EC2 would refuse node by node (an instance type
// not offered in the subnet's zone, an address AWS reserves, an unknown
// AMI) is a 400 naming the field before anything is recorded or launched,
// for create and for add; so are aws_spot keys that are half there.
func TestAWSRefusals(t *testing.T) {
	m := moto.Start(t)
	h := awsHost(t, m)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "refusals", ""))
	prefix := netip.MustParsePrefix(m.SubnetCIDR)
	cases := []struct {
		name, provider string
		spec           map[string]any
		want           []string
	}{
		{"type not offered", "aws", map[string]any{"cloud_image": m.Image, "instance_type": "mac1.metal"},
			[]string{"spec.instance_type", "mac1.metal is not offered in us-east-1a"}},
		{"reserved address", "aws_spot", map[string]any{"cloud_image": m.Image, "ip_addresses": []string{prefix.Addr().Next().String()}},
			[]string{"spec.ip_addresses[0]", "reserved by AWS"}},
		{"unknown AMI", "aws", map[string]any{"cloud_image": "ami-0123456789abcdef0"},
			[]string{"spec.cloud_image", "unknown AMI"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: tc.provider, Spec: tc.spec})
			var ae *sdk.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("want 400, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	// aws_spot keys of its own are never paired with aws ones: an
	// aws_spot access key alone leaves its secret missing.
	if err := cl.PutCredential(c, "aws_spot", "access_key", "spot-only"); err != nil {
		t.Fatal(err)
	}
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "aws_spot", Spec: map[string]any{"cloud_image": m.Image}})
	if sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "missing aws_spot credentials: secret_key") {
		t.Errorf("aws_spot with only its access key: %v", err)
	}
	if v := must[*sdk.VC](t)(cl.GetUnitGroup(c, vc.VCID)); len(v.Units) != 0 {
		t.Errorf("refused requests left units: %+v", v.Units)
	}
	// Adding a node at a reserved address to a good unit is refused too.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "ok", Provider: "aws", Spec: map[string]any{"cloud_image": m.Image}}))
	_, err = cl.AddNodes(c, vc.VCID, "ok", sdk.AddNodesRequest{IPAddresses: []string{prefix.Addr().String()}})
	// The network address is refused before any EC2 call (the kit's
	// fixed-IP check); the other reserved ones by the preflight.
	if sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "ip_addresses[0]: "+prefix.Addr().String()+" is the network's own network address") {
		t.Errorf("adding a node at the network address: %v", err)
	}
	_, err = cl.AddNodes(c, vc.VCID, "ok", sdk.AddNodesRequest{IPAddresses: []string{prefix.Addr().Next().String()}})
	if sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "reserved by AWS") {
		t.Errorf("adding a node at the router's address: %v", err)
	}
	if n := len(m.Instances(t)); n != 1 {
		t.Errorf("EC2 holds %d instances, want the good unit's 1", n)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
}
