package vaulttest

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	vaultapi "github.com/hashicorp/vault/api"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/vault"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/identity/identitytest"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Cleanup()
	os.Exit(code)
}

// realVault starts a real, unsealed Vault on 127.0.0.1 for one test.
func realVault(t testing.TB) (cfg identity.VaultConfig, root *vaultapi.Client) {
	t.Helper()
	c := vault.NewTestCluster(t, &vault.CoreConfig{Logger: hclog.NewNullLogger()},
		&vault.TestClusterOptions{HandlerFunc: vaulthttp.Handler, NumCores: 1, Logger: hclog.NewNullLogger()})
	c.Start()
	t.Cleanup(c.Cleanup)
	root = c.Cores[0].Client
	return identity.VaultConfig{Addr: root.Address(), Token: c.RootToken, CACert: c.CACertPEMFile}, root
}

// TestVaultBackend runs the shared identity suite against Vault.
func TestVaultBackend(t *testing.T) {
	identitytest.Run(t, func(t *testing.T) identitytest.Env {
		cfg, _ := realVault(t)
		return identitytest.NewEnv(t, func(store.Store, string) (identity.Backend, error) {
			return identity.NewVault(context.Background(), cfg)
		})
	})
}

// TestTokenIsAVaultToken: a user's token works with the Vault API
// directly: its own cubbyhole and KV path, nobody else's, no admin paths.
func TestTokenIsAVaultToken(t *testing.T) {
	cfg, root := realVault(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"))
	check(t, err)
	defer func() { check(t, st.Close()) }()
	be, err := identity.NewVault(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.NewService(st, be)
	check(t, err)
	for _, u := range []string{"alice", "bob"} {
		_, err := svc.AddUser(ctx, u, identity.RoleRegular)
		check(t, err)
	}
	secret, _, err := svc.CreateToken(ctx, "alice", identity.TokenOpts{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, be.PutSecret(ctx, "bob", "credentials/aws/access_key", "bobs"))
	check(t, be.PutSecret(ctx, "alice", "credentials/aws/access_key", "alices"))

	alice, _ := root.Clone()
	alice.SetToken(secret)
	if _, err := alice.Logical().Write("cubbyhole/aws/access_key", map[string]any{"value": "AKIA"}); err != nil {
		t.Fatalf("write own cubbyhole: %v", err)
	}
	got, err := alice.Logical().Read("cubbyhole/aws/access_key")
	if err != nil || got.Data["value"] != "AKIA" {
		t.Fatalf("read own cubbyhole: %v %v", got, err)
	}
	own, err := alice.KVv2("vcc").Get(ctx, "vcc/users/alice/credentials/aws/access_key")
	if err != nil || own.Data["value"] != "alices" {
		t.Fatalf("read own KV path: %v", err)
	}
	if _, err := alice.KVv2("vcc").Get(ctx, "vcc/users/bob/credentials/aws/access_key"); !forbidden(err) {
		t.Errorf("alice reads bob's secret: %v", err)
	}
	if _, err := alice.Sys().ListPolicies(); !forbidden(err) {
		t.Errorf("alice lists policies: %v", err)
	}
	if self, err := alice.Auth().Token().LookupSelf(); err != nil || self.Data["display_name"] != "token-vcc-alice" {
		t.Errorf("lookup-self: %v %v", self, err)
	}
}

func forbidden(err error) bool {
	var re *vaultapi.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}

// TestHostWithVault: vcc-host serve on Vault: tokens from the CLI are
// Vault tokens the API accepts; credentials outlive tokens; a revoked
// token is refused at once; no secret lands in the data dir.
func TestHostWithVault(t *testing.T) {
	cfg, root := realVault(t)
	tokFile := filepath.Join(t.TempDir(), "vault-token")
	check(t, os.WriteFile(tokFile, []byte(cfg.Token), 0o600))
	h := testenv.StartHost(t, "sim:\n  default: {}\nkeyed:\n  default: {}\n",
		"--vault-addr", cfg.Addr, "--vault-token-file", tokFile, "--vault-cacert", cfg.CACert, "--reconcile-interval", "0")
	ctx := context.Background()
	if _, err := h.Client.Authority(ctx); err != nil {
		t.Fatalf("the admin token (a Vault token) is refused: %v", err)
	}
	out, stderr, code := testenv.RunHost(t, "users", "add", "alice", "regular", "--data", h.Data)
	if code != 0 {
		t.Fatalf("users add: %s %s", out, stderr)
	}
	tok := func() string {
		out, stderr, code := testenv.RunHost(t, "token", "create", "alice", "--data", h.Data)
		if code != 0 {
			t.Fatalf("token create: %s", stderr)
		}
		return strings.TrimSpace(out)
	}
	first := h.ClientFor(tok())
	const secret = "vault-kept-credential"
	if err := first.PutCredential(ctx, "keyed", "token", secret); err != nil {
		t.Fatal(err)
	}
	second := h.ClientFor(tok())
	if got, err := second.Credential(ctx, "keyed", "token"); err != nil || got != secret {
		t.Fatalf("a new token reads %q, %v", got, err)
	}
	vc, err := second.CreateUnitGroup(ctx, "v", "")
	if err != nil {
		t.Fatal(err)
	}
	acc, err := second.CreateUnit(ctx, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "keyed"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Wait(ctx, acc.OperationID); err != nil {
		t.Fatalf("the credential did not reach the plugin: %v", err)
	}
	// References: the caller's own cubbyhole, written with the Vault API
	// directly, and the shared secret/ engine.
	userVault, _ := root.Clone()
	userVault.SetToken(second.Token())
	if _, err := userVault.Logical().Write("cubbyhole/keyed/token", map[string]any{"value": "from-cubbyhole"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().Write("secret/team/keyed-token", map[string]any{"value": "from-secret"}); err != nil {
		t.Fatal(err)
	}
	for unit, ref := range map[string]string{"cubby": "vault://cubbyhole/keyed/token", "shared": "vault://secret/team/keyed-token"} {
		acc, err := second.CreateUnit(ctx, vc.VCID, sdk.CreateUnitRequest{UnitName: unit, Provider: "keyed", Credentials: map[string]string{"token": ref}})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if _, err := second.Wait(ctx, acc.OperationID); err != nil {
			t.Fatalf("%s did not reach the plugin: %v", ref, err)
		}
	}
	if _, err := second.CreateUnit(ctx, vc.VCID, sdk.CreateUnitRequest{UnitName: "x", Provider: "keyed", Credentials: map[string]string{"token": "vault://cubbyhole/nothing"}}); sdk.StatusOf(err) != 400 {
		t.Errorf("missing cubbyhole reference: %v", err)
	}
	if _, _, code := testenv.RunHost(t, "token", "revoke", second.Token(), "--data", h.Data); code != 0 {
		t.Fatal("revoke failed")
	}
	if _, err := second.ListUnitGroups(ctx); sdk.StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("revoked Vault token: %v, want 401", err)
	}
	h.Stop()
	check(t, filepath.Walk(h.Data, func(p string, fi os.FileInfo, err error) error {
		if err != nil { // an unreadable file could hide a secret
			return err
		}
		if fi.Mode().IsRegular() {
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(raw), secret) || strings.Contains(string(raw), cfg.Token) {
				t.Errorf("a secret is in clear in %s", p)
			}
		}
		return nil
	}))
}

func check(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
