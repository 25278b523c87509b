package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// vaultAnswer is what a Vault API call answered.
type vaultAnswer struct {
	status int
	body   struct {
		Data   map[string]any `json:"data"`
		Errors []string       `json:"errors"`
	}
}

// vaultCall sends one Vault API request as upstream's notebooks do
// (X-Vault-Token; LIST as its own method).
func vaultCall(t *testing.T, h *testenv.Host, method, path, body, token string) vaultAnswer {
	t.Helper()
	req, _ := http.NewRequest(method, h.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	var a vaultAnswer
	a.status = resp.StatusCode
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && json.Unmarshal(raw, &a.body) != nil {
		t.Errorf("%s %s: answer is not JSON: %q", method, path, raw)
	}
	return a
}

// TestVaultSubset: with the embedded backend the controller answers the
// Vault calls upstream's notebooks make, over the caller's own secrets,
// with Vault's shapes and access rules; what they store is what the
// credentials API and vault:// references read.
func TestVaultSubset(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default: {}\nkeyed:\n  default: {}\n", "--reconcile-interval", "0")
	c := ctx(t)
	for _, u := range []string{"alice", "bob"} {
		if _, stderr, code := cli(t, h, "users", "add", u, "regular"); code != 0 {
			t.Fatal(stderr)
		}
	}
	alice, bob, ro := token(t, h, "alice"), token(t, h, "bob"), token(t, h, "alice", "--readonly")
	const secret = "vault-subset-s3cret"
	write := func(path, tok string) int {
		return vaultCall(t, h, http.MethodPost, path, `{"value": "`+secret+`"}`, tok).status
	}

	if st := write("/v1/cubbyhole/keyed/token", alice); st != http.StatusNoContent {
		t.Fatalf("write: %d", st)
	}
	if a := vaultCall(t, h, http.MethodGet, "/v1/cubbyhole/keyed/token", "", alice); a.status != 200 || a.body.Data["value"] != secret {
		t.Errorf("read: %d %+v", a.status, a.body)
	}
	// The cubbyhole is the user's credentials: a new token finds it, the
	// credentials API reads it, bob does not.
	if got := must[string](t)(h.ClientFor(token(t, h, "alice")).Credential(c, "keyed", "token")); got != secret {
		t.Errorf("credentials API reads %q", got)
	}
	if a := vaultCall(t, h, http.MethodGet, "/v1/cubbyhole/keyed/token", "", bob); a.status != 404 {
		t.Errorf("bob reads alice's cubbyhole: %d", a.status)
	}
	for path, want := range map[string][]any{"/v1/cubbyhole/keyed?list=true": {"token"}, "/v1/cubbyhole/": {"keyed/"}} {
		method := http.MethodGet
		if !strings.Contains(path, "list=") {
			method = "LIST"
		}
		if a := vaultCall(t, h, method, path, "", alice); a.status != 200 || !slices.Equal(a.body.Data["keys"].([]any), want) {
			t.Errorf("%s %s: %d %+v, want keys %v", method, path, a.status, a.body, want)
		}
	}

	// secret/ holds the user's own secrets, which vault://secret/
	// references read.
	if st := write("/v1/secret/team/keyed", alice); st != http.StatusNoContent {
		t.Fatalf("write secret/: %d", st)
	}
	if err := h.ClientFor(alice).DeleteCredential(c, "keyed", "token"); err != nil {
		t.Fatal(err)
	}
	ac := h.ClientFor(alice)
	vc := must[*sdk.VC](t)(ac.CreateUnitGroup(c, "vs", ""))
	settle(t, ac)(ac.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "keyed",
		Credentials: map[string]string{"token": "vault://secret/team/keyed"}})) // the plugin fails a create without it

	if a := vaultCall(t, h, http.MethodDelete, "/v1/secret/team/keyed", "", alice); a.status != http.StatusNoContent {
		t.Errorf("delete: %d", a.status)
	}
	if a := vaultCall(t, h, http.MethodGet, "/v1/secret/team/keyed", "", alice); a.status != 404 || a.body.Errors == nil {
		t.Errorf("read after delete: %d %+v, want 404 {errors: []}", a.status, a.body)
	}

	for name, tc := range map[string]struct {
		method, path, body, token string
		status                    int
		msg                       string
	}{
		"no_token":     {http.MethodGet, "/v1/cubbyhole/x", "", "", 403, "permission denied"},
		"bad_token":    {http.MethodGet, "/v1/cubbyhole/x", "", "vcc.nope.nope", 403, "permission denied"},
		"readonly":     {http.MethodPut, "/v1/cubbyhole/x", `{"value": "v"}`, ro, 403, "readonly"},
		"readonly_get": {http.MethodGet, "/v1/cubbyhole/keyed/token", "", ro, 403, "readonly"},
		"bad_param":    {http.MethodGet, "/v1/cubbyhole/x?lst=true", "", alice, 400, "lst is not a parameter"},
		"other_fields": {http.MethodPut, "/v1/cubbyhole/x", `{"value": "v", "note": "n"}`, alice, 400, `one string field "value"`},
		"not_json":     {http.MethodPut, "/v1/cubbyhole/x", `value=v`, alice, 400, "JSON object"},
		"dot_dot":      {http.MethodGet, "/v1/cubbyhole/a/../b", "", alice, 400, `".."`},
		"no_path":      {http.MethodGet, "/v1/secret/", "", alice, 400, "name a secret"},
	} {
		a := vaultCall(t, h, tc.method, tc.path, tc.body, tc.token)
		if a.status != tc.status || len(a.body.Errors) != 1 || !strings.Contains(a.body.Errors[0], tc.msg) {
			t.Errorf("%s: %d %+v, want %d with %q", name, a.status, a.body, tc.status, tc.msg)
		}
	}

	if a := vaultCall(t, h, http.MethodGet, "/v1/auth/token/lookup-self", "", ro); a.status != 200 || a.body.Data["meta"].(map[string]any)["role"] != "readonly" {
		t.Errorf("a readonly token looks itself up: %d %+v", a.status, a.body)
	}
	a := vaultCall(t, h, http.MethodGet, "/v1/auth/token/lookup-self", "", alice)
	meta, _ := a.body.Data["meta"].(map[string]any)
	if a.status != 200 || meta["user_name"] != "alice" || a.body.Data["accessor"] == "" || a.body.Data["ttl"] != float64(0) {
		t.Errorf("lookup-self: %d %+v", a.status, a.body)
	}
	if strings.Contains(h.Stderr.String(), secret) {
		t.Error("the host logged a secret")
	}
}
