package main_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// openstackEntry is the catalog entry of the emulator's network.
func openstackEntry(emu *testenv.OSEmu) string {
	return fmt.Sprintf("    auth_url: %s\n    network_uuid: %s\n    tenant_name: %s\n    private_network_ipmask: %s\n    default_image: %s\n"+
		"    flavors: {small: m1.small, medium: m1.medium, large: m1.large}\n", emu.AuthURL(), testenv.OSNetworkID, testenv.OSProject, testenv.OSSubnetCIDR, testenv.OSImageName)
}

// openstackHost runs vcc-host with vcc-provider-openstack against emu,
// the admin's user name and password stored. The emulator boots no OS,
// so no agent joins: liveness is off.
func openstackHost(t *testing.T, emu *testenv.OSEmu) *testenv.Host {
	h := testenv.StartHostWith(t, "openstack:\n  default:\n"+openstackEntry(emu), map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(t)},
		"--reconcile-interval", "0", "--serf-listen", "off")
	for k, v := range openstackKey {
		if err := h.Client.PutCredential(context.Background(), "openstack", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

var openstackKey = map[string]string{"user_name": testenv.OSUser, "password": testenv.OSPassword}

// openstackServers are the emulator's servers of the controller by node id.
func openstackServers(t *testing.T, emu *testenv.OSEmu, ctl string) map[string][]string {
	out := map[string][]string{}
	for _, s := range emu.State(t).Servers {
		if s.Metadata[provider.TagControllerID] == ctl {
			out[s.Metadata[provider.TagNodeID]] = append(out[s.Metadata[provider.TagNodeID]], s.ID)
		}
	}
	return out
}

// openstackMatches: every node of u has exactly one server, named as the
// node, of the flavor, on the node's address, starting its Base
// container; the emulator holds no other server of the controller (but
// extra) and no port but the servers'.
func openstackMatches(t *testing.T, emu *testenv.OSEmu, ctl, flavor string, u *sdk.Unit, extra ...string) {
	t.Helper()
	st := emu.State(t)
	ips := map[string]string{}
	for _, p := range st.Ports {
		ips[p.DeviceID] = p.IP
	}
	seen := map[string]bool{}
	for _, n := range u.Nodes {
		var mine []string
		for _, s := range st.Servers {
			if s.Metadata[provider.TagNodeID] != n.NodeID {
				continue
			}
			mine = append(mine, s.ID)
			ud, _ := base64.StdEncoding.DecodeString(s.UserData)
			if s.ID != n.CloudInstanceID || s.Name != n.CloudInstanceName || s.Flavor != flavor || ips[s.ID] != n.CloudInstanceAddress ||
				(n.FixedIP != "" && n.FixedIP != n.CloudInstanceAddress) || !strings.Contains(string(ud), "vcc-base-"+n.NodeID) ||
				!slices.Contains(s.Tags, "vcc.node_id="+n.NodeID) {
				t.Errorf("node %d (%s %s at %s): server %+v at %s", n.NodeNo, n.CloudInstanceID, n.CloudInstanceName, n.CloudInstanceAddress, s, ips[s.ID])
			}
		}
		if len(mine) != 1 {
			t.Errorf("node %d: %d servers, want 1", n.NodeNo, len(mine))
		}
		seen[n.NodeID] = true
	}
	for _, s := range st.Servers {
		if s.Metadata[provider.TagControllerID] == ctl && !seen[s.Metadata[provider.TagNodeID]] && !slices.Contains(extra, s.ID) {
			t.Errorf("the cloud holds server %s (%s) of no node", s.ID, s.Status)
		}
	}
	servers := map[string]bool{}
	for _, s := range st.Servers {
		servers[s.ID] = true
	}
	for _, p := range st.Ports {
		if !servers[p.DeviceID] {
			t.Errorf("port %s (%s) of no server", p.ID, p.IP)
		}
	}
}

// TestOpenStack: through the controller against the emulator, with
// tokens that live 2 seconds: a unit of 3 on fixed IPs, add 2 (the
// tokens expired meanwhile, renewed without a failed node), power off/on
// one, delete one; refusals on the field with nothing made; reconcile
// notices a server deleted behind the controller's back and one it does
// not know; cleanup leaves nothing.
func TestOpenStack(t *testing.T) {
	emu := testenv.StartOSEmu(t, "-token-ttl", "2s", "-boot-delay", "300ms")
	h := openstackHost(t, emu)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "openstack", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "openstack", Flavor: "medium",
		Spec: map[string]any{"ip_addresses": []string{"10.56.0.11", "10.56.0.12", "10.56.0.13"}, "tags": map[string]string{"project": "x"}}}))
	web := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 3 {
		t.Fatalf("unit web: %v", s)
	}
	openstackMatches(t, emu, h.ControllerID, "m1.medium", web)

	emu.ExpireTokens(t)
	issued := emu.State(t).TokensIssued
	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 2}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 5 {
		t.Fatalf("after add with expired tokens: %v", s)
	}
	if now := emu.State(t).TokensIssued; now <= issued {
		t.Errorf("no token was renewed (%d issued before, %d after)", issued, now)
	}
	openstackMatches(t, emu, h.ControllerID, "m1.medium", web)

	settle(t, cl)(cl.PowerOff(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	for _, s := range emu.State(t).Servers {
		if s.ID == web.Nodes[0].CloudInstanceID && s.Status != "SHUTOFF" {
			t.Errorf("the powered off node's server is %s", s.Status)
		}
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["RUNNING"] != 5 {
		t.Fatalf("after power on: %v", s)
	}
	settle(t, cl)(cl.DeleteNodes(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{5}}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if len(web.Nodes) != 4 {
		t.Fatalf("after delete: %d nodes", len(web.Nodes))
	}
	waitFor(t, 10*time.Second, func() bool { return len(openstackServers(t, emu, h.ControllerID)) == 4 }, "the deleted node's server to go")
	openstackMatches(t, emu, h.ControllerID, "m1.medium", web)
	if strings.Contains(h.Stderr.String(), testenv.OSPassword) {
		t.Errorf("the host's log shows the password")
	}

	openstackRefusals(t, h, emu, vc.VCID)
	openstackMatches(t, emu, h.ControllerID, "m1.medium", web)
	planted := openstackReconcile(t, h, emu, web)

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	waitFor(t, 10*time.Second, func() bool { return len(openstackServers(t, emu, h.ControllerID)) == 1 }, "cleanup")
	if left := openstackServers(t, emu, h.ControllerID); len(left) != 1 || left[planted.NodeID] == nil {
		t.Errorf("after cleanup the cloud holds %v, want only the planted %s", left, planted.CloudInstanceID)
	}
	if ports := emu.State(t).Ports; len(ports) != 1 {
		t.Errorf("after cleanup the cloud holds %d ports, want the planted server's", len(ports))
	}
}

// openstackRefusals: what OpenStack would refuse is a 400 on the field
// before anything is recorded or made: an unknown flavor, image, a taken
// or outside address (the preflight), a bad spec value, wrong or
// missing credentials.
func openstackRefusals(t *testing.T, h *testenv.Host, emu *testenv.OSEmu, vcid string) {
	c, cl := ctx(t), h.Client
	before := len(emu.State(t).Servers)
	cases := []refusal{
		{"flavor", map[string]any{"flavor_name": "m9.huge"}, "spec.flavor_name", []string{`no flavor "m9.huge"`, "m1.small"}},
		{"image", map[string]any{"cloud_image": "windows-11"}, "spec.cloud_image", []string{`no public or own image is named "windows-11"`}},
		{"taken address", map[string]any{"ip_addresses": []string{"10.56.0.11"}}, "spec.ip_addresses", []string{"10.56.0.11", "is taken by port"}},
		{"outside address", map[string]any{"ip_addresses": []string{"10.57.0.5"}}, "spec.ip_addresses[0]", nil},
		{"volume size", map[string]any{"volume_size": 0.5}, "spec.volume_size", nil},
		{"disks on two nodes", map[string]any{"num_nodes": 2, "disks": []string{"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"}}, "spec.disks", nil},
	}
	refuseSpecs(t, c, cl, vcid, "openstack", cases)
	if out, _, code := cli(t, h, "users", "add", "wrongpass", "regular"); code != 0 {
		t.Fatal(out)
	}
	tok, _, _ := cli(t, h, "token", "create", "wrongpass")
	other := h.ClientFor(strings.TrimSpace(tok))
	vc := must[*sdk.VC](t)(other.CreateUnitGroup(c, "wrongpass", ""))
	_, err := other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "openstack"})
	apiErr(t, err, http.StatusBadRequest, "credentials", "no OpenStack credentials")
	for k, v := range map[string]string{"user_name": testenv.OSUser, "password": "not-the-password"} {
		if err := other.PutCredential(c, "openstack", k, v); err != nil {
			t.Fatal(err)
		}
	}
	_, err = other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "openstack"})
	apiErr(t, err, http.StatusBadRequest, "credentials", "Keystone refused the credentials")
	// An application credential works.
	for k, v := range map[string]string{"application_credential_id": testenv.OSAppCredID, "application_credential_secret": testenv.OSAppSecret} {
		if err := other.PutCredential(c, "openstack", k, v); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, other)(other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "app", Provider: "openstack"}))
	if s := states(must[*sdk.Unit](t)(other.GetUnit(c, vc.VCID, "app"))); s["RUNNING"] != 1 {
		t.Errorf("a unit on an application credential: %v", s)
	}
	settle(t, other)(other.DeleteUnitGroup(c, vc.VCID))
	waitFor(t, 10*time.Second, func() bool { return len(emu.State(t).Servers) == before }, "the application credential's unit to go")
	for _, u := range must[*sdk.VC](t)(cl.Privileged().GetUnitGroup(c, vcid)).Units {
		if u.Name != "web" {
			t.Errorf("a refused request left unit %s", u.Name)
		}
	}
}

// openstackReconcile deletes a server behind the controller's back and
// plants one with the controller's tags that no node owns; reconcile
// reports both. It returns the planted one.
func openstackReconcile(t *testing.T, h *testenv.Host, emu *testenv.OSEmu, web *sdk.Unit) *provider.NodeStatus {
	c, cl := ctx(t), h.Client
	emu.DeleteServer(t, web.Nodes[3].CloudInstanceID)
	p := providertest.Launch(t, testenv.OpenStackPlugin(t))
	entry := map[string]any{"auth_url": emu.AuthURL(), "network_uuid": testenv.OSNetworkID, "tenant_name": testenv.OSProject, "default_image": testenv.OSImageName}
	raw, _ := json.Marshal(entry)
	planted, err := p.CreateNode(c, provider.NodeRequest{
		Env:  provider.CallEnv{ControllerID: h.ControllerID, CatalogEntryName: "default", CatalogEntry: raw, Credentials: provider.Credentials(openstackKey)},
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9, CloudInstanceName: "stray"}, Spec: json.RawMessage(`{"flavor_name": "m1.small"}`), FirstAttempt: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Vanished) != 1 || rep.Vanished[0] != web.Nodes[3].NodeID {
		t.Errorf("vanished %v, want node 4 of web", rep.Vanished)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].CloudInstanceID != planted.CloudInstanceID {
		t.Errorf("orphans %+v, want %s (errors %v)", rep.Orphans, planted.CloudInstanceID, rep.Errors)
	}
	return planted
}

// TestOpenStackCatalog: init names the file, line and key of each problem
// of an openstack catalog entry and loads nothing; a good entry is taken.
func TestOpenStackCatalog(t *testing.T) {
	emu := testenv.StartOSEmu(t)
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(t)})
	cfg := t.TempDir()
	catalog := cfg + "/vpn_catalog.yml"
	initArgs := []string{"init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins}
	writeFile(t, catalog, []byte("openstack:\n  default:\n    auth_url: keystone:5000\n    network_uuid: net-1\n    endpoint_type: admin\n"), 0o644)
	out, stderr, code := run(t, initArgs...)
	for _, want := range []string{catalog + ":5: openstack.default.endpoint_type"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("init on a bad openstack entry: exit %d, want %q in\n%s%s", code, want, out, stderr)
		}
	}
	writeFile(t, catalog, []byte("openstack:\n  default:\n    auth_url: keystone:5000\n    network_uuid: net-1\n"), 0o644)
	out, stderr, code = run(t, initArgs...)
	for _, want := range []string{catalog + ":3: openstack.default.auth_url", catalog + ":4: openstack.default.network_uuid"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("init on a bad openstack entry: exit %d, want %q in\n%s%s", code, want, out, stderr)
		}
	}
	writeFile(t, catalog, []byte("openstack:\n  default:\n"+openstackEntry(emu)), 0o644)
	if out, stderr, code := run(t, initArgs...); code != 0 || !strings.Contains(out, "openstack(default)") {
		t.Errorf("init on a good openstack entry: exit %d\n%s%s", code, out, stderr)
	}
}

// TestOpenStackCrash: the host killed while a unit of 10 is being made,
// one node at a time, and again while it is being deleted: after the
// restarts every node has exactly one server (the resumed creates found
// what the first attempts made), and the delete leaves nothing.
func TestOpenStackCrash(t *testing.T) {
	emu := testenv.StartOSEmu(t)
	h := testenv.StartHostWith(t, "openstack:\n  default:\n"+openstackEntry(emu), map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(t)},
		"--reconcile-interval", "0", "--serf-listen", "off", "--provider-limit", "1")
	c := ctx(t)
	for k, v := range openstackKey {
		if err := h.Client.PutCredential(c, "openstack", k, v); err != nil {
			t.Fatal(err)
		}
	}
	vc := must[*sdk.VC](t)(h.Client.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "openstack", Spec: map[string]any{"num_nodes": 10}}))
	waitFor(t, 30*time.Second, func() bool { return len(openstackServers(t, emu, h.ControllerID)) >= 2 }, "two servers")
	crash(h)
	t.Logf("killed with %d of 10 servers made", len(openstackServers(t, emu, h.ControllerID)))
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	big := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big"))
	if s := states(big); s["RUNNING"] != 10 {
		t.Fatalf("after the restart: %v", s)
	}
	openstackMatches(t, emu, h.ControllerID, "m1.small", big)

	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	waitFor(t, 30*time.Second, func() bool { return len(openstackServers(t, emu, h.ControllerID)) <= 8 }, "two servers deleted")
	crash(h)
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	waitFor(t, 10*time.Second, func() bool { st := emu.State(t); return len(st.Servers)+len(st.Ports) == 0 }, "the cloud to hold nothing")
}
