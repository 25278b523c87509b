package main_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// cli runs a vcc-host admin command on h's data dir.
func cli(t *testing.T, h *testenv.Host, args ...string) (string, string, int) {
	t.Helper()
	return run(t, append(args, "--data", h.Data)...)
}

// token makes a token for user through the CLI and checks that stdout
// holds the token and nothing else.
func token(t *testing.T, h *testenv.Host, args ...string) string {
	t.Helper()
	out, stderr, code := cli(t, h, append([]string{"token", "create"}, args...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "vcc.") {
		t.Fatalf("token create %v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
	}
	return lines[0]
}

// TestIdentity: users and tokens through the CLI (host running), who sees
// and changes what, readonly, revoked and expired tokens, credentials that
// outlive tokens and never leak.
func TestIdentity(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default: {}\nkeyed:\n  default: {}\n", "--reconcile-interval", "0")
	c := ctx(t)
	for _, u := range [][]string{{"alice", "regular"}, {"bob", "regular"}, {"carol", "super"}} {
		if out, stderr, code := cli(t, h, "users", "add", u[0], u[1]); code != 0 {
			t.Fatalf("users add %v: %d %s %s", u, code, out, stderr)
		}
	}
	for name, tc := range map[string]struct {
		args []string
		code int
		msg  string
	}{
		"unknown_role":   {[]string{"users", "add", "dave", "root"}, 2, `unknown role: want "super" or "regular"`},
		"duplicate_user": {[]string{"users", "add", "alice", "regular"}, 1, `user already exists: "alice"`},
		"missing_user":   {[]string{"token", "create", "zed"}, 1, `no such user: "zed"`},
		"revoke_neither": {[]string{"token", "revoke"}, 2, "give a TOKEN or --accessor A"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := cli(t, h, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, %q; want exit %d and %q", code, stderr, tc.code, tc.msg)
			}
		})
	}

	alice := h.ClientFor(token(t, h, "alice", "--note", "laptop"))
	bob := h.ClientFor(token(t, h, "bob"))
	carol := h.ClientFor(token(t, h, "carol"))
	if a := must[*sdk.Authority](t)(alice.Authority(c)); *a != (sdk.Authority{Role: "fullaccess", UserName: "alice", UserRole: "regular"}) {
		t.Errorf("authority %+v", a)
	}
	vc := must[*sdk.VC](t)(alice.CreateUnitGroup(c, "alices", ""))
	if vc.Owner != "alice" {
		t.Fatalf("owner %q", vc.Owner)
	}

	// Others' VCs do not exist for bob, nor for carol until she asks for
	// privileged access; bob may not ask for it.
	for who, cl := range map[string]*sdk.Client{"bob": bob, "carol": carol} {
		if _, err := cl.GetUnitGroup(c, vc.VCID); sdk.StatusOf(err) != http.StatusNotFound {
			t.Errorf("%s GET alice's VC: %v, want 404", who, err)
		}
		if _, err := cl.DeleteUnitGroup(c, vc.VCID); sdk.StatusOf(err) != http.StatusNotFound {
			t.Errorf("%s DELETE alice's VC: %v, want 404", who, err)
		}
		if vcs := must[[]sdk.VC](t)(cl.ListUnitGroups(c)); len(vcs) != 0 {
			t.Errorf("%s lists %d VCs", who, len(vcs))
		}
	}
	if _, err := bob.Privileged().ListUnitGroups(c); sdk.StatusOf(err) != http.StatusForbidden {
		t.Errorf("regular user with privileged: %v, want 403", err)
	}
	if got := must[*sdk.VC](t)(carol.Privileged().GetUnitGroup(c, vc.VCID)); got.Owner != "alice" {
		t.Errorf("super with privileged sees %+v", got)
	}
	// Only super users give VCs away.
	if _, err := alice.ChangeOwner(c, vc.VCID, "bob"); sdk.StatusOf(err) != http.StatusForbidden {
		t.Errorf("a regular owner gives its VC away: %v, want 403", err)
	}
	must[*sdk.VC](t)(carol.Privileged().ChangeOwner(c, vc.VCID, "bob"))
	must[*sdk.VC](t)(bob.GetUnitGroup(c, vc.VCID))

	// A readonly token reads, and every change is a 403.
	ro := h.ClientFor(token(t, h, "bob", "--readonly"))
	must[[]sdk.VC](t)(ro.ListUnitGroups(c))
	for _, r := range [][2]string{
		{"POST", "/vcs"}, {"POST", "/vcs/" + vc.VCID}, {"PATCH", "/vcs/" + vc.VCID}, {"DELETE", "/vcs/" + vc.VCID},
		{"PUT", "/vcs/" + vc.VCID + "/u"}, {"DELETE", "/vcs/" + vc.VCID + "/u"}, {"PATCH", "/vcs/" + vc.VCID + "/u/power_off"},
		{"DELETE", "/vcs/" + vc.VCID + "/u/n"}, {"PATCH", "/vcs/" + vc.VCID + "/u/n/power_on"},
		{"PUT", "/credentials/sim/api_key"}, {"DELETE", "/credentials/sim/api_key"}, {"POST", "/reconcile"},
	} {
		if err := rawCall(t, h, r[0], r[1], `{}`, ro.Token()); sdk.StatusOf(err) != http.StatusForbidden {
			t.Errorf("readonly %s %s: %v, want 403", r[0], r[1], err)
		}
	}

	// Credentials belong to the user: set with one token, found with a
	// new one; units of a provider that requires them fail fast without.
	if _, err := alice.CreateUnit(c, must[*sdk.VC](t)(alice.CreateUnitGroup(c, "k", "")).VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "keyed"}); sdk.StatusOf(err) != 400 || !strings.Contains(err.Error(), "credentials.keyed.token") {
		t.Errorf("unit without its credentials: %v; want 400 naming credentials.keyed.token", err)
	}
	const secret = "s3cr3t-value-that-must-not-leak"
	if err := alice.PutCredential(c, "keyed", "token", secret); err != nil {
		t.Fatal(err)
	}
	if err := alice.PutCredential(c, "sim", "nope", "x"); sdk.StatusOf(err) != 400 {
		t.Errorf("unknown credential key: %v", err)
	}
	alice2 := h.ClientFor(token(t, h, "alice"))
	if got := must[string](t)(alice2.Credential(c, "keyed", "token")); got != secret {
		t.Errorf("a new token of alice reads %q", got)
	}
	if list := must[[]sdk.Credential](t)(alice2.Credentials(c)); len(list) != 1 || list[0].Value != "" {
		t.Errorf("listing %+v: want keys without values", list)
	}
	if _, err := bob.Credential(c, "keyed", "token"); sdk.StatusOf(err) != 404 {
		t.Errorf("bob reads alice's credential: %v", err)
	}
	k := must[*sdk.VC](t)(alice2.CreateUnitGroup(c, "k2", ""))
	settle(t, alice2)(alice2.CreateUnit(c, k.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "keyed"})) // the plugin checks the credential arrived
	// A reference names the credential instead (embedded: the user's own).
	settle(t, alice2)(alice2.CreateUnit(c, k.VCID, sdk.CreateUnitRequest{UnitName: "ref", Provider: "keyed",
		Credentials: map[string]string{"token": "vault://cubbyhole/keyed/token"}}))
	for name, refs := range map[string]map[string]string{
		"literal":     {"token": secret},
		"unknown_key": {"nope": "vault://cubbyhole/keyed/token"},
		"missing":     {"token": "vault://secret/nothing/here"},
	} {
		_, err := alice2.CreateUnit(c, k.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "keyed", Credentials: refs})
		var ae *sdk.APIError
		if !asAPIError(err, &ae) || ae.Status != 400 || len(ae.Body.Details) != 1 || !strings.HasPrefix(ae.Body.Details[0].Field, "credentials.") {
			t.Errorf("%s reference: %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s reference: the error body echoes the secret", name)
		}
	}

	// Revocation takes effect on the next request; expiry too.
	out, _, _ := cli(t, h, "token", "list", "alice")
	if !strings.Contains(out, "laptop") || strings.Contains(out, "vcc.") {
		t.Errorf("token list: %q (want notes, never secrets)", out)
	}
	accessor := strings.Fields(strings.Split(out, "\n")[1])[0]
	if _, _, code := cli(t, h, "token", "revoke", "--accessor", accessor); code != 0 {
		t.Fatal("revoke failed")
	}
	if _, err := alice.ListUnitGroups(c); sdk.StatusOf(err) != 401 {
		t.Errorf("revoked token: %v, want 401", err)
	}
	short := h.ClientFor(token(t, h, "alice", "--ttl", "1s"))
	must[[]sdk.VC](t)(short.ListUnitGroups(c))
	time.Sleep(1100 * time.Millisecond)
	if _, err := short.ListUnitGroups(c); sdk.StatusOf(err) != 401 {
		t.Errorf("expired token: %v, want 401", err)
	}
	if err := rawCallHeader(t, h, "Authorization", "Basic abc"); sdk.StatusOf(err) != 401 || !strings.Contains(err.Error(), "malformed Authorization header") {
		t.Errorf("malformed header: %v", err)
	}
	if _, err := bob.DeleteUnitGroup(c, vc.VCID); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := cli(t, h, "users", "delete", "alice"); code != 1 || !strings.Contains(stderr, "owns 2 VC(s)") {
		t.Errorf("deleting a user who owns VCs: %d %q", code, stderr)
	}

	// The audit log is for super users.
	if err := rawCall(t, h, "GET", "/audit?limit=5", "", carol.Token()); err != nil {
		t.Errorf("super user reading the audit log: %v", err)
	}
	if err := rawCall(t, h, "GET", "/audit", "", bob.Token()); sdk.StatusOf(err) != http.StatusForbidden {
		t.Errorf("regular user reading the audit log: %v, want 403", err)
	}

	// The secret is nowhere: not in the store, the audit log, the logs.
	h.Stop()
	check(t, filepath.Walk(h.Data, func(p string, fi os.FileInfo, err error) error {
		if err != nil { // an unreadable file could hide the secret
			return err
		}
		if fi.Mode().IsRegular() {
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("the secret is in clear in %s", p)
			}
		}
		return nil
	}))
	if strings.Contains(h.Stderr.String(), secret) {
		t.Error("the secret is in the host's log")
	}
	audit, _ := os.ReadFile(filepath.Join(h.Data, "audit", "audit.log"))
	for _, want := range []string{`"user":"alice"`, `"path":"/vcp/v1/occtr/credentials/keyed/token","status":204`, `"kind":"cloud"`, `"call":"CreateNode"`} {
		if !bytes.Contains(audit, []byte(want)) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}

// TestUsersOffline: the admin commands work on a stopped host too.
func TestUsersOffline(t *testing.T) {
	h := testenv.StartHost(t, "")
	h.Stop()
	if _, stderr, code := cli(t, h, "users", "add", "erin", "super"); code != 0 {
		t.Fatalf("offline users add: %s", stderr)
	}
	tok := token(t, h, "erin")
	out, _, _ := cli(t, h, "users", "list")
	if !strings.Contains(out, "erin") || !strings.Contains(out, "nobody") || !strings.Contains(out, "admin") {
		t.Errorf("users list: %q", out)
	}
	h.Start()
	if a := must[*sdk.Authority](t)(h.ClientFor(tok).Authority(ctx(t))); a.UserName != "erin" || a.UserRole != "super" {
		t.Errorf("token made offline: %+v", a)
	}
}

// TestCAAndCertificates: the CA is served without a token; cert generate
// makes a pair the host serves with; a wrong pair is refused with why.
func TestCAAndCertificates(t *testing.T) {
	h := testenv.StartHost(t, "")
	resp, err := httpsClient(t, h).Get(h.URL + sdk.Prefix + "/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	closeBody(resp)
	if onDisk, _ := os.ReadFile(h.CA); !bytes.Equal(served, onDisk) || resp.StatusCode != 200 {
		t.Errorf("GET ca.pem: %d, %d bytes; want the CA file", resp.StatusCode, len(served))
	}

	dir := filepath.Join(t.TempDir(), "cert")
	out, stderr, code := run(t, "cert", "generate", "--san", "localhost", "--san", "127.0.0.1", "--out", dir)
	if code != 0 || !strings.Contains(out, "for localhost, 127.0.0.1") {
		t.Fatalf("cert generate: %d %s %s", code, out, stderr)
	}
	if _, stderr, code := run(t, "cert", "generate", "--san", "x", "--out", dir); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("overwriting: %d %q", code, stderr)
	}
	if _, stderr, code := run(t, "cert", "generate"); code != 2 || !strings.Contains(stderr, "--san") {
		t.Errorf("no --san: %d %q", code, stderr)
	}
	other := filepath.Join(t.TempDir(), "other")
	run(t, "cert", "generate", "--san", "localhost", "--out", other)
	key, _ := os.ReadFile(filepath.Join(other, "occtr_key.pem"))
	writeFile(t, filepath.Join(dir, "occtr_key.pem"), key, 0o600)
	_, stderr, code = run(t, "serve", "--cert", dir, "--data", t.TempDir(), "--config", h.Config, "--plugin-dir", h.Plugin, "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "do not form a certificate and its key") || strings.Contains(stderr, "plugin running") {
		t.Errorf("serve with a mismatched pair: exit %d, want 1 and no plugin started: %q", code, stderr)
	}
	// A cert dir named but missing is a typo, not a wish for a dev CA.
	missing := filepath.Join(t.TempDir(), "certs-typo")
	for _, args := range [][]string{
		{"serve", "--cert", missing, "--data", t.TempDir(), "--config", h.Config, "--plugin-dir", h.Plugin, "--listen", "127.0.0.1:0"},
		{"init", "--cert", missing, "--data", t.TempDir(), "--config", h.Config, "--plugin-dir", h.Plugin},
	} {
		_, stderr, code = run(t, args...)
		if code != 1 || !strings.Contains(stderr, "certificate directory "+missing+" does not exist") || !strings.Contains(stderr, "--dev-ca") || strings.Contains(stderr, "plugin running") {
			t.Errorf("%s with a missing --cert: exit %d %q", args[0], code, stderr)
		}
	}
}

func rawCallHeader(t *testing.T, h *testenv.Host, name, value string) error {
	req, _ := http.NewRequest("GET", h.URL+sdk.Prefix+"/vcs", nil)
	req.Header.Set(name, value)
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return nil
	}
	return &sdk.APIError{Status: resp.StatusCode, Body: sdk.Error{Message: string(body)}}
}
