package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// The access matrix: every operation of the served OpenAPI document,
// tried by every kind of caller against a real host, each expectation
// derived from the operation's x-vcc-access and x-vcc-scope. A new path
// is in the document (a unit test of package api holds the routes to
// it), so it is tried here with its declared rule, or this test fails
// because it cannot bind a parameter or build a body.

// mCaller is one kind of caller.
type mCaller struct {
	name            string
	token           string
	owner, readonly bool // alice's own tokens
	super, priv     bool // a super user; asks for privileged=true
}

// mOp is one operation of the document.
type mOp struct {
	method, path  string
	access, scope string
	query         []string
	body          any  // the request body's example, nil without one
	stream        bool // answers server-sent events
}

// mFixture is one VC of alice's: unit "u" of one sim_pool node.
type mFixture struct{ vcid, node, op, name string }

type matrix struct {
	t       *testing.T
	h       *testenv.Host
	alice   *sdk.Client
	carol   *sdk.Client // privileged
	valid   *http.Client
	plain   *http.Client
	markers []string // what only alice's data holds
	n       int      // fixtures and names made so far
	cases   int
}

// TestAccessMatrix runs the matrix; see the comment above.
func TestAccessMatrix(t *testing.T) {
	start := time.Now()
	conf := poolConf(0, 150)
	conf["vpn_catalog.yml"] += "sim:\n  default: {}\nkeyed:\n  default: {}\n"
	h := testenv.StartHostConfig(t, conf, map[string]string{"vcc-provider-sim-pool": testenv.SimPool(t)}, "--reconcile-interval", "0")
	tok := isoUsers(t, h, "alice:regular", "bob:regular", "carol:super")
	_, v := validated(t, h)
	m := &matrix{t: t, h: h, alice: h.ClientFor(tok["alice"]), carol: h.ClientFor(tok["carol"]).Privileged(),
		valid: &http.Client{Transport: v}, plain: httpsClient(t, h)}
	m.aliceSecrets()
	m.aliceVanishedNode()
	ro := token(t, h, "alice", "--readonly")
	denied := []mCaller{
		{name: "no token"},
		{name: "owner's readonly token", token: ro, owner: true, readonly: true},
		{name: "other regular user", token: tok["bob"]},
		{name: "regular user asking privileged", token: tok["bob"], priv: true},
		{name: "super user, not privileged", token: tok["carol"], super: true},
	}
	privileged := mCaller{name: "privileged super user", token: tok["carol"], super: true, priv: true}
	owner := mCaller{name: "owner", token: tok["alice"], owner: true}

	ops := m.operations()
	shared := m.fixture()
	shared.op = m.deletedVCOp() // an operation outlives its VC, not the VC's fence
	for _, op := range ops {
		fx := shared
		if op.method != http.MethodGet {
			fx = m.fixture()
		}
		before := m.snapshot(fx)
		for _, c := range denied {
			m.try(op, c, fx)
		}
		if !op.stream {
			if diff := cmp.Diff(before, m.snapshot(fx)); diff != "" {
				t.Errorf("%s %s: callers other than the owner changed alice's VC or credentials (-before +after):\n%s", op.method, op.path, diff)
			}
		}
		m.try(op, privileged, fx)
		if op.method != http.MethodGet {
			fx = m.fixture()
		}
		m.try(op, owner, fx)
	}
	m.options(ops, tok["bob"])
	t.Logf("access matrix: %d operations, %d cases, %s", len(ops), m.cases, time.Since(start).Round(time.Millisecond))
}

// operations reads the served document: every operation, GETs first (so
// that reads see the fixtures before changes run), in path order.
func (m *matrix) operations() []mOp {
	t := m.t
	resp, err := m.plain.Get(m.h.URL + "/vcp/v1/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	closeBody(resp)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	var ops []mOp
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			op := mOp{method: method, path: path, access: fmt.Sprint(o.Extensions["x-vcc-access"]), scope: fmt.Sprint(o.Extensions["x-vcc-scope"])}
			for _, p := range append(item.Parameters, o.Parameters...) {
				if p.Value.In == "query" && p.Value.Name != "privileged" {
					op.query = append(op.query, p.Value.Name)
				}
			}
			if rb := o.RequestBody; rb != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Example != nil {
					op.body = mt.Example
				} else if rb.Value.Required {
					t.Fatalf("%s %s: give its request body an example in openapi.yaml; the access matrix sends it", method, path)
				}
			}
			if ok := o.Responses.Value("200"); ok != nil && ok.Value.Content.Get("text/event-stream") != nil {
				op.stream = true
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		gi, gj := ops[i].method == http.MethodGet, ops[j].method == http.MethodGet
		if gi != gj {
			return gi
		}
		return ops[i].path+" "+ops[i].method < ops[j].path+" "+ops[j].method
	})
	return ops
}

// want is what a caller should get.
type want int

const (
	wantOK  want = iota // 2xx
	want401             // no token
	want403             // the token's rights fall short
	want404             // another's VC does not exist for the caller
	wantOwn             // 2xx or 404: the caller's own per-user item
)

// expected derives what c gets of op from op's declared rule.
func expected(op mOp, c mCaller) want {
	switch op.access {
	case "public":
		return wantOK
	case "read", "full", "super", "super-full":
	default:
		panic(fmt.Sprintf("%s %s: unknown x-vcc-access %q", op.method, op.path, op.access))
	}
	if c.token == "" {
		return want401
	}
	needsFull := op.access == "full" || op.access == "super-full" || op.method != http.MethodGet
	needsSuper := op.access == "super" || op.access == "super-full"
	if c.readonly && needsFull || needsSuper && !c.super || c.priv && !c.super {
		return want403
	}
	switch op.scope {
	case "vc":
		if c.owner || c.priv {
			return wantOK
		}
		return want404
	case "user":
		if c.owner {
			return wantOK
		}
		return wantOwn
	case "global", "caller":
		return wantOK
	}
	panic(fmt.Sprintf("%s %s: unknown x-vcc-scope %q", op.method, op.path, op.scope))
}

// try sends op as c on fixture fx (with its query parameters, and GETs
// once more without) and checks the answer.
func (m *matrix) try(op mOp, c mCaller, fx mFixture) {
	m.tryWith(op, c, fx, true)
	if op.method == http.MethodGet && len(op.query) > 0 {
		m.tryWith(op, c, fx, false)
	}
}

func (m *matrix) tryWith(op mOp, c mCaller, fx mFixture, withQuery bool) {
	t := m.t
	m.cases++
	req := m.request(op, c, fx, withQuery)
	what := fmt.Sprintf("%s %s as %s", op.method, req.URL.RequestURI(), c.name)
	status, body := m.send(op, req, fx)
	w := expected(op, c)
	ok := map[want]bool{wantOK: status/100 == 2, want401: status == 401, want403: status == 403, want404: status == 404,
		wantOwn: status/100 == 2 || status == 404}[w]
	if !ok {
		t.Errorf("%s: %d %s; want %s", what, status, clip(body), map[want]string{wantOK: "2xx", want401: "401", want403: "403", want404: "404", wantOwn: "2xx or 404"}[w])
	}
	if status >= 400 && !op.stream {
		var e sdk.Error
		if json.Unmarshal([]byte(body), &e) != nil || e.Message == "" {
			t.Errorf("%s: %d without the JSON error body: %s", what, status, clip(body))
		}
	}
	sent := req.URL.String() + " " + fmt.Sprint(op.body)
	mayRead := c.owner || c.priv && c.super && op.scope != "user" || op.scope == "global" && c.super
	if !mayRead {
		for _, mk := range m.markers {
			if strings.Contains(body, mk) && !strings.Contains(sent, mk) {
				t.Errorf("%s: the answer holds alice's %q: %s", what, mk, clip(body))
			}
		}
	}
	shows := c.owner && (op.scope == "caller" || op.scope == "user") || c.priv && c.super && op.scope == "caller"
	if op.method == http.MethodGet && shows && status == 200 && !m.holdsMarker(body) {
		t.Errorf("%s: the answer shows nothing of alice's (the leak checks would prove nothing): %s", what, clip(body))
	}
}

func (m *matrix) holdsMarker(body string) bool {
	for _, mk := range m.markers {
		if strings.Contains(body, mk) {
			return true
		}
	}
	return false
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// request builds op's request for fixture fx, binding every parameter.
func (m *matrix) request(op mOp, c mCaller, fx mFixture, withQuery bool) *http.Request {
	t := m.t
	path := pathParam.ReplaceAllStringFunc(op.path, func(p string) string {
		name := strings.Trim(p, "{}")
		v, ok := map[string]string{"vcid": fx.vcid, "unit": "u", "node_id": fx.node, "action": "power_off",
			"id": fx.op, "provider": "keyed", "key": "token"}[name]
		if name == "sub" { // an action on PATCH, a node id otherwise
			v, ok = fx.node, true
			if op.method == http.MethodPatch {
				v = "power_off"
			}
		}
		if !ok {
			t.Fatalf("%s %s: the access matrix has no value for path parameter %q; add one", op.method, op.path, name)
		}
		return url.PathEscape(v)
	})
	q := url.Values{}
	if withQuery {
		for _, name := range op.query {
			v, ok := map[string]string{"vcid": fx.vcid, "operation_id": fx.op, "wait": "0s", "force": "true", "forget": "false",
				"limit": "5", "provider": "sim", "user": "vcp", "ssh_port": "20022", "name": fx.name, "state": "RUNNING", "type": "compute"}[name]
			if !ok {
				t.Fatalf("%s %s: the access matrix has no value for query parameter %q; add one", op.method, op.path, name)
			}
			q.Set(name, v)
		}
	}
	if c.priv {
		q.Set("privileged", "true")
	}
	var body io.Reader
	if op.body != nil {
		b := op.body
		if obj, isObj := b.(map[string]any); isObj && obj["name"] != nil {
			m.n++ // names are unique per caller (a VC name twice is a 409)
			obj = cloneMap(obj)
			obj["name"] = fmt.Sprintf("m%d", m.n)
			b = obj
		}
		raw, _ := json.Marshal(b)
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(op.method, m.h.URL+sdk.Prefix+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = q.Encode()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req
}

func cloneMap(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	return out
}

// send sends req: through the validating client (the answer must match
// the document), or for a stream while alice's fixture changes, whose
// events it returns as the body.
func (m *matrix) send(op mOp, req *http.Request, fx mFixture) (int, string) {
	t := m.t
	if !op.stream {
		resp, err := m.valid.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer closeBody(resp)
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := m.plain.Do(req.WithContext(c))
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	got := make(chan string, 1)
	go func() {
		raw, _ := io.ReadAll(resp.Body) // until cancelled
		got <- string(raw)
	}()
	settle(t, m.alice)(m.alice.UnitAction(ctx(t), fx.vcid, "u", "reboot", sdk.Selector{}))
	time.Sleep(300 * time.Millisecond)
	cancel()
	return resp.StatusCode, <-got
}

// options: OPTIONS is no method of the API, with or without a token.
func (m *matrix) options(ops []mOp, tok string) {
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.path] {
			continue
		}
		seen[op.path] = true
		for _, c := range []mCaller{{name: "no token"}, {name: "a regular user", token: tok}} {
			m.cases++
			req := m.request(mOp{method: http.MethodOptions, path: op.path}, c, mFixture{vcid: "v", node: "n", op: "o"}, false)
			resp, err := m.plain.Do(req)
			if err != nil {
				m.t.Fatal(err)
			}
			closeBody(resp)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				m.t.Errorf("OPTIONS %s as %s: %d, want 405", op.path, c.name, resp.StatusCode)
			}
		}
	}
}

// fixture makes a VC of alice's with unit "u" of one sim_pool node (it
// holds a pool address, so GET /ip_pools names it).
func (m *matrix) fixture() mFixture {
	t, c := m.t, ctx(m.t)
	m.n++
	vc := must[*sdk.VC](t)(m.alice.CreateUnitGroup(c, fmt.Sprintf("fx%d", m.n), ""))
	acc := must[*sdk.Accepted](t)(m.alice.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim_pool", Spec: map[string]any{"num_nodes": 1}}))
	must[*sdk.Operation](t)(m.alice.Wait(c, acc.OperationID))
	n := must[*sdk.Unit](t)(m.alice.GetUnit(c, vc.VCID, "u")).Nodes[0]
	m.markers = append(m.markers, vc.VCID, n.NodeID, acc.OperationID, n.CloudInstanceID)
	return mFixture{vcid: vc.VCID, node: n.NodeID, op: acc.OperationID, name: vc.Name}
}

// deletedVCOp deletes a VC of alice's and returns the delete's id.
func (m *matrix) deletedVCOp() string {
	t := m.t
	fx := m.fixture()
	acc := must[*sdk.Accepted](t)(m.alice.DeleteUnitGroup(ctx(t), fx.vcid))
	must[*sdk.Operation](t)(m.alice.Wait(ctx(t), acc.OperationID))
	m.markers = append(m.markers, acc.OperationID)
	return acc.OperationID
}

// aliceSecrets stores alice's credentials: the keyed one the matrix
// reads, and one under a provider name only she uses (which her
// credential list shows).
func (m *matrix) aliceSecrets() {
	const value = "alice-secret-value-0f3a"
	for _, kv := range [][3]string{{"keyed", "token", value}, {"zzaliceonly", "k", "x"}} {
		if err := m.alice.PutCredential(ctx(m.t), kv[0], kv[1], kv[2]); err != nil {
			m.t.Fatal(err)
		}
	}
	m.markers = append(m.markers, value, "zzaliceonly")
}

// aliceVanishedNode makes the last reconcile report name a node of
// alice's: its instance is deleted behind the controller's back.
func (m *matrix) aliceVanishedNode() {
	t := m.t
	fx := m.fixture()
	p := providertest.Launch(t, testenv.SimPool(t))
	env := provider.CallEnv{ControllerID: m.h.ControllerID, CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sim_state_dir": %q}`, m.h.PluginData("sim_pool")))}
	if err := p.DeleteNode(ctx(t), provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: fx.node}}); err != nil {
		t.Fatal(err)
	}
	if rep := must[*sdk.ReconcileReport](t)(m.carol.Reconcile(ctx(t))); len(rep.Vanished) != 1 {
		t.Fatalf("reconcile: %+v; want alice's node vanished", rep)
	}
}

// snapshot is alice's VC fx as a privileged super user reads it, and
// her credential.
func (m *matrix) snapshot(fx mFixture) any {
	c := ctx(m.t)
	vc, err := m.carol.GetUnitGroup(c, fx.vcid)
	secret, _ := m.alice.Credential(c, "keyed", "token")
	return []any{vc, err, secret}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
