package main_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

func init() {
	// Plain-text answers (the CA, the bootstrap script) are checked as
	// strings.
	for _, ct := range []string{"application/x-pem-file", "text/x-shellscript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// validating checks every response it carries against the OpenAPI
// document.
type validating struct {
	t      *testing.T
	base   http.RoundTripper
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool // "METHOD route status" validated
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := v.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	closeBody(resp)
	resp.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return resp, nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req.Clone(context.Background()), PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	in.Request.Body = io.NopCloser(bytes.NewReader(reqBody))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s %s → %d does not match the document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	v.mu.Lock()
	v.seen[req.Method+" "+route.Path+" "+resp.Status[:3]] = true
	v.mu.Unlock()
	return resp, nil
}

// validated returns a client of h whose every response is checked
// against the OpenAPI document h serves (itself checked to be valid
// OpenAPI 3), and the checker, which records what it saw.
func validated(t *testing.T, h *testenv.Host) (*sdk.Client, *validating) {
	t.Helper()
	raw, err := httpsClient(t, h).Get(h.URL + "/vcp/v1/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docBytes, _ := io.ReadAll(raw.Body)
	closeBody(raw)
	doc, err := openapi3.NewLoader().LoadFromData(docBytes)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(ctx(t)); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI 3: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: h.URL + sdk.Prefix}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	v := &validating{t: t, base: httpsClient(t, h).Transport, router: router, seen: map[string]bool{}}
	cl, err := sdk.New(h.URL, h.Token, sdk.WithHTTPClient(&http.Client{Transport: v}))
	if err != nil {
		t.Fatal(err)
	}
	return cl, v
}

// TestOpenAPI: the served document is valid OpenAPI 3, and the real
// responses of a whole session (successes and errors) match it.
func TestOpenAPI(t *testing.T) {
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	c := ctx(t)
	cl, v := validated(t, h)

	// answers(status) checks a call's outcome: status 0 is any success.
	answers := func(status int) func(any, error) {
		return func(_ any, err error) {
			t.Helper()
			if got := sdk.StatusOf(err); (status == 0 && err != nil) || (status != 0 && got != status) {
				t.Errorf("got %v, want status %d", err, status)
			}
		}
	}
	ok := answers(0)
	ok(nil, cl.Health(c))
	ok(cl.Version(c))
	ok(cl.Authority(c))
	ok(cl.Plugins(c))
	ok(cl.Flavors(c, "sim"))
	ok(cl.PublicKey(c))
	ok(cl.IPPools(c))
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "oa", "compute"))
	ok(cl.ListUnitGroups(c))
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Flavor: "small", Spec: map[string]any{"num_nodes": 2}}))
	must[*sdk.Operation](t)(cl.Wait(c, acc.OperationID))
	ok(cl.Operation(c, acc.OperationID))
	ok(cl.GetUnitGroup(c, vc.VCID))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))
	settle(t, cl)(cl.PowerOff(c, vc.VCID, "u", sdk.Selector{NodeNos: []int{1}}))
	answers(http.StatusConflict)(cl.NodeAction(c, vc.VCID, "u", u.Nodes[0].NodeID, "power_off")) // already off
	ok(cl.UnitAction(c, vc.VCID, "u", "unwatch", sdk.Selector{}))
	answers(http.StatusBadRequest)(cl.UnitAction(c, vc.VCID, "u", "suspend", sdk.Selector{}))
	settle(t, cl)(cl.AddNodes(c, vc.VCID, "u", sdk.AddNodesRequest{NumAddNodes: 1}))
	settle(t, cl)(cl.DeleteNode(c, vc.VCID, "u", u.Nodes[1].NodeID))
	ok(cl.Reconcile(c))
	ok(cl.LastReconcile(c))
	ok(cl.ChangeOwner(c, vc.VCID, "admin"))
	answers(http.StatusBadRequest)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "sim", Spec: map[string]any{"num_nodes": "x"}}))
	answers(http.StatusNotFound)(cl.GetUnit(c, vc.VCID, "nope"))
	answers(http.StatusConflict)(cl.DeleteUnit(c, vc.VCID, "u", false))
	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "u", true))
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	bad := must[*sdk.Client](t)(sdk.New(h.URL, "vcc.wrong", sdk.WithHTTPClient(&http.Client{Transport: v})))
	answers(http.StatusUnauthorized)(bad.ListUnitGroups(c))

	for _, want := range []string{
		"POST /vcs 201", "POST /vcs/{vcid} 202", "POST /vcs/{vcid} 400", "GET /vcs/{vcid}/{unit} 200", "GET /vcs/{vcid}/{unit} 404",
		"PATCH /vcs/{vcid}/{unit}/{sub} 202", "PATCH /vcs/{vcid}/{unit}/{sub} 400", "PATCH /vcs/{vcid}/{unit}/{node_id}/{action} 409",
		"DELETE /vcs/{vcid}/{unit} 409", "GET /operations/{id} 200", "POST /reconcile 200", "GET /vcs 401", "GET /ip_pools 200",
	} {
		if !v.seen[want] {
			t.Errorf("the session never produced %q; seen: %v", want, keys(v.seen))
		}
	}
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ", ")
}
