package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// writeFile writes a test's input file, failing the test when it cannot.
func writeFile(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
}

// check fails the test on err.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// closeBody closes a response body the test has read (or does not need).
func closeBody(resp *http.Response) { _ = resp.Body.Close() }

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// simCloud lists what the simulated cloud holds for the host's controller.
func simCloud(t *testing.T, h *testenv.Host) []provider.NodeStatus {
	t.Helper()
	p := providertest.Launch(t, testenv.Sim(t))
	entry := fmt.Sprintf(`{"sim_state_dir": %q}`, h.PluginData("sim"))
	got, err := p.DescribeNodes(ctx(t), provider.DescribeRequest{
		Env: provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: json.RawMessage(entry)}, AllOfController: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// settle waits for the operation a call started.
func settle(t *testing.T, cl *sdk.Client) func(*sdk.Accepted, error) {
	return func(a *sdk.Accepted, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if a.OperationID != "" {
			if _, err := cl.Wait(ctx(t), a.OperationID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func states(u *sdk.Unit) map[string]int {
	out := map[string]int{}
	for _, n := range u.Nodes {
		out[n.State]++
	}
	return out
}

// TestLifecycle: create VC → unit of 3 → add 2 → power off/on one →
// delete one → cleanup, through the SDK; the simulated cloud follows.
func TestLifecycle(t *testing.T) {
	h := testenv.StartHost(t, "")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "lifecycle", "compute"))
	if vc.State != "RUNNING" || vc.Owner != "admin" || len(vc.VCID) != 32 || vc.VCNo < 1 {
		t.Fatalf("new VC %+v", vc)
	}
	if key := must[string](t)(cl.PublicKey(c)); !strings.HasPrefix(key, "ssh-ed25519 ") {
		t.Errorf("public key %q", key)
	}
	follow, stop := context.WithCancel(c)
	defer stop()
	events := must[<-chan sdk.Event](t)(cl.Follow(follow, vc.VCID))
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{
		UnitName: "web", Provider: "sim", Flavor: "small", Spec: map[string]any{"num_nodes": 3, "tags": map[string]string{"team": "a"}},
	}))
	if acc.OperationID == "" || acc.Unit == nil || len(acc.Unit.Nodes) != 3 || acc.Unit.Nodes[0].State != "BOOTING" {
		t.Fatalf("create unit answered %+v", acc)
	}
	seen := map[string]bool{}
	for e := range events { // follow the creation without polling
		seen[e.Type+" "+e.State] = true
		if e.Type == "operation" && e.OpID == acc.OperationID && e.State == "succeeded" {
			break
		}
	}
	if !seen["node RUNNING"] || !seen["unit RUNNING"] || !seen["vc APPLYING"] {
		t.Errorf("events while creating: %v", seen)
	}
	stop()
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if diff := cmp.Diff(map[string]int{"RUNNING": 3}, states(u)); diff != "" || u.State != "RUNNING" {
		t.Fatalf("unit %s after create (-want +got): %s", u.State, diff)
	}
	for _, n := range u.Nodes {
		if n.CloudInstanceID == "" || n.CloudInstanceAddress == "" || !strings.HasPrefix(n.CloudInstanceName, "VCP-") {
			t.Errorf("node %+v lacks cloud fields", n)
		}
	}

	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 2}))
	u = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if len(u.Nodes) != 5 || u.Nodes[4].NodeNo != 5 {
		t.Fatalf("after add: %d nodes", len(u.Nodes))
	}

	first := u.Nodes[0]
	settle(t, cl)(cl.NodeAction(c, vc.VCID, "web", first.NodeID, "power_off"))
	u = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if diff := cmp.Diff(map[string]int{"RUNNING": 4, "POWER_OFF": 1}, states(u)); diff != "" {
		t.Fatalf("after power off (-want +got): %s", diff)
	}
	_, err := cl.NodeAction(c, vc.VCID, "web", first.NodeID, "power_off")
	if sdk.StatusOf(err) != http.StatusConflict || !strings.Contains(err.Error(), "node 1 is POWER_OFF and cannot become SHUTTING_DOWN") {
		t.Fatalf("powering off a node that is off: %v; want 409 naming the states", err)
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "web", sdk.Selector{NodeNos: []int{1}}))
	if u = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web")); states(u)["RUNNING"] != 5 {
		t.Fatalf("after power on: %v", states(u))
	}

	settle(t, cl)(cl.DeleteNode(c, vc.VCID, "web", u.Nodes[2].NodeID))
	u = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if len(u.Nodes) != 4 || len(simCloud(t, h)) != 4 {
		t.Fatalf("after deleting one: %d nodes in the unit, %d in the cloud", len(u.Nodes), len(simCloud(t, h)))
	}

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if _, err := cl.GetUnitGroup(c, vc.VCID); sdk.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("VC after cleanup: %v, want 404", err)
	}
	if left := simCloud(t, h); len(left) != 0 {
		t.Fatalf("cleanup left %d instances in the cloud", len(left))
	}
}

// TestBadInput: each bad request is refused with the right status and the
// field to blame, and leaves nothing behind.
func TestBadInput(t *testing.T) {
	h := testenv.StartHost(t, "cci_version: '1.0'\nsim:\n  default: {}\n  tokyo:\n    private_network_ipmask: 10.1.0.0/24\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "bad", ""))
	unit := func(spec map[string]any) func() error {
		return func() error {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: spec})
			return err
		}
	}
	raw := func(method, path, body string) func() error {
		return func() error { return rawCall(t, h, method, path, body, h.Token) }
	}
	cases := map[string]struct {
		call      func() error
		status    int
		field     string
		errSubstr string
	}{
		"unknown_spec_field": {call: unit(map[string]any{"instance_typ": "sim.small"}), status: 400, field: "spec.instance_typ", errSubstr: "did you mean"},
		"wrong_type":         {call: unit(map[string]any{"num_nodes": "three"}), status: 400, field: "spec.num_nodes"},
		"bad_catalog_entry":  {call: unit(map[string]any{"private_network": "osaka"}), status: 400, field: "spec.private_network", errSubstr: "entries: default, tokyo"},
		"ip_outside_entry":   {call: unit(map[string]any{"private_network": "tokyo", "ip_addresses": []string{"10.2.0.1"}}), status: 400, field: "spec.ip_addresses[0]"},
		"ips_vs_num_nodes":   {call: unit(map[string]any{"num_nodes": 3, "ip_addresses": []string{"10.208.0.1", "10.208.0.2"}}), status: 400, field: "spec.num_nodes"},
		"unknown_flavor": {call: func() error {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Flavor: "huge"})
			return err
		}, status: 400, field: "flavor"},
		"unknown_provider": {call: func() error {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "nimbus"})
			return err
		}, status: 400, field: "provider", errSubstr: "installed: keyed, sim"},
		"bad_unit_name": {call: func() error {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "a b", Provider: "sim"})
			return err
		}, status: 400, field: "unit_name"},
		"unknown_top_field": {call: raw("POST", "/vcs", `{"name": "x", "colour": "red"}`), status: 400, field: "colour"},
		"top_wrong_type":    {call: raw("POST", "/vcs", `{"name": 5}`), status: 400, field: "name"},
		"malformed_json":    {call: raw("POST", "/vcs", `{"name": `), status: 400},
		"unknown_vc":        {call: func() error { _, err := cl.GetUnitGroup(c, "0123abcd"); return err }, status: 404},
		"unknown_unit":      {call: func() error { _, err := cl.GetUnit(c, vc.VCID, "nope"); return err }, status: 404},
		"unknown_path":      {call: raw("GET", "/nothing", ""), status: 404},
		"bad_method":        {call: raw("PUT", "/vcs", "{}"), status: 405},
		"no_token":          {call: func() error { return rawCall(t, h, "GET", "/vcs", "", "") }, status: 401},
		"wrong_token":       {call: func() error { return rawCall(t, h, "GET", "/vcs", "", "vcc.nope") }, status: 401},
		"body_too_large":    {call: raw("POST", "/vcs", `{"name": "`+strings.Repeat("x", 1<<20)+`"}`), status: 413},
		"too_many_ips":      {call: raw("PUT", "/vcs/"+vc.VCID+"/u", `{"ip_addresses": [`+strings.Repeat(`"1.1.1.1",`, 1000)+`"1.1.1.1"]}`), status: 400, field: "ip_addresses"},
		// Numbers beyond 64 bits are refused naming the field, never
		// rounded or dropped for a default.
		"num_nodes_2_63":  {call: raw("POST", "/vcs/"+vc.VCID, `{"unit_name": "u", "provider": "sim", "spec": {"num_nodes": 9223372036854775808}}`), status: 400, field: "spec.num_nodes", errSubstr: "from -9223372036854775808 to 9223372036854775807"},
		"num_nodes_1e19":  {call: raw("POST", "/vcs/"+vc.VCID, `{"unit_name": "u", "provider": "sim", "spec": {"num_nodes": 1e19}}`), status: 400, field: "spec.num_nodes"},
		"num_nodes_under": {call: raw("POST", "/vcs/"+vc.VCID, `{"unit_name": "u", "provider": "sim", "spec": {"num_nodes": -9223372036854775809}}`), status: 400, field: "spec.num_nodes"},
		"add_nodes_2_63":  {call: raw("PUT", "/vcs/"+vc.VCID+"/u", `{"num_add_nodes": 9223372036854775808}`), status: 400, field: "num_add_nodes"},
		"selector_1e19":   {call: raw("PATCH", "/vcs/"+vc.VCID+"/u/power_off", `{"num": 1e19}`), status: 400, field: "num"},
		"node_nos_2_63":   {call: raw("PATCH", "/vcs/"+vc.VCID+"/u/power_off", `{"node_nos": [9223372036854775808]}`), status: 400, field: "node_nos"},
		"audit_limit":     {call: raw("GET", "/audit?limit=9223372036854775808", ""), status: 400, field: "limit"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			var ae *sdk.APIError
			if !asAPIError(err, &ae) || ae.Status != tc.status {
				t.Fatalf("got %v, want status %d", err, tc.status)
			}
			if tc.field != "" && !hasField(ae.Body.Details, tc.field) {
				t.Errorf("details %+v do not blame %q", ae.Body.Details, tc.field)
			}
			if !strings.Contains(ae.Error(), tc.errSubstr) {
				t.Errorf("error %q lacks %q", ae.Error(), tc.errSubstr)
			}
		})
	}
	got := must[*sdk.VC](t)(cl.GetUnitGroup(c, vc.VCID))
	if len(got.Units) != 0 || len(simCloud(t, h)) != 0 {
		t.Fatalf("refused requests left %d units, %d instances", len(got.Units), len(simCloud(t, h)))
	}
}

func hasField(ds []sdk.FieldError, f string) bool {
	for _, d := range ds {
		if d.Field == f {
			return true
		}
	}
	return false
}

// TestConcurrentChangesSerialised: changes to one unit sent at once all
// succeed, one after another, with distinct node numbers.
func TestConcurrentChangesSerialised(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default:\n    latency_ms: 300\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "conc", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	var wg sync.WaitGroup
	ops := make([]string, 5)
	for i := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := cl.AddNodes(c, vc.VCID, "u", sdk.AddNodesRequest{NumAddNodes: 1})
			if err != nil {
				t.Error(err)
				return
			}
			ops[i] = a.OperationID
		}()
	}
	wg.Wait()
	var done []*sdk.Operation
	for _, id := range ops {
		done = append(done, must[*sdk.Operation](t)(cl.Wait(c, id)))
	}
	sort.Slice(done, func(i, j int) bool { return done[i].Updated.Before(done[j].Updated) })
	for i := 1; i < len(done); i++ {
		// Each add takes at least the 300 ms create latency; run in
		// parallel they would all end together.
		if gap := done[i].Updated.Sub(done[i-1].Updated); gap < 200*time.Millisecond {
			t.Errorf("operations %d and %d ended %v apart: not serialised", i-1, i, gap)
		}
	}
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))
	var nos []int
	for _, n := range u.Nodes {
		nos = append(nos, n.NodeNo)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6}, nos); diff != "" || states(u)["RUNNING"] != 6 {
		t.Fatalf("nodes (-want +got): %s; states %v", diff, states(u))
	}
}

// TestCrashRecovery: kill -9 of the host in the middle of creating 50
// nodes and in the middle of deleting them; after each restart every node
// converges and the cloud holds no orphan and no duplicate.
func TestCrashRecovery(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default:\n    latency_ms: 200\n", "--provider-limit", "8")
	c := ctx(t)
	vc := must[*sdk.VC](t)(h.Client.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "sim", Spec: map[string]any{"num_nodes": 50}}))
	time.Sleep(900 * time.Millisecond) // about a third of the way
	h.Kill()
	mid := len(simCloud(t, h))
	if mid == 0 || mid == 50 {
		t.Logf("note: the kill came at %d of 50 instances", mid)
	}
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	u := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big"))
	if states(u)["RUNNING"] != 50 {
		t.Fatalf("after restart: %v", states(u))
	}
	cloud := simCloud(t, h)
	if diff := cmp.Diff(instanceIDs(u), cloudIDs(cloud)); diff != "" {
		t.Fatalf("cloud and store disagree after a crash mid-create (-store +cloud): %s", diff)
	}

	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	time.Sleep(700 * time.Millisecond)
	h.Kill()
	h.Start()
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	if _, err := h.Client.GetUnit(c, vc.VCID, "big"); sdk.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("unit after delete: %v", err)
	}
	if left := simCloud(t, h); len(left) != 0 {
		t.Fatalf("%d orphan instances after a crash mid-delete", len(left))
	}
}

func instanceIDs(u *sdk.Unit) []string {
	var out []string
	for _, n := range u.Nodes {
		out = append(out, n.CloudInstanceID)
	}
	sort.Strings(out)
	return out
}

func cloudIDs(l []provider.NodeStatus) []string {
	var out []string
	for _, s := range l {
		out = append(out, s.CloudInstanceID)
	}
	sort.Strings(out)
	return out
}
