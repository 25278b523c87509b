package onprem

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/servers"
)

func TestConformance(t *testing.T) {
	priv, pub := testKey(t)
	image := baseImage(t)
	srv := servers.Start(t, servers.Options{AuthorizedKey: pub, Sudo: true, BaseImage: image})
	spec := fmt.Sprintf(`{"user_name": "vcp", "ip_addresses": [%q], "image": %q, "privileged": false}`, srv.IP, image)
	providertest.Run(t, providertest.Fixture{
		Provider: providertest.Connect(t, New("0.1.0")),
		Env: provider.CallEnv{ControllerID: "ctl-conformance", CatalogEntryName: "default", CatalogEntry: json.RawMessage(`{}`),
			ControllerAddress: "127.0.0.1", ControllerSSHKey: provider.Secret(priv)},
		Spec: json.RawMessage(spec), FixedIP: srv.IP,
		BadCatalog: []providertest.Bad{{Name: "unknown key", Doc: json.RawMessage(`{"aws_region": "x"}`), WantField: "catalog.aws_region"}},
		BadSpec: []providertest.Bad{
			{Name: "no user", Doc: json.RawMessage(`{"ip_addresses": ["10.0.0.1"]}`), WantField: "spec.user_name"},
			{Name: "no addresses", Doc: json.RawMessage(`{"user_name": "vcp"}`), WantField: "spec.ip_addresses"},
			{Name: "bad address", Doc: json.RawMessage(`{"user_name": "vcp", "ip_addresses": ["10.0.0.300"]}`), WantField: "spec.ip_addresses[0]"},
			{Name: "bad port", Doc: json.RawMessage(`{"user_name": "vcp", "ip_addresses": ["10.0.0.1"], "ssh_port": 70000}`), WantField: "spec.ssh_port"},
		},
	})
}

// TestPreflight runs the bad servers of the issue against Preflight: each
// refused with a message naming the server and the fix.
func TestPreflight(t *testing.T) {
	priv, pub := testKey(t)
	_, otherPub := testKey(t)
	good := servers.Start(t, servers.Options{AuthorizedKey: pub, DockerGroup: true})
	noDocker := servers.Start(t, servers.Options{AuthorizedKey: pub, Sudo: true, NoDocker: true})
	wrongKey := servers.Start(t, servers.Options{AuthorizedKey: otherPub, Sudo: true, NoDocker: true})
	p := providertest.Connect(t, New("0.1.0")).(provider.Preflighter)
	env := provider.CallEnv{ControllerID: "ctl", CatalogEntry: json.RawMessage(`{}`), ControllerSSHKey: provider.Secret(priv)}
	pre := func(ip, user string, known map[string]string) *provider.PreflightResult {
		t.Helper()
		e := env
		e.KnownHosts = known
		spec := fmt.Sprintf(`{"user_name": %q, "ip_addresses": [%q]}`, user, ip)
		res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(spec),
			Nodes: []provider.NodeRef{{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: ip}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := pre(good.IP, "vcp", nil)
	if res.Diagnostics.HasError() {
		t.Fatalf("good server refused: %v", res.Diagnostics)
	}
	key := res.HostKeys[good.Addr()]
	if !strings.HasPrefix(key, "ssh-ed25519 ") {
		t.Fatalf("no host key to pin for %s: %v", good.Addr(), res.HostKeys)
	}
	if again := pre(good.IP, "vcp", map[string]string{good.Addr(): key}); again.Diagnostics.HasError() || len(again.HostKeys) != 0 {
		t.Fatalf("pinned server: %v %v", again.Diagnostics, again.HostKeys)
	}
	good.RotateHostKeys()
	cases := []struct {
		name     string
		ip, user string
		known    map[string]string
		want     []string
	}{
		{"changed host key", good.IP, "vcp", map[string]string{good.Addr(): key}, []string{"host key of " + good.Addr() + " changed", "forget-host"}},
		{"wrong user", good.IP, "nobody2", nil, []string{"refused the controller's SSH key for user \"nobody2\"", "bootstrap"}},
		{"key not authorised", wrongKey.IP, "vcp", nil, []string{"refused the controller's SSH key", "authorized_keys"}},
		{"missing docker", noDocker.IP, "vcp", nil, []string{"Docker is not reachable", "on " + noDocker.Addr(), "install Docker"}},
		{"unreachable", "192.0.2.1", "vcp", nil, []string{"cannot reach 192.0.2.1:20022", "ssh_port"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := pre(c.ip, c.user, c.known)
			if !res.Diagnostics.HasError() {
				t.Fatal("accepted")
			}
			msg := res.Diagnostics.Err().Error() + " " + fmt.Sprint(res.Diagnostics)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("diagnostics %q lack %q", msg, w)
				}
			}
		})
	}
}
