package api

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
)

// rule is what the document and the route table both say of a route.
type rule struct {
	Access, Scope string
	Query         []string
}

var paramRE = regexp.MustCompile(`[:{]([a-z_]+)}?`)

// norm writes /vcs/:vcid and /vcs/{vcid} alike.
func norm(path string) string { return paramRE.ReplaceAllString(path, "{}") }

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiDoc)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRoutesMatchTheDocument: every route is an operation of the
// OpenAPI document with the same access rule, scope and query
// parameters, and every operation is a route. The end-to-end access
// matrix is generated from the document, so this is what makes a new
// route's access rule tested.
func TestRoutesMatchTheDocument(t *testing.T) {
	doc := loadDoc(t)
	want := map[string]rule{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			r := rule{Access: fmt.Sprint(op.Extensions["x-vcc-access"]), Scope: fmt.Sprint(op.Extensions["x-vcc-scope"]), Query: []string{}}
			for _, p := range op.Parameters {
				if p.Value.In == "query" && p.Value.Name != "privileged" {
					r.Query = append(r.Query, p.Value.Name)
				}
			}
			slices.Sort(r.Query)
			want[method+" "+norm(Prefix+path)] = r
		}
	}
	got := map[string]rule{}
	for _, rt := range (&Server{}).routes() {
		if !strings.HasPrefix(rt.path, Prefix+"/") {
			continue // the document itself, served beside the API
		}
		q := append([]string{}, rt.query...)
		slices.Sort(q)
		got[rt.method+" "+norm(rt.path)] = rule{Access: string(rt.access), Scope: string(rt.scope), Query: q}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes.go and openapi.yaml disagree (-document +routes):\n%s", diff)
	}
}

// TestAccessRules: readonly tokens may only read (every other method
// needs a full-access token, and the document says so), and each
// operation documents the statuses its rule can answer.
func TestAccessRules(t *testing.T) {
	doc := loadDoc(t)
	for _, rt := range (&Server{}).routes() {
		if rt.method != "GET" && rt.access != fullToken && rt.access != superFull {
			t.Errorf("%s %s: access %q; a change needs full or super-full", rt.method, rt.path, rt.access)
		}
		if !strings.HasPrefix(rt.path, Prefix+"/") {
			continue
		}
		item := doc.Paths.Find(strings.TrimPrefix(norm(rt.path), Prefix))
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("%s %s is not in the document", rt.method, rt.path)
			continue
		}
		op := item.GetOperation(rt.method)
		statuses := []string{"400"} // a malformed or unknown query parameter
		if rt.access != public {
			statuses = append(statuses, "401", "403")
		}
		if rt.scope == vcScope {
			statuses = append(statuses, "404")
		}
		for _, s := range statuses {
			if op.Responses.Value(s) == nil {
				t.Errorf("%s %s can answer %s; the document does not say so", rt.method, rt.path, s)
			}
		}
	}
}
