// Package identitytest is the behaviour every identity backend must show:
// run by the embedded backend's tests and by the Vault backend's (in a
// test-only module that carries a real in-process Vault).
package identitytest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// Env is one fresh service over the backend under test.
type Env struct {
	Service *identity.Service
	Store   store.Store
	// StoreFile is the controller's store file, which must never hold a
	// token or a secret in clear.
	StoreFile string
}

// NewEnv opens a fresh store in a temp dir and a service over the backend
// newBackend makes on it.
func NewEnv(t *testing.T, newBackend func(st store.Store, dir string) (identity.Backend, error)) Env {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "state.db")
	st, err := store.OpenBolt(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	be, err := newBackend(st, dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.NewService(st, be)
	if err != nil {
		t.Fatal(err)
	}
	return Env{Service: svc, Store: st, StoreFile: file}
}

// Run runs the suite; fresh makes a new Env per case.
func Run(t *testing.T, fresh func(t *testing.T) Env) {
	t.Run("users", func(t *testing.T) { users(t, fresh(t)) })
	t.Run("delete_user_with_vcs", func(t *testing.T) { deleteUser(t, fresh(t)) })
	t.Run("tokens", func(t *testing.T) { tokens(t, fresh(t)) })
	t.Run("secrets", func(t *testing.T) { secrets(t, fresh(t)) })
}

func users(t *testing.T, e Env) {
	svc, ctx := e.Service, context.Background()
	if _, err := svc.AddUser(ctx, "alice", identity.RoleRegular); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		do   func() error
		want error
	}{
		"duplicate":            {func() error { _, err := svc.AddUser(ctx, "alice", identity.RoleSuper); return err }, identity.ErrUserExists},
		"unknown_role":         {func() error { _, err := svc.AddUser(ctx, "bob", "admin"); return err }, identity.ErrUnknownRole},
		"modify_unknown_role":  {func() error { _, err := svc.ModifyUser(ctx, "alice", "root"); return err }, identity.ErrUnknownRole},
		"modify_missing":       {func() error { _, err := svc.ModifyUser(ctx, "zed", identity.RoleSuper); return err }, identity.ErrNoUser},
		"modify_nobody":        {func() error { _, err := svc.ModifyUser(ctx, identity.Nobody, identity.RoleSuper); return err }, identity.ErrBuiltIn},
		"delete_nobody":        {func() error { return svc.DeleteUser(ctx, identity.Nobody, true) }, identity.ErrBuiltIn},
		"delete_missing":       {func() error { return svc.DeleteUser(ctx, "zed", false) }, identity.ErrNoUser},
		"token_for_missing":    {func() error { _, _, err := svc.CreateToken(ctx, "zed", identity.TokenOpts{}); return err }, identity.ErrNoUser},
		"bad_name":             {func() error { _, err := svc.AddUser(ctx, "Bad Name", identity.RoleRegular); return err }, nil},
		"revoke_unknown_token": {func() error { return svc.RevokeAccessor(ctx, "0000000000000000") }, identity.ErrNoToken},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.do()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	u, err := svc.ModifyUser(ctx, "alice", identity.RoleSuper)
	if err != nil || u.Role != identity.RoleSuper {
		t.Fatalf("modify: %+v %v", u, err)
	}
}

func deleteUser(t *testing.T, e Env) {
	svc, ctx := e.Service, context.Background()
	if _, err := svc.AddUser(ctx, "alice", identity.RoleRegular); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.Update(func(tx store.Tx) error { return tx.PutVC(&model.VC{VCID: "v1", Name: "mine", Owner: "alice"}) }); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteUser(ctx, "alice", false); !errors.Is(err, identity.ErrOwnsVCs) || !strings.Contains(err.Error(), "mine (vcid v1)") {
		t.Fatalf("delete while owning: %v", err)
	}
	secret, _, err := svc.CreateToken(ctx, "alice", identity.TokenOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Backend().PutSecret(ctx, "alice", "credentials/aws/access_key", "AKIA"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteUser(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, secret); err == nil {
		t.Error("the deleted user's token still works")
	}
	if left, _ := svc.Backend().ListSecrets(ctx, "alice", ""); len(left) != 0 {
		t.Errorf("the deleted user's secrets remain: %v", left)
	}
}

func tokens(t *testing.T, e Env) {
	svc, ctx := e.Service, context.Background()
	if _, err := svc.AddUser(ctx, "alice", identity.RoleSuper); err != nil {
		t.Fatal(err)
	}
	secret, tok, err := svc.CreateToken(ctx, "alice", identity.TokenOpts{ReadOnly: true, Note: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := svc.Authenticate(ctx, secret)
	if err != nil || id.User != "alice" || id.Role != "super" || !id.ReadOnly || id.Accessor != tok.Accessor {
		t.Fatalf("identity %+v, %v", id, err)
	}
	for _, bad := range []string{"", "vcc.", secret + "x", "s.nonsense", strings.Replace(secret, secret[len(secret)-4:], "zzzz", 1)} {
		if _, err := svc.Authenticate(ctx, bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
	nobodys, _, _ := svc.CreateToken(ctx, "", identity.TokenOpts{})
	if id, _ := svc.Authenticate(ctx, nobodys); id == nil || id.User != identity.Nobody || id.Role != "regular" {
		t.Errorf("token without a user: %+v", id)
	}
	short, _, err := svc.CreateToken(ctx, "alice", identity.TokenOpts{TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := svc.Authenticate(ctx, short); err == nil {
		t.Error("expired token accepted")
	}
	if err := svc.RevokeToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, secret); err == nil {
		t.Error("revoked token accepted (the cache must not outlive a revoke)")
	}
	list, err := svc.Backend().ListTokens(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, lt := range list {
		if lt.Accessor == tok.Accessor {
			t.Error("a revoked token is still listed")
		}
	}
	if all, _ := svc.Backend().ListTokens(ctx, identity.Nobody); len(all) != 1 || all[0].User != identity.Nobody {
		t.Errorf("nobody's tokens: %+v", all)
	}
	raw, _ := os.ReadFile(e.StoreFile)
	if bytes.Contains(raw, []byte(nobodys)) {
		t.Error("a token secret is stored in clear")
	}
}

func secrets(t *testing.T, e Env) {
	be, ctx := e.Service.Backend(), context.Background()
	const value = "wJalrXUtnFEMI-very-secret"
	if err := be.PutSecret(ctx, "alice", "credentials/aws/secret_key", value); err != nil {
		t.Fatal(err)
	}
	if err := be.PutSecret(ctx, "alice", "credentials/sakura/token", "t"); err != nil {
		t.Fatal(err)
	}
	if got, err := be.GetSecret(ctx, "alice", "credentials/aws/secret_key"); err != nil || got != value {
		t.Fatalf("get: %q, %v", got, err)
	}
	if _, err := be.GetSecret(ctx, "bob", "credentials/aws/secret_key"); !errors.Is(err, identity.ErrNoSecret) {
		t.Errorf("another user reads alice's secret: %v", err)
	}
	paths, _ := be.ListSecrets(ctx, "alice", "credentials/")
	if strings.Join(paths, ",") != "credentials/aws/secret_key,credentials/sakura/token" {
		t.Errorf("list: %v", paths)
	}
	if err := be.DeleteSecret(ctx, "alice", "credentials/sakura/token"); err != nil {
		t.Fatal(err)
	}
	if err := be.DeleteSecret(ctx, "alice", "credentials/sakura/token"); !errors.Is(err, identity.ErrNoSecret) {
		t.Errorf("second delete: %v", err)
	}
	raw, _ := os.ReadFile(e.StoreFile)
	if bytes.Contains(raw, []byte(value)) {
		t.Error("secret stored in clear in the controller's store")
	}
}
