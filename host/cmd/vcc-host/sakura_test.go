package main_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// sakuraHost runs vcc-host with the test build of the sakura plugin on a
// fresh copy of a seeded fake store: catalog entries default (tk1a) and
// sandbox (tk1v, fewer disk sizes), pools of n addresses from
// 172.23.1.11 up and of one, and the admin's API key stored. The nodes
// boot no OS, so no agent joins: liveness is off.
func sakuraHost(t testing.TB, n int, extra ...string) (*testenv.Host, string, map[string]string) {
	store, sw := testenv.SakuraStore(t)
	t.Setenv("SAKURACLOUD_FAKE_STORE_PATH", store) // the plugin gets the host's environment
	entry := func(zone string) string {
		return fmt.Sprintf("    sakura_local_switch_id: %q\n    sakura_private_subnet_gateway_ip: 172.23.1.254\n    sakura_zone: %s\n    private_network_ipmask: 172.23.1.0/24\n", sw[zone], zone)
	}
	var addrs []string
	for i := range n {
		addrs = append(addrs, fmt.Sprintf("172.23.1.%d", 11+i))
	}
	conf := map[string]string{
		"vpn_catalog.yml": "sakura:\n  default:\n" + entry("tk1a") + "  sandbox:\n" + entry("tk1v"),
		"sakura_config.yml": "default:\n  prefix_len: 24\n  ip_addresses: [" + strings.Join(addrs, ", ") + "]\n" +
			"sandbox:\n  prefix_len: 24\n  ip_addresses: [172.23.1.201]\n",
	}
	h := testenv.StartHostConfig(t, conf, map[string]string{"vcc-provider-sakura": testenv.SakuraPlugin(t)},
		append([]string{"--reconcile-interval", "0", "--serf-listen", "off"}, extra...)...)
	for k, v := range sakuraKey {
		if err := h.Client.PutCredential(context.Background(), "sakura", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h, store, sw
}

// sakuraKey is the API key stored for the admin: values no log may show.
var sakuraKey = map[string]string{"token": "sakura-token-4f1e0c", "secret": "sakura-secret-9b2c7d"}

// sakuraCloud is what the fake holds for the controller ctl: servers and
// disks by node id, and startup scripts left over.
type sakuraCloud struct {
	servers, disks map[string][]testenv.SakuraResource
	scripts        int
}

func sakuraOf(t *testing.T, store, ctl string) sakuraCloud {
	t.Helper()
	out := sakuraCloud{servers: map[string][]testenv.SakuraResource{}, disks: map[string][]testenv.SakuraResource{}}
	for _, r := range testenv.SakuraCloud(t, store) {
		if !slices.Contains(r.Tags, "vcc.controller_id="+ctl) {
			continue
		}
		node := ""
		for _, tag := range r.Tags {
			if id, ok := strings.CutPrefix(tag, "vcc.node_id="); ok {
				node = id
			}
		}
		switch r.Kind {
		case "Server":
			out.servers[node] = append(out.servers[node], r)
		case "Disk":
			out.disks[node] = append(out.disks[node], r)
		case "Note":
			out.scripts++
		}
	}
	return out
}

// matches checks that every node of the units has exactly one server
// and one boot disk, the server standing on the node's pool address on
// the switch under the node's name, and that the cloud holds nothing
// else of the controller (but the ids in extra).
func (c sakuraCloud) matches(t *testing.T, sw string, units []*sdk.Unit, extra ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, u := range units {
		for _, n := range u.Nodes {
			seen[n.NodeID] = true
			s, d := c.servers[n.NodeID], c.disks[n.NodeID]
			if len(s) != 1 || len(d) != 1 {
				t.Errorf("node %d of %s: %d servers, %d disks; want one each", n.NodeNo, u.Name, len(s), len(d))
				continue
			}
			if s[0].ID != n.CloudInstanceID || s[0].Name != n.CloudInstanceName || s[0].IP != n.FixedIP || n.CloudInstanceAddress != n.FixedIP ||
				s[0].SwitchID != sw || d[0].ServerID != s[0].ID {
				t.Errorf("node %d of %s (%s, %s at %s): server %+v, disk %+v", n.NodeNo, u.Name, n.CloudInstanceID, n.CloudInstanceName, n.FixedIP, s[0], d[0])
			}
		}
	}
	for id, s := range c.servers {
		if slices.Contains(extra, s[0].ID) {
			seen[id] = true
		} else if !seen[id] {
			t.Errorf("the cloud holds server %s of node %s, which the controller does not have", s[0].ID, id)
		}
	}
	for id, d := range c.disks {
		if !seen[id] {
			t.Errorf("the cloud holds disk %s of node %s, which the controller does not have", d[0].ID, id)
		}
	}
	if c.scripts != 0 {
		t.Errorf("%d startup scripts left", c.scripts)
	}
}

// TestSakura: through the controller, a unit of 3 takes 3 addresses of
// the pool, each node a server on its address; add 2 fills the pool; a
// unit beyond it is refused naming the pool, with nothing created; power
// off/on one; deleting one frees its address; bad specs and missing
// credentials get 400s on the field; reconcile notices a server deleted
// behind the controller's back and one it does not know; cleanup leaves
// nothing and frees the pool.
func TestSakura(t *testing.T) {
	h, store, sw := sakuraHost(t, 5)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "sakura", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "sakura", Flavor: "small",
		Spec: map[string]any{"num_nodes": 3, "tags": map[string]string{"project": "x"}}}))
	web := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 3 {
		t.Fatalf("unit web: %v", s)
	}
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], []*sdk.Unit{web})
	wantPool(t, sakuraPool(t, cl, "default"), 5, 3, 2, 0)

	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 2}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	wantPool(t, sakuraPool(t, cl, "default"), 5, 5, 0, 0)
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "more", Provider: "sakura", Spec: map[string]any{"num_nodes": 1}})
	apiErr(t, err, http.StatusBadRequest, "spec.num_nodes", "IP pool sakura/default (sakura_config.yml)", "it lacks 1")
	if _, err := cl.GetUnit(c, vc.VCID, "more"); sdk.StatusOf(err) != http.StatusNotFound {
		t.Errorf("the refused unit: %v, want 404", err)
	}
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], []*sdk.Unit{web})

	settle(t, cl)(cl.PowerOff(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	if s := sakuraOf(t, store, h.ControllerID).servers[web.Nodes[0].NodeID]; len(s) != 1 || s[0].Status != "down" {
		t.Errorf("the powered off node's server: %+v", s)
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["RUNNING"] != 5 {
		t.Fatalf("after power on: %v", s)
	}
	freed := web.Nodes[4].FixedIP
	settle(t, cl)(cl.DeleteNodes(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{5}}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	p := sakuraPool(t, cl, "default")
	wantPool(t, p, 5, 4, 1, 0)
	for _, a := range p.Allocations {
		if a.Address == freed {
			t.Errorf("%s of the deleted node is still allocated", freed)
		}
	}
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], []*sdk.Unit{web})

	for _, v := range sakuraKey {
		if strings.Contains(h.Stderr.String(), v) {
			t.Errorf("the host's log shows a credential")
		}
	}
	if !strings.Contains(h.Stderr.String(), "FAKE MODE") {
		t.Errorf("the test build of the plugin does not say in the log that it drives a fake")
	}
	sakuraRefusals(t, h, vc.VCID)
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], []*sdk.Unit{web})
	sakuraReconcile(t, h, store, sw, vc.VCID, web)
}

// sakuraPool is the pool of catalog entry entry.
func sakuraPool(t *testing.T, cl *sdk.Client, entry string) sdk.IPPool {
	t.Helper()
	for _, p := range must[[]sdk.IPPool](t)(cl.Privileged().IPPools(ctx(t))) {
		if p.Provider == "sakura" && p.Entry == entry {
			return p
		}
	}
	t.Fatalf("no pool sakura/%s", entry)
	return sdk.IPPool{}
}

// sakuraRefusals: what Sakura would refuse is a 400 on the field before
// anything is recorded or made: a disk size the plan does not offer
// (with the sizes it does), one the zone does not offer (the preflight,
// with the zone's sizes), a server plan the zone lacks, and missing
// credentials; upstream's older credential names are taken.
func sakuraRefusals(t *testing.T, h *testenv.Host, vcid string) {
	c, cl := ctx(t), h.Client
	cases := []refusal{
		{"size not sold", map[string]any{"sakuracloud_disk_size": 30}, "spec.sakuracloud_disk_size",
			[]string{"30 GB is not a size of the ssd plan", "20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096"}},
		{"size not in the zone", map[string]any{"private_network": "sandbox", "sakuracloud_disk_size": 80}, "spec.sakuracloud_disk_size",
			[]string{"zone tk1v offers no 80 GB ssd disk", "20, 40, 100, 250"}},
		{"no such plan", map[string]any{"core": 1, "memory": 64}, "spec.memory", []string{"no server plan of 1 core(s) and 64 GB"}},
		{"hdd size", map[string]any{"sakuracloud_disk_plan": "hdd", "sakuracloud_disk_size": 12}, "spec.sakuracloud_disk_size",
			[]string{"8192, 12288"}},
	}
	refuseSpecs(t, c, cl, vcid, "sakura", cases)
	if out, _, code := cli(t, h, "users", "add", "keyless", "regular"); code != 0 {
		t.Fatal(out)
	}
	tok, _, _ := cli(t, h, "token", "create", "keyless")
	other := h.ClientFor(strings.TrimSpace(tok))
	vc := must[*sdk.VC](t)(other.CreateUnitGroup(c, "keyless", ""))
	_, err := other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sakura"})
	apiErr(t, err, http.StatusBadRequest, "credentials.sakura.token", "missing sakura credentials")
	// Upstream's older names of the keys do as well.
	for k, v := range map[string]string{"sakura_token": "old-token", "sakura_secret": "old-secret"} {
		if err := other.PutCredential(c, "sakura", k, v); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, other)(other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "old", Provider: "sakura"}))
	if s := states(must[*sdk.Unit](t)(other.GetUnit(c, vc.VCID, "old"))); s["RUNNING"] != 1 {
		t.Errorf("a unit on upstream's older key names: %v", s)
	}
	settle(t, other)(other.DeleteUnitGroup(c, vc.VCID))

	for _, u := range must[*sdk.VC](t)(cl.Privileged().GetUnitGroup(c, vcid)).Units {
		if u.Name != "web" {
			t.Errorf("a refused request left unit %s", u.Name)
		}
	}

}

// TestSakuraCatalog: init names the file, line and key of each problem of
// a sakura catalog entry and loads nothing; a good entry with its pool is
// taken.
func TestSakuraCatalog(t *testing.T) {
	store, sw := testenv.SakuraStore(t)
	t.Setenv("SAKURACLOUD_FAKE_STORE_PATH", store)
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-sakura": testenv.SakuraPlugin(t)})
	cfg := t.TempDir()
	catalog := filepath.Join(cfg, "vpn_catalog.yml")
	initArgs := []string{"init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins}
	writeFile(t, catalog, []byte("sakura:\n  default:\n    sakura_local_switch_id: sw-1\n    sakura_private_subnet_gateway_ip: 10.9.9.9\n"+
		"    sakura_zone: tk1a\n    private_network_ipmask: 172.23.1.0/24\n"), 0o644)
	out, stderr, code := run(t, initArgs...)
	for _, want := range []string{catalog + ":3: sakura.default.sakura_local_switch_id", catalog + ":4: sakura.default.sakura_private_subnet_gateway_ip"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("init on a bad sakura entry: exit %d, want %q in\n%s%s", code, want, out, stderr)
		}
	}
	writeFile(t, catalog, []byte(fmt.Sprintf("sakura:\n  default:\n    sakura_local_switch_id: %q\n    sakura_private_subnet_gateway_ip: 172.23.1.254\n"+
		"    sakura_zone: tk1a\n    private_network_ipmask: 172.23.1.0/24\n", sw["tk1a"])), 0o644)
	writeFile(t, filepath.Join(cfg, "sakura_config.yml"), []byte("default:\n  prefix_len: 24\n  ip_addresses: [172.23.1.12]\n"), 0o644)
	if out, stderr, code := run(t, initArgs...); code != 0 || !strings.Contains(out, "sakura(default)") {
		t.Errorf("init on a good sakura entry: exit %d\n%s%s", code, out, stderr)
	}
}
