package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// isoUsers adds users given as "name:role" and returns a full-access
// token of each.
func isoUsers(t *testing.T, h *testenv.Host, specs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range specs {
		name, role, _ := strings.Cut(s, ":")
		if o, e, code := cli(t, h, "users", "add", name, role); code != 0 {
			t.Fatalf("users add %s: %d %s %s", s, code, o, e)
		}
		out[name] = token(t, h, name)
	}
	return out
}

// call sends one request and returns its status and body.
func call(t *testing.T, h *testenv.Host, method, path, body, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.URL+sdk.Prefix+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// stream follows GET /events?query with tok; it returns once the
// subscription is in place, and ends with the test.
func stream(t *testing.T, h *testenv.Host, tok, query string) <-chan sdk.Event {
	t.Helper()
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(c, http.MethodGet, h.URL+sdk.Prefix+"/events?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /events?%s: %d %s", query, resp.StatusCode, raw)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // the opening comment: subscribed
	ch := make(chan sdk.Event, 1024)
	go func() {
		defer closeBody(resp)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e sdk.Event
				if json.Unmarshal([]byte(data), &e) == nil {
					ch <- e
				}
			}
		}
	}()
	return ch
}

// drain returns the events of ch that arrive within d.
func drain(ch <-chan sdk.Event, d time.Duration) []sdk.Event {
	var out []sdk.Event
	end := time.After(d)
	for {
		select {
		case e := <-ch:
			out = append(out, e)
		case <-end:
			return out
		}
	}
}

func ofVC(evs []sdk.Event, vcid string) int {
	n := 0
	for _, e := range evs {
		if e.VCID == vcid {
			n++
		}
	}
	return n
}

// TestIsolation: each rule of isolation between users (issue 13, items
// 1 to 6), tried the way it was found broken.
func TestIsolation(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default: {}\nkeyed:\n  default: {}\n", "--reconcile-interval", "0")
	c := ctx(t)
	tok := isoUsers(t, h, "alice:regular", "bob:regular", "carol:super")
	alice := h.ClientFor(tok["alice"])
	newVC := func(name string, nodes int) *sdk.Unit {
		vc := must[*sdk.VC](t)(alice.CreateUnitGroup(c, name, ""))
		settle(t, alice)(alice.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": nodes}}))
		return must[*sdk.Unit](t)(alice.GetUnit(c, vc.VCID, "u"))
	}

	t.Run("events_follow_vc_visibility", func(t *testing.T) {
		u := newVC("ev", 1)
		others := map[string]<-chan sdk.Event{
			"bob, all":               stream(t, h, tok["bob"], ""),
			"bob, ?vcid=":            stream(t, h, tok["bob"], "vcid="+u.VCID),
			"carol (not privileged)": stream(t, h, tok["carol"], "vcid="+u.VCID),
		}
		seers := map[string]<-chan sdk.Event{
			"alice":              stream(t, h, tok["alice"], ""),
			"carol (privileged)": stream(t, h, tok["carol"], "privileged=true&vcid="+u.VCID),
		}
		settle(t, alice)(alice.PowerOff(c, u.VCID, "u", sdk.Selector{}))
		for who, ch := range seers {
			if n := ofVC(drain(ch, 300*time.Millisecond), u.VCID); n == 0 {
				t.Errorf("%s saw no event of its (or, privileged, any) VC", who)
			}
		}
		for who, ch := range others {
			if n := ofVC(drain(ch, 10*time.Millisecond), u.VCID); n != 0 {
				t.Errorf("%s saw %d events of alice's VC", who, n)
			}
		}
	})

	t.Run("reconcile_is_for_super_users_and_filtered", func(t *testing.T) {
		bob, carol := h.ClientFor(tok["bob"]), h.ClientFor(tok["carol"])
		u := newVC("rec", 1)
		sim := providertest.Launch(t, testenv.Sim(t))
		env := provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sim_state_dir": %q}`, h.PluginData("sim")))}
		if err := sim.DeleteNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: u.Nodes[0].NodeID}}); err != nil {
			t.Fatal(err)
		}
		orphan := must[*provider.NodeStatus](t)(sim.CreateNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9}}))
		if code, body := call(t, h, "POST", "/reconcile", "", tok["bob"]); code != http.StatusForbidden || !strings.Contains(body, "super users") {
			t.Errorf("a regular user runs reconcile: %d %s", code, body)
		}
		full := must[*sdk.ReconcileReport](t)(carol.Privileged().Reconcile(c))
		if diff := cmp.Diff([]string{u.Nodes[0].NodeID}, full.Vanished); diff != "" || len(full.Orphans) != 1 {
			t.Fatalf("privileged pass: vanished (-want +got) %s; orphans %+v", diff, full.Orphans)
		}
		for who, tc := range map[string]struct {
			cl       *sdk.Client
			vanished []string
			orphans  int
		}{
			"alice (owner)":          {alice, []string{u.Nodes[0].NodeID}, 0},
			"bob":                    {bob, []string{}, 0},
			"carol (not privileged)": {carol, []string{}, 1},
			"carol (privileged)":     {carol.Privileged(), []string{u.Nodes[0].NodeID}, 1},
		} {
			rep := must[*sdk.ReconcileReport](t)(tc.cl.LastReconcile(c))
			if diff := cmp.Diff(tc.vanished, rep.Vanished); diff != "" || len(rep.Orphans) != tc.orphans {
				t.Errorf("%s reads vanished (-want +got) %s, %d orphans (want %d)", who, diff, len(rep.Orphans), tc.orphans)
			}
		}
		if _, body := call(t, h, "GET", "/reconcile", "", tok["bob"]); strings.Contains(body, orphan.CloudInstanceID) || strings.Contains(body, u.Nodes[0].NodeID) {
			t.Errorf("bob's report names alice's node or the orphan: %s", body)
		}
	})

	t.Run("operations_keep_their_vc_fence", func(t *testing.T) {
		carol := h.ClientFor(tok["carol"])
		u := newVC("ops", 1)
		del := must[*sdk.Accepted](t)(alice.DeleteUnitGroup(c, u.VCID))
		must[*sdk.Operation](t)(alice.Wait(c, del.OperationID))
		for who, tc := range map[string]struct {
			tok  string
			want int
		}{
			"alice (owner)":          {tok["alice"], 200},
			"bob":                    {tok["bob"], 404},
			"carol (not privileged)": {tok["carol"], 404},
		} {
			if code, body := call(t, h, "GET", "/operations/"+del.OperationID, "", tc.tok); code != tc.want {
				t.Errorf("%s reads the delete of a gone VC: %d %s; want %d", who, code, body, tc.want)
			}
			if code, _ := call(t, h, "GET", "/operations/"+del.OperationID+"?wait=1s", "", tc.tok); code != tc.want {
				t.Errorf("%s long-polls it: %d; want %d", who, code, tc.want)
			}
		}
		must[*sdk.Operation](t)(carol.Privileged().Operation(c, del.OperationID))
	})

	t.Run("readonly_tokens_list_but_do_not_read_secrets", func(t *testing.T) {
		const secret = "alices-cloud-key-value"
		if err := alice.PutCredential(c, "keyed", "token", secret); err != nil {
			t.Fatal(err)
		}
		ro := token(t, h, "alice", "--readonly")
		code, body := call(t, h, "GET", "/credentials/keyed/token", "", ro)
		if code != http.StatusForbidden || strings.Contains(body, secret) || !strings.Contains(body, "full-access token") {
			t.Errorf("readonly GET of a secret: %d %s; want 403 saying a full-access token is needed", code, body)
		}
		if code, body := call(t, h, "GET", "/credentials", "", ro); code != 200 || !strings.Contains(body, `"key":"token"`) {
			t.Errorf("readonly list: %d %s", code, body)
		}
	})

	t.Run("owner_change", func(t *testing.T) {
		bob, carol := h.ClientFor(tok["bob"]), h.ClientFor(tok["carol"])
		// alice's keyed unit runs in the cloud account her token opens.
		if err := alice.PutCredential(c, "keyed", "token", "account-1"); err != nil {
			t.Fatal(err)
		}
		vc := must[*sdk.VC](t)(alice.CreateUnitGroup(c, "handover", ""))
		settle(t, alice)(alice.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "k", Provider: "keyed"}))
		priv := carol.Privileged()
		patch := func(cl *sdk.Client, owner string) error { _, err := cl.ChangeOwner(c, vc.VCID, owner); return err }
		for name, tc := range map[string]struct {
			err   error
			code  int
			field string
		}{
			"a user that does not exist":               {patch(priv, "ghost"), 400, "owner"},
			"by its regular owner":                     {patch(alice, "bob"), 403, ""},
			"by another regular user":                  {patch(bob, "bob"), 403, ""},
			"by a super user, not privileged":          {patch(carol, "bob"), 404, ""},
			"to a user without the units' credentials": {patch(priv, "bob"), 400, "credentials.keyed.token"},
		} {
			var ae *sdk.APIError
			if !asAPIError(tc.err, &ae) || ae.Status != tc.code || (tc.field != "" && !hasField(ae.Body.Details, tc.field)) {
				t.Errorf("%s: %v; want %d on %q", name, tc.err, tc.code, tc.field)
			}
		}
		if err := bob.PutCredential(c, "keyed", "token", "account-2"); err != nil {
			t.Fatal(err)
		}
		if err := patch(priv, "bob"); sdk.StatusOf(err) != 409 || !strings.Contains(err.Error(), "do not reach") {
			t.Errorf("to a user whose credentials open another account: %v; want 409", err)
		}
		must[*sdk.VC](t)(bob.CreateUnitGroup(c, "handover", ""))
		if err := bob.PutCredential(c, "keyed", "token", "account-1"); err != nil {
			t.Fatal(err)
		}
		if err := patch(priv, "bob"); sdk.StatusOf(err) != 409 || !strings.Contains(err.Error(), "already has a VC named") {
			t.Errorf("to a user with a VC of the same name: %v; want 409", err)
		}
		bobs := must[[]sdk.VC](t)(bob.ListUnitGroups(c))
		if _, err := bob.DeleteUnitGroup(c, bobs[0].VCID); err != nil {
			t.Fatal(err)
		}
		if err := patch(priv, "bob"); err != nil {
			t.Fatalf("a valid handover: %v", err)
		}
		if _, err := alice.GetUnitGroup(c, vc.VCID); sdk.StatusOf(err) != 404 {
			t.Errorf("the previous owner still sees the VC: %v", err)
		}
		settle(t, bob)(bob.AddNodes(c, vc.VCID, "k", sdk.AddNodesRequest{NumAddNodes: 1}))
		// The unit now calls the cloud with bob's credentials, not alice's.
		if err := bob.DeleteCredential(c, "keyed", "token"); err != nil {
			t.Fatal(err)
		}
		acc := must[*sdk.Accepted](t)(bob.AddNodes(c, vc.VCID, "k", sdk.AddNodesRequest{NumAddNodes: 1}))
		if op, err := bob.Wait(c, acc.OperationID); err == nil || !strings.Contains(err.Error(), "did not arrive") {
			t.Errorf("adding nodes after bob dropped his credential: %+v, %v; want the create to fail without it", op, err)
		}
	})

	t.Run("parameters_and_options", func(t *testing.T) {
		for name, tc := range map[string]struct {
			method, path, tok string
			code              int
			field             string
		}{
			"privileged not a boolean":          {"GET", "/vcs?privileged=yes", tok["carol"], 400, "privileged"},
			"privileged not a boolean, regular": {"GET", "/vcs?privileged=yes", tok["bob"], 400, "privileged"},
			"wait not a duration":               {"GET", "/operations/x?wait=soon", tok["bob"], 400, "wait"},
			"limit not a number":                {"GET", "/audit?limit=many", tok["carol"], 400, "limit"},
			"unknown parameter":                 {"GET", "/vcs?privilegd=true", tok["carol"], 400, "privilegd"},
			"OPTIONS without a token":           {"OPTIONS", "/vcs", "", 405, ""},
			"OPTIONS with a token":              {"OPTIONS", "/vcs/x", tok["bob"], 405, ""},
		} {
			code, body := call(t, h, tc.method, tc.path, "", tc.tok)
			var e sdk.Error
			if err := json.Unmarshal([]byte(body), &e); code != tc.code || err != nil || e.Message == "" || (tc.field != "" && !hasField(e.Details, tc.field)) {
				t.Errorf("%s: %s %s → %d %s; want %d with a JSON error on %q", name, tc.method, tc.path, code, body, tc.code, tc.field)
			}
		}
	})
}
