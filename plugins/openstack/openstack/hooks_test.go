package openstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
)

// site is a provider customised as a site would: the network by name
// and a port of its own with a security group, a required catalog key
// with a check, a spec field, scheduler hints, a name template and a
// proxy before Docker.
func site() *Provider {
	return New("t",
		WithName("mysite", "a site's OpenStack"),
		WithoutCatalogAttributes("network_uuid"),
		WithCatalogAttributes(
			provider.Attribute{Name: "network_name", Type: provider.TypeString, Required: true, Description: "network by name"},
			provider.Attribute{Name: "security_group", Type: provider.TypeString, Required: true, Description: "group of the port"},
			provider.Attribute{Name: "proxy", Type: provider.TypeString, Description: "HTTP proxy"},
		),
		WithCatalogCheck(func(e *Entry) provider.Diagnostics {
			var x struct{ Proxy string }
			_ = e.Decode(&x)
			if x.Proxy != "" && !strings.HasPrefix(x.Proxy, "http://") {
				return provider.Diagnostics{provider.Invalid("not an http:// URL").On("catalog.proxy")}
			}
			return nil
		}),
		WithSpecAttributes(provider.Attribute{Name: "group_hint", Type: provider.TypeString, Description: "server group"}),
		WithAttach(func(ctx context.Context, c *Cloud, b *Build) ([]Attachment, error) {
			var x struct {
				Net string `json:"network_name"`
				SG  string `json:"security_group"`
			}
			_ = b.Entry.Decode(&x)
			n, err := c.NetworkByName(ctx, x.Net, "catalog.network_name")
			if err != nil {
				return nil, err
			}
			sg, err := c.SecurityGroupID(ctx, x.SG, "catalog.security_group")
			if err != nil {
				return nil, err
			}
			opts := &ports.CreateOpts{NetworkID: n.ID, SecurityGroups: &[]string{sg}}
			if b.Node.FixedIP != "" {
				opts.FixedIPs = []ports.IP{{IPAddress: b.Node.FixedIP}}
			}
			return []Attachment{{Port: opts}}, nil
		}),
		WithServer(func(ctx context.Context, c *Cloud, b *Build, o *ServerOptions) error {
			var x struct {
				Hint string `json:"group_hint"`
			}
			_ = b.Spec.Decode(&x)
			o.Name = "site-" + b.Node.UnitName + "-" + b.Node.NodeID[:8]
			o.AvailabilityZone = "zone-b"
			o.Metadata["site"] = "yes"
			o.Metadata["vcc:node_id"] = "overwritten?"
			if x.Hint != "" {
				o.SchedulerHints = map[string]any{"group": x.Hint}
			}
			return nil
		}),
		WithUserData(func(ctx context.Context, b *Build, ud string) (string, error) {
			var x struct{ Proxy string }
			_ = b.Entry.Decode(&x)
			return strings.Replace(ud, "set -eu\n", "set -eu\nexport http_proxy="+x.Proxy+" https_proxy="+x.Proxy+"\n", 1), nil
		}),
	)
}

func siteEntry(c *osemu.Cloud, net string) json.RawMessage {
	return entry(c, map[string]any{"network_uuid": nil, "network_name": net, "security_group": osemu.SecGroupName, "proxy": "http://proxy:3128"})
}

// TestHooks: the site's provider validates its keys, attaches a port of
// its own (tagged, with the group, on the fixed IP), names and places
// the server, wraps the user data, keeps the node's ids, and deletes
// its port with the node.
func TestHooks(t *testing.T) {
	c := osemu.Start(t, fast)
	p := site()
	ctx := context.Background()
	info, _ := p.GetInfo(ctx)
	if _, has := info.CatalogSchema.Lookup("network_uuid"); has || info.Name != "mysite" {
		t.Fatalf("info %+v", info)
	}
	bad := map[string]json.RawMessage{
		"catalog.network_name": entry(c, map[string]any{"network_uuid": nil, "security_group": "x"}),
		"catalog.proxy":        entry(c, map[string]any{"network_uuid": nil, "network_name": "n", "security_group": "x", "proxy": "ftp://x"}),
	}
	for field, raw := range bad {
		d, _ := p.ValidateCatalogEntry(ctx, "default", raw)
		if !d.HasError() || d[0].Field != field {
			t.Errorf("entry %s: %v, want an error on %s", raw, d, field)
		}
	}
	e := env(c)
	e.CatalogEntry = siteEntry(c, osemu.NetworkName)
	n := node(1, "10.56.0.50")
	st := mustCreate(t, p, e, n, `{"group_hint": "g1"}`, true)
	cloud := settled(t, c)
	s := cloud.Servers[0]
	ud, _ := base64.StdEncoding.DecodeString(s.UserData)
	if s.Name != "site-web-"+n.NodeID[:8] || s.AZ != "zone-b" || s.Metadata["site"] != "yes" || s.Metadata["vcc:node_id"] != n.NodeID ||
		s.Hints["group"] != "g1" || !strings.Contains(string(ud), "set -eu\nexport http_proxy=http://proxy:3128 ") {
		t.Errorf("server %+v\n%s", s, ud)
	}
	if len(cloud.Ports) != 1 || cloud.Ports[0].IP != "10.56.0.50" || cloud.Ports[0].SecurityGroups[0] != osemu.SecGroupID ||
		!strings.Contains(strings.Join(cloud.Ports[0].Tags, ","), "vcc.node_id="+n.NodeID) {
		t.Errorf("ports %+v", cloud.Ports)
	}
	n.CloudInstanceID = st.CloudInstanceID
	if err := p.DeleteNode(ctx, provider.NodeRequest{Env: e, Node: n}); err != nil {
		t.Fatal(err)
	}
	if cloud := settled(t, c); len(cloud.Servers)+len(cloud.Ports) != 0 {
		t.Errorf("after delete: %+v", cloud)
	}
	// A refused server takes its port with it.
	e.CatalogEntry = siteEntry(c, "no-such-net")
	if _, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: node(2, ""), Spec: json.RawMessage(`{}`), FirstAttempt: true}); err == nil {
		t.Fatal("a create on a missing network passed")
	} else if code, field := codeOf(err); code != provider.CodeNotFound || field != "catalog.network_name" {
		t.Errorf("missing network: %v", err)
	}
	e.CatalogEntry = siteEntry(c, osemu.NetworkName)
	if _, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: node(3, ""), Spec: json.RawMessage(`{"flavor_name": "m9"}`), FirstAttempt: true}); err == nil {
		t.Fatal("a create with a missing flavor passed")
	}
	if cloud := c.State(); len(cloud.Ports) != 0 {
		t.Errorf("a refused create left ports %+v", cloud.Ports)
	}
}

// TestNameTemplate: servers named by the site's template.
func TestNameTemplate(t *testing.T) {
	c := osemu.Start(t, fast)
	p, e := New("t", WithNameTemplate("{{.Entry.TenantName}}-{{.Node.UnitName}}-{{.Node.NodeNo}}")), env(c)
	mustCreate(t, p, e, node(3, ""), `{}`, true)
	if s := c.State().Servers; len(s) != 1 || s[0].Name != osemu.ProjectName+"-web-3" {
		t.Errorf("servers %+v", s)
	}
	bad := New("t", WithNameTemplate("{{.Node.Nope}}"))
	if _, err := bad.CreateNode(context.Background(), provider.NodeRequest{Env: e, Node: node(4, ""), Spec: json.RawMessage(`{}`), FirstAttempt: true}); err == nil {
		t.Error("a failing template made a server")
	}
}

// TestBootSources: a site's boot source: an existing volume, a volume
// snapshot; the volumes made go with the node, the given one stays.
func TestBootSources(t *testing.T) {
	cases := []struct {
		name      string
		src       BootSource
		volumes   int // the cloud's volumes while the node runs
		remaining int // and after its delete
	}{
		{"volume", BootSource{VolumeID: osemu.DataVolume2ID}, 2, 2},
		{"snapshot", BootSource{SnapshotID: osemu.SnapshotID, VolumeSize: 20}, 3, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := osemu.Start(t, fast)
			p := New("t", WithBootSource(func(context.Context, *Cloud, *Build) (BootSource, error) { return tc.src, nil }))
			e, n := env(c), node(1, "")
			st := mustCreate(t, p, e, n, `{}`, true)
			cloud := settled(t, c)
			if len(cloud.Volumes) != tc.volumes || cloud.Servers[0].ImageID != "" || len(cloud.Servers[0].Volumes) != 1 {
				t.Fatalf("server %+v, volumes %+v", cloud.Servers[0], cloud.Volumes)
			}
			n.CloudInstanceID = st.CloudInstanceID
			if err := p.DeleteNode(context.Background(), provider.NodeRequest{Env: e, Node: n}); err != nil {
				t.Fatal(err)
			}
			if cloud := settled(t, c); len(cloud.Servers) != 0 || len(cloud.Volumes) != tc.remaining {
				t.Errorf("after delete: %+v", cloud)
			}
		})
	}
}
