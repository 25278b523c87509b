package main_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// oracleHost runs vcc-host with the oracle plugin against our OCI
// emulator (its own process) over HTTPS as OCI, its CA trusted through
// SSL_CERT_FILE (the plugin gets the host's environment), the emulator's
// user's API key stored for the admin. The emulator's instances boot no
// OS, so no agent joins: liveness is off.
func oracleHost(t *testing.T, extra ...string) (*testenv.Host, *testenv.OracleEmulator) {
	return oracleHostOn(t, testenv.StartOracleEmulator(t, "-tls"), extra...)
}

// oracleHostOn is oracleHost on an emulator of the caller's.
func oracleHostOn(t *testing.T, e *testenv.OracleEmulator, extra ...string) (*testenv.Host, *testenv.OracleEmulator) {
	t.Setenv("SSL_CERT_FILE", e.CAFile)
	h := testenv.StartHostWith(t, "oracle:\n  default:\n"+e.CatalogEntry(),
		map[string]string{"vcc-provider-oracle": testenv.OraclePlugin(t)}, append([]string{"--reconcile-interval", "0", "--serf-listen", "off"}, extra...)...)
	for k, v := range map[string]string{"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": e.PrivateKey} {
		if err := h.Client.PutCredential(context.Background(), "oracle", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h, e
}

// oracleLive is what the emulator holds, not terminated, of controller
// ctl, by node id.
func oracleLive(t *testing.T, e *testenv.OracleEmulator, ctl string) map[string][]testenv.OracleInstance {
	t.Helper()
	out := map[string][]testenv.OracleInstance{}
	for _, in := range e.Instances(t) {
		if in.FreeformTags["vcc.controller_id"] == ctl && in.LifecycleState != "TERMINATED" && in.LifecycleState != "TERMINATING" {
			out[in.FreeformTags["vcc.node_id"]] = append(out[in.FreeformTags["vcc.node_id"]], in)
		}
	}
	return out
}

// oracleMatches: every node of the units has exactly one live instance,
// under the node's name, with its id and an address, and the emulator
// holds no other live instance of the controller (but the ids in extra).
func oracleMatches(t *testing.T, e *testenv.OracleEmulator, ctl string, units []*sdk.Unit, extra ...string) {
	t.Helper()
	live := oracleLive(t, e, ctl)
	seen := map[string]bool{}
	for _, u := range units {
		for _, n := range u.Nodes {
			seen[n.NodeID] = true
			in := live[n.NodeID]
			if len(in) != 1 || in[0].ID != n.CloudInstanceID || in[0].DisplayName != n.CloudInstanceName || n.CloudInstanceAddress == "" {
				t.Errorf("node %d of %s (%s %s at %q): instances %+v", n.NodeNo, u.Name, n.CloudInstanceID, n.CloudInstanceName, n.CloudInstanceAddress, in)
			}
		}
	}
	for id, in := range live {
		if !seen[id] && !slices.Contains(extra, in[0].ID) {
			t.Errorf("the emulator holds instance %s of node %s, which the controller does not have", in[0].ID, id)
		}
	}
}

// TestOracle: through the controller, against the OCI emulator: a unit of
// 3 → add 2 → power off/on one → delete one → refusals → reconcile (an
// instance terminated behind the controller's back, one it does not know)
// → cleanup, after which the emulator holds nothing of the controller.
func TestOracle(t *testing.T) {
	h, e := oracleHost(t)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "oracle", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "oracle", Flavor: "small",
		Spec: map[string]any{"num_nodes": 3, "tags": map[string]string{"project": "x"}, "ip_addresses": []string{"10.0.1.21", "10.0.1.22", "10.0.1.23"}}}))
	web := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 3 {
		t.Fatalf("unit web: %v", s)
	}
	for i, n := range web.Nodes {
		if want := fmt.Sprintf("10.0.1.%d", 21+i); n.CloudInstanceAddress != want {
			t.Errorf("node %d at %q, want its fixed IP %s", n.NodeNo, n.CloudInstanceAddress, want)
		}
	}
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{web})
	in := oracleLive(t, e, h.ControllerID)[web.Nodes[0].NodeID][0]
	if in.Shape != "VM.Standard.E2.1" || in.FreeformTags["project"] != "x" || in.Metadata["user_data"] == "" {
		t.Errorf("instance of node 1: %+v", in)
	}

	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 2}))
	web = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if s := states(web); s["RUNNING"] != 5 {
		t.Fatalf("after add: %v", s)
	}
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{web})

	settle(t, cl)(cl.PowerOff(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	if in := oracleLive(t, e, h.ControllerID)[web.Nodes[0].NodeID]; len(in) != 1 || in[0].LifecycleState != "STOPPED" {
		t.Errorf("the powered off node's instance: %+v", in)
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
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{web})
	if strings.Contains(h.Stderr.String(), "PRIVATE KEY") {
		t.Error("the host's log shows the private key")
	}

	oracleRefusals(t, h, e, vc.VCID)
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{web})

	// Behind the controller's back: node 3's instance terminated, a stray
	// instance of the controller made.
	p := providertest.Launch(t, testenv.OraclePlugin(t))
	env := provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: oracleEntryJSON(e),
		Credentials: provider.Credentials{"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": e.PrivateKey}}
	gone := web.Nodes[2]
	if err := p.DeleteNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: gone.NodeID, CloudInstanceID: gone.CloudInstanceID}}); err != nil {
		t.Fatal(err)
	}
	stray, err := p.CreateNode(c, provider.NodeRequest{Env: env, FirstAttempt: true, Spec: json.RawMessage(`{}`),
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9, CloudInstanceName: "stray"}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		for _, in := range e.Instances(t) {
			if in.ID == gone.CloudInstanceID && in.LifecycleState != "TERMINATED" {
				return false
			}
		}
		return true
	}, "node 3's instance to be terminated")
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	n3 := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web")).Nodes[2]
	if n3.State != "HOST_ERROR" || !strings.Contains(n3.StateReason, "no longer exists in oracle") {
		t.Errorf("node 3 whose instance was terminated: %+v (vanished %v, errors %v)", n3, rep.Vanished, rep.Errors)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].CloudInstanceID != stray.CloudInstanceID {
		t.Errorf("orphans %+v, want the stray instance %s; errors %v", rep.Orphans, stray.CloudInstanceID, rep.Errors)
	}

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	oracleMatches(t, e, h.ControllerID, nil, stray.CloudInstanceID)
	if err := p.DeleteNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: stray.NodeID, CloudInstanceID: stray.CloudInstanceID}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return len(oracleLive(t, e, h.ControllerID)) == 0 }, "the emulator to hold nothing of the controller")
}

func oracleEntryJSON(e *testenv.OracleEmulator) json.RawMessage {
	raw, _ := json.Marshal(map[string]string{"oracle_tenancy_ocid": e.Tenancy, "oracle_compartment_id": e.Tenancy, "oracle_subnet_id": e.SubnetID,
		"oracle_region": e.Region, "oracle_availability_domain": e.AD, "oracle_endpoint_url": e.URL, "private_network_ipmask": e.SubnetCIDR})
	return raw
}

// oracleRefusals: what OCI would refuse is a 400 on the field before
// anything is recorded or made: flexible shapes without their size, fixed
// ones with one, an image no one has, a fixed IP outside the subnet or
// taken, and a user whose API key OCI does not know (at preflight).
func oracleRefusals(t *testing.T, h *testenv.Host, e *testenv.OracleEmulator, vcid string) {
	c, cl := ctx(t), h.Client
	taken := must[*sdk.Unit](t)(cl.GetUnit(c, vcid, "web")).Nodes[0].CloudInstanceAddress
	cases := []refusal{
		{"flex without size", map[string]any{"shape": "VM.Standard.E4.Flex"}, "spec.ocpus", []string{"flexible shape VM.Standard.E4.Flex needs ocpus"}},
		{"fixed with size", map[string]any{"shape": "VM.Standard.E2.2", "memory_in_gbs": 32}, "spec.memory_in_gbs", []string{"only for *.Flex shapes"}},
		{"no such image", map[string]any{"cloud_image": "Windows-95"}, "spec.cloud_image", []string{`no available image is named "Windows-95"`}},
		{"shape not offered", map[string]any{"shape": "VM.GPU3.1"}, "spec.shape", []string{"not offered in " + e.AD}},
		{"ip outside", map[string]any{"ip_addresses": []string{"192.168.9.9"}}, "spec.ip_addresses[0]", nil},
		{"ip taken", map[string]any{"ip_addresses": []string{taken}}, "spec.ip_addresses", []string{"already used"}},
	}
	refuseSpecs(t, c, cl, vcid, "oracle", cases)
	if out, _, code := cli(t, h, "users", "add", "wrongkey", "regular"); code != 0 {
		t.Fatal(out)
	}
	tok, _, _ := cli(t, h, "token", "create", "wrongkey")
	other := h.ClientFor(strings.TrimSpace(tok))
	vc := must[*sdk.VC](t)(other.CreateUnitGroup(c, "wrongkey", ""))
	_, err := other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "oracle"})
	apiErr(t, err, http.StatusBadRequest, "credentials.oracle.user_ocid", "missing oracle credentials")
	for k, v := range map[string]string{"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": otherKey(t)} {
		if err := other.PutCredential(c, "oracle", k, v); err != nil {
			t.Fatal(err)
		}
	}
	_, err = other.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "oracle"})
	apiErr(t, err, http.StatusBadRequest, "credentials", "OCI refused the API key")
	for _, u := range must[*sdk.VC](t)(cl.Privileged().GetUnitGroup(c, vcid)).Units {
		if u.Name != "web" {
			t.Errorf("a refused request left unit %s", u.Name)
		}
	}
}

// otherKey is an RSA key OCI (the emulator) knows for no one.
func otherKey(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// TestOraclePreemptible: OCI preempting a preemptible node's instance
// makes the node HOST_ERROR with the reason at the next reconcile; with
// auto_replace the node is replaced by a new one; without, deleting the
// lost node works and leaves nothing.
func TestOraclePreemptible(t *testing.T) {
	h, e := oracleHost(t)
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "pre", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "auto", Provider: "oracle",
		Spec: map[string]any{"num_nodes": 2, "preemptible": true, "auto_replace": true}}))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "keep", Provider: "oracle",
		Spec: map[string]any{"num_nodes": 1, "preemptible": true}}))
	auto := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "auto"))
	keep := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep"))
	if states(auto)["RUNNING"] != 2 || states(keep)["RUNNING"] != 1 {
		t.Fatalf("units: %v %v", states(auto), states(keep))
	}
	for _, in := range oracleLive(t, e, h.ControllerID) {
		if in[0].Preemptible == nil {
			t.Errorf("instance %s is not preemptible", in[0].ID)
		}
	}
	oraclePowerPreemptible(t, cl, vc.VCID, "keep")
	lost, kept := auto.Nodes[0], keep.Nodes[0]
	e.Preempt(t, lost.CloudInstanceID)
	e.Preempt(t, kept.CloudInstanceID)

	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if !slices.Contains(rep.Replaced, lost.NodeID) || !slices.Contains(rep.Vanished, kept.NodeID) {
		t.Errorf("reconcile: replaced %v, vanished %v, errors %v", rep.Replaced, rep.Vanished, rep.Errors)
	}
	k := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep")).Nodes[0]
	if k.State != "HOST_ERROR" || !strings.Contains(k.StateReason, "OCI preempted the instance") {
		t.Errorf("the preempted node without auto_replace: %+v", k)
	}
	waitFor(t, 30*time.Second, func() bool {
		u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "auto"))
		return len(u.Nodes) == 2 && states(u)["RUNNING"] == 2 && u.Nodes[0].NodeID != lost.NodeID && u.Nodes[1].NodeID != lost.NodeID
	}, "the preempted node to be replaced")
	auto = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "auto"))

	settle(t, cl)(cl.DeleteNodes(c, vc.VCID, "keep", sdk.Selector{NodeNos: []int{1}}))
	keep = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "keep"))
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{auto, keep})
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	oracleMatches(t, e, h.ControllerID, nil)
}

// TestOracleRetriedCreate: OCI launches the instance but its answer is
// lost (a 503 after the fact); the host retries the create, and the node
// gets the instance launched, not a second one.
func TestOracleRetriedCreate(t *testing.T) {
	h, e := oracleHost(t)
	c, cl := ctx(t), h.Client
	e.Fail(t, "LaunchInstance!after", 1, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is unavailable.")
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "retry", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "one", Provider: "oracle"}))
	one := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "one"))
	if s := states(one); s["RUNNING"] != 1 {
		t.Fatalf("unit: %v", s)
	}
	if n := len(e.Instances(t)); n != 1 {
		t.Errorf("the emulator holds %d instances, want the one launched", n)
	}
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{one})
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	oracleMatches(t, e, h.ControllerID, nil)
}

// TestOracleCatalog: init names the file, line and key of each problem of
// an oracle catalog entry and loads nothing; a good entry is taken.
func TestOracleCatalog(t *testing.T) {
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-oracle": testenv.OraclePlugin(t)})
	cfg := t.TempDir()
	catalog := filepath.Join(cfg, "vpn_catalog.yml")
	initArgs := []string{"init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins}
	writeFile(t, catalog, []byte("oracle:\n  default:\n    oracle_tenancy_ocid: ocid1.tenancy.oc1..aaaa\n"+
		"    oracle_compartment_id: ocid1.compartment.oc1..bbbb\n    oracle_subnet_id: ocid1.vcn.oc1.ap-tokyo-1.cccc\n"+
		"    oracle_region: Tokyo\n    oracle_availability_domain: Uocm:AP-TOKYO-1-AD-1\n"), 0o644)
	out, stderr, code := run(t, initArgs...)
	for _, want := range []string{catalog + ":5: oracle.default.oracle_subnet_id", catalog + ":6: oracle.default.oracle_region"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("init on a bad oracle entry: exit %d, want %q in\n%s%s", code, want, out, stderr)
		}
	}
	writeFile(t, catalog, []byte("oracle:\n  default:\n    oracle_tenancy_ocid: ocid1.tenancy.oc1..aaaa\n"+
		"    oracle_compartment_id: ocid1.compartment.oc1..bbbb\n    oracle_subnet_id: ocid1.subnet.oc1.ap-tokyo-1.cccc\n"+
		"    oracle_region: ap-tokyo-1\n    oracle_availability_domain: Uocm:AP-TOKYO-1-AD-1\n    private_network_ipmask: 10.0.1.0/24\n"), 0o644)
	if out, stderr, code := run(t, initArgs...); code != 0 || !strings.Contains(out, "oracle(default)") {
		t.Errorf("init on a good oracle entry: exit %d\n%s%s", code, out, stderr)
	}
}

// oraclePowerPreemptible: OCI does not power preemptible instances; asking
// fails the operation with OCI's reason and leaves the node RUNNING.
func oraclePowerPreemptible(t *testing.T, cl *sdk.Client, vcid, unit string) {
	c := ctx(t)
	acc := must[*sdk.Accepted](t)(cl.PowerOff(c, vcid, unit, sdk.Selector{NodeNos: []int{1}}))
	_, err := cl.Wait(c, acc.OperationID)
	if err == nil || !strings.Contains(err.Error(), "Preemptible instances cannot be started, stopped or rebooted") {
		t.Errorf("power off of a preemptible node: %v", err)
	}
	if n := must[*sdk.Unit](t)(cl.GetUnit(c, vcid, unit)).Nodes[0]; n.State != "RUNNING" {
		t.Errorf("node after the refused power off: %+v", n)
	}
}

// TestOracleCrash: the host killed while a unit of 8 is being made, one
// node at a time, and again while it is being deleted. After each restart
// the operation ends as asked: one instance per node, then none, nothing
// launched twice.
func TestOracleCrash(t *testing.T) {
	// 50 ms per answer: the host is killed mid-create, not after.
	h, e := oracleHostOn(t, testenv.StartOracleEmulator(t, "-tls", "-latency", "50ms"), "--provider-limit", "1")
	c := ctx(t)
	vc := must[*sdk.VC](t)(h.Client.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "oracle", Spec: map[string]any{"num_nodes": 8}}))
	waitFor(t, 30*time.Second, func() bool { return len(oracleLive(t, e, h.ControllerID)) >= 2 }, "two instances")
	h.Kill()
	made := len(oracleLive(t, e, h.ControllerID))
	t.Logf("killed with %d of 8 instances launched", made)
	if made == 8 {
		t.Error("the host was killed after the create, not during it")
	}
	time.Sleep(time.Second)
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	big := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big"))
	if s := states(big); s["RUNNING"] != 8 {
		t.Fatalf("after the restart: %v", s)
	}
	oracleMatches(t, e, h.ControllerID, []*sdk.Unit{big})
	if n := len(e.Instances(t)); n != 8 {
		t.Errorf("the emulator holds %d instances for 8 nodes", n)
	}
	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	waitFor(t, 30*time.Second, func() bool { return len(oracleLive(t, e, h.ControllerID)) <= 6 }, "two instances terminated")
	h.Kill()
	t.Logf("killed with %d of 8 instances left", len(oracleLive(t, e, h.ControllerID)))
	time.Sleep(time.Second)
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	oracleMatches(t, e, h.ControllerID, nil)
}
