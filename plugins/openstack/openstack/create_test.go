package openstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
)

func mustCreate(t *testing.T, p *Provider, e provider.CallEnv, n provider.NodeRef, spec string, first bool) *provider.NodeStatus {
	t.Helper()
	st, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: n, Spec: json.RawMessage(spec), FirstAttempt: first})
	if err != nil {
		t.Fatalf("create node %d: %v", n.NodeNo, err)
	}
	return st
}

func codeOf(err error) (string, string) {
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) {
		return "", ""
	}
	return de.Diags[0].Code, de.Diags[0].Field
}

// TestCreate: a server named as the node, of the catalog's flavor for
// small/medium/large, on its fixed IP, with the Base container's user
// data, the node's ids as Nova tags and with the user's tags as
// metadata; a retried create finds it; describe reports it running on
// its address.
func TestCreate(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	n := node(1, "10.56.0.31")
	st := mustCreate(t, p, e, n, `{"flavor_name": "medium", "tags": {"team": "a"}}`, true)
	again := mustCreate(t, p, e, n, `{"flavor_name": "medium", "tags": {"team": "a"}}`, false)
	if again.CloudInstanceID != st.CloudInstanceID {
		t.Fatalf("a retried create made %s beside %s", again.CloudInstanceID, st.CloudInstanceID)
	}
	cloud := settled(t, c)
	if len(cloud.Servers) != 1 {
		t.Fatalf("%d servers", len(cloud.Servers))
	}
	s := cloud.Servers[0]
	ud, _ := base64.StdEncoding.DecodeString(s.UserData)
	want := map[string]string{"team": "a", "vcc:controller_id": e.ControllerID, "vcc:node_id": n.NodeID, "vcc:vcid": "vc1", "vcc:unit": "web", "vcc:node_no": "1"}
	if diff := cmp.Diff(want, s.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"vcc.controller_id=" + e.ControllerID, "vcc.node_id=" + n.NodeID}, s.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if s.Name != "web-1" || s.Flavor != "m1.medium" || s.ImageID != osemu.ImageID || !strings.Contains(string(ud), "vcc-base-"+n.NodeID) {
		t.Errorf("server %+v, user data %q", s, ud)
	}
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}, StateOnly: true})
	if err != nil || len(got) != 1 || got[0].State != provider.InstanceRunning || got[0].CloudInstanceAddress != "10.56.0.31" {
		t.Fatalf("describe: %+v %v", got, err)
	}
}

// TestMetadataFallback: on a Nova without tags (microversion below
// 2.52) nodes are made and found by their metadata.
func TestMetadataFallback(t *testing.T) {
	opts := fast
	opts.MaxMicroversion = "2.25"
	c := osemu.Start(t, opts)
	p, e := New("t"), env(c)
	n := node(1, "")
	st := mustCreate(t, p, e, n, `{}`, true)
	if again := mustCreate(t, p, e, n, `{}`, false); again.CloudInstanceID != st.CloudInstanceID {
		t.Fatalf("a retried create made a second server")
	}
	other := env(c) // another controller's node is not ours
	mustCreate(t, p, other, node(1, ""), `{}`, true)
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, AllOfController: true})
	if err != nil || len(got) != 1 || got[0].NodeID != n.NodeID {
		t.Fatalf("describe: %+v %v", got, err)
	}
	if s := settled(t, c).Servers; len(s[0].Tags)+len(s[1].Tags) != 0 {
		t.Errorf("tags set below 2.52: %+v", s)
	}
}

// TestTokenRenewal: a token that expires between calls is renewed once,
// and the call succeeds.
func TestTokenRenewal(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	n := node(1, "")
	mustCreate(t, p, e, n, `{}`, true)
	before := c.TokensIssued()
	c.ExpireTokens()
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}})
	if err != nil || got[0].State == provider.InstanceNotFound {
		t.Fatalf("describe after expiry: %+v %v", got, err)
	}
	if c.TokensIssued() != before+1 {
		t.Errorf("%d tokens issued, want %d", c.TokensIssued(), before+1)
	}
	// The client (and its token) is reused across calls; other
	// credentials get a client of their own.
	for range 3 {
		if _, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}}); err != nil {
			t.Fatal(err)
		}
	}
	if c.TokensIssued() != before+1 {
		t.Errorf("%d tokens issued after more calls, want %d", c.TokensIssued(), before+1)
	}
	e.Credentials = provider.Credentials{"application_credential_id": osemu.AppCredID, "application_credential_secret": osemu.AppCredSecret}
	if _, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}}); err != nil {
		t.Fatal(err)
	}
	if c.TokensIssued() != before+2 || p.clients.Len() != 2 {
		t.Errorf("other credentials: %d tokens, %d clients", c.TokensIssued(), p.clients.Len())
	}
}

// TestVolumes: volume_size boots from a new volume deleted with the
// node; disks are attached and come back available.
func TestVolumes(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	n := node(1, "")
	st := mustCreate(t, p, e, n, `{"volume_size": 30, "disks": ["`+osemu.DataVolumeID+`"]}`, true)
	cloud := settled(t, c)
	if len(cloud.Servers[0].Volumes) != 2 || len(cloud.Volumes) != 3 || cloud.Servers[0].ImageID != "" {
		t.Fatalf("server %+v, volumes %+v", cloud.Servers[0], cloud.Volumes)
	}
	n.CloudInstanceID = st.CloudInstanceID
	if err := p.DeleteNode(context.Background(), provider.NodeRequest{Env: e, Node: n}); err != nil {
		t.Fatal(err)
	}
	cloud = settled(t, c)
	if len(cloud.Servers) != 0 || len(cloud.Volumes) != 2 {
		t.Fatalf("after delete: %+v", cloud)
	}
	for _, v := range cloud.Volumes {
		if v.Status != "available" {
			t.Errorf("volume %+v", v)
		}
	}
}

// TestCloudErrors: what the cloud refuses arrives as the kit's codes,
// on the field to fix.
func TestCloudErrors(t *testing.T) {
	opts := fast
	opts.QuotaInstances = 2
	c := osemu.Start(t, opts)
	p, e := New("t"), env(c)
	mustCreate(t, p, e, node(1, "10.56.0.40"), `{}`, true)
	cases := []struct {
		name        string
		env         func(provider.CallEnv) provider.CallEnv
		spec        string
		ip          string
		code, field string
	}{
		{"wrong password", func(e provider.CallEnv) provider.CallEnv {
			e.Credentials = provider.Credentials{"user_name": osemu.UserName, "password": "nope"}
			return e
		}, `{}`, "", provider.CodeAuthFailed, "credentials"},
		{"no credentials", func(e provider.CallEnv) provider.CallEnv { e.Credentials = nil; return e }, `{}`, "", provider.CodeAuthFailed, "credentials"},
		{"taken address", nil, `{}`, "10.56.0.40", provider.CodeInvalid, "spec.ip_addresses"},
		{"unknown flavor", nil, `{"flavor_name": "m9.huge"}`, "", provider.CodeNotFound, "spec.flavor_name"},
		{"unknown image", nil, `{"cloud_image": "nope"}`, "", provider.CodeNotFound, "spec.cloud_image"},
		{"another project's image", nil, `{"cloud_image": "someone-elses"}`, "", provider.CodeNotFound, "spec.cloud_image"},
		{"second fits", nil, `{}`, "", "", ""},
		{"quota", nil, `{}`, "", provider.CodeQuota, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ce := e
			if tc.env != nil {
				ce = tc.env(e)
			}
			_, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: ce, Node: node(2, tc.ip), Spec: json.RawMessage(tc.spec), FirstAttempt: true})
			code, field := codeOf(err)
			if code != tc.code || field != tc.field || (tc.code == "" && err != nil) {
				t.Fatalf("create: %v (code %q on %q), want %q on %q", err, code, field, tc.code, tc.field)
			}
		})
	}
}

// TestEndpoints: the catalog's internal endpoints are used when asked;
// a region the service catalog lacks is refused on catalog.region.
func TestEndpoints(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	e.CatalogEntry = entry(c, map[string]any{"endpoint_type": "internal"})
	mustCreate(t, p, e, node(1, ""), `{}`, true)
	e.CatalogEntry = entry(c, map[string]any{"region": "Nowhere"})
	_, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: node(2, ""), Spec: json.RawMessage(`{}`), FirstAttempt: true})
	if code, field := codeOf(err); code != provider.CodeNotFound || field != "catalog.region" {
		t.Errorf("a region without endpoints: %v", err)
	}
}

// TestApplicationCredential: nodes are made with an application
// credential (no project in the catalog entry).
func TestApplicationCredential(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	e.CatalogEntry = entry(c, map[string]any{"tenant_name": nil})
	e.Credentials = provider.Credentials{"application_credential_id": osemu.AppCredID, "application_credential_secret": osemu.AppCredSecret}
	mustCreate(t, p, e, node(1, ""), `{}`, true)
	if len(c.State().Servers) != 1 {
		t.Fatal("no server")
	}
}

// TestNoValidHost: a server Nova cannot place is an error with Nova's
// fault and what to do.
func TestNoValidHost(t *testing.T) {
	opts := fast
	opts.Capacity = 1
	c := osemu.Start(t, opts)
	p, e := New("t"), env(c)
	mustCreate(t, p, e, node(1, ""), `{}`, true)
	n := node(2, "")
	mustCreate(t, p, e, n, `{}`, true)
	settled(t, c)
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}, StateOnly: true})
	if err != nil || got[0].State != provider.InstanceError || !strings.Contains(got[0].StateReason, "No valid host") || !strings.Contains(got[0].StateReason, "another flavor") {
		t.Fatalf("describe: %+v %v", got, err)
	}
}

// TestPower: stop, start, and a reboot of a stopped server (Nova
// refuses the soft one, the hard one starts it).
func TestPower(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	n := node(1, "")
	st := mustCreate(t, p, e, n, `{}`, true)
	n.CloudInstanceID = st.CloudInstanceID
	settled(t, c)
	ctx, req := context.Background(), provider.NodeRequest{Env: e, Node: n}
	steps := []struct {
		name string
		act  func(context.Context, provider.NodeRequest) (*provider.NodeStatus, error)
		want string
	}{
		{"stop", p.PowerOff, "SHUTOFF"},
		{"stop again", p.PowerOff, "SHUTOFF"},
		{"reboot stopped", p.Reboot, "ACTIVE"},
		{"start running", p.PowerOn, "ACTIVE"},
		{"reboot", p.Reboot, "ACTIVE"},
	}
	for _, s := range steps {
		if _, err := s.act(ctx, req); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := settled(t, c).Servers[0].Status; got != s.want {
			t.Fatalf("after %s: %s, want %s", s.name, got, s.want)
		}
	}
}

// TestFloatingIP: with floating_ip_pool the node gets a port of the
// plugin's with the entry's groups and a floating IP of the pool, both
// tagged and released with the node; the node's address stays its
// private one.
func TestFloatingIP(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t"), env(c)
	e.CatalogEntry = entry(c, map[string]any{"floating_ip_pool": osemu.PublicNetName, "security_groups": []string{osemu.SecGroupName}})
	n := node(1, "10.56.0.70")
	st := mustCreate(t, p, e, n, `{}`, true)
	cloud := settled(t, c)
	if len(cloud.FloatingIPs) != 1 || len(cloud.Ports) != 1 || cloud.FloatingIPs[0].PortID != cloud.Ports[0].ID ||
		cloud.Ports[0].IP != "10.56.0.70" || cloud.Ports[0].SecurityGroups[0] != osemu.SecGroupID ||
		!strings.Contains(strings.Join(cloud.FloatingIPs[0].Tags, ","), "vcc.node_id="+n.NodeID) {
		t.Fatalf("floating IPs %+v, ports %+v", cloud.FloatingIPs, cloud.Ports)
	}
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{n}})
	if err != nil || got[0].CloudInstanceAddress != "10.56.0.70" {
		t.Errorf("describe: %+v %v", got, err)
	}
	n.CloudInstanceID = st.CloudInstanceID
	if err := p.DeleteNode(context.Background(), provider.NodeRequest{Env: e, Node: n}); err != nil {
		t.Fatal(err)
	}
	if cloud := settled(t, c); len(cloud.Servers)+len(cloud.Ports)+len(cloud.FloatingIPs) != 0 {
		t.Errorf("after delete: %+v", cloud)
	}
	e.CatalogEntry = entry(c, map[string]any{"floating_ip_pool": osemu.NetworkName})
	if _, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: node(2, ""), Spec: json.RawMessage(`{}`), FirstAttempt: true}); err == nil {
		t.Error("a floating IP from a network that is not external")
	}
	if cloud := c.State(); len(cloud.Ports)+len(cloud.FloatingIPs) != 0 {
		t.Errorf("a refused create left %+v", cloud)
	}
}
