package identity

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

func newService(t *testing.T) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	be, err := NewEmbedded(st, filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(st, be)
	if err != nil {
		t.Fatal(err)
	}
	return svc, dir
}

func TestUsers(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.AddUser(ctx, "alice", RoleRegular); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		do   func() error
		want error
	}{
		"duplicate":            {func() error { _, err := svc.AddUser(ctx, "alice", RoleSuper); return err }, ErrUserExists},
		"unknown_role":         {func() error { _, err := svc.AddUser(ctx, "bob", "admin"); return err }, ErrUnknownRole},
		"modify_unknown_role":  {func() error { _, err := svc.ModifyUser(ctx, "alice", "root"); return err }, ErrUnknownRole},
		"modify_missing":       {func() error { _, err := svc.ModifyUser(ctx, "zed", RoleSuper); return err }, ErrNoUser},
		"modify_nobody":        {func() error { _, err := svc.ModifyUser(ctx, Nobody, RoleSuper); return err }, ErrBuiltIn},
		"delete_nobody":        {func() error { return svc.DeleteUser(ctx, Nobody, true) }, ErrBuiltIn},
		"delete_missing":       {func() error { return svc.DeleteUser(ctx, "zed", false) }, ErrNoUser},
		"token_for_missing":    {func() error { _, _, err := svc.CreateToken(ctx, "zed", TokenOpts{}); return err }, ErrNoUser},
		"bad_name":             {func() error { _, err := svc.AddUser(ctx, "Bad Name", RoleRegular); return err }, nil},
		"revoke_unknown_token": {func() error { return svc.RevokeAccessor(ctx, "0000000000000000") }, ErrNoToken},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.do()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDeleteUserWithVCs(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	svc.AddUser(ctx, "alice", RoleRegular)
	svc.st.Update(func(tx store.Tx) error { return tx.PutVC(&model.VC{VCID: "v1", Name: "mine", Owner: "alice"}) })
	if err := svc.DeleteUser(ctx, "alice", false); !errors.Is(err, ErrOwnsVCs) || !strings.Contains(err.Error(), "mine (vcid v1)") {
		t.Fatalf("delete while owning: %v", err)
	}
	secret, _, _ := svc.CreateToken(ctx, "alice", TokenOpts{})
	svc.Backend().PutSecret(ctx, "alice", "credentials/aws/access_key", "AKIA")
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

func TestTokens(t *testing.T) {
	svc, dir := newService(t)
	ctx := context.Background()
	svc.AddUser(ctx, "alice", RoleSuper)
	secret, tok, err := svc.CreateToken(ctx, "alice", TokenOpts{ReadOnly: true, Note: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := svc.Authenticate(ctx, secret)
	if err != nil || id.User != "alice" || id.Role != "super" || !id.ReadOnly || id.Accessor != tok.Accessor {
		t.Fatalf("identity %+v, %v", id, err)
	}
	for _, bad := range []string{"", "vcc.", secret + "x", "vcc." + tok.Accessor + ".00", strings.Replace(secret, tok.Accessor, "ffffffffffffffff", 1)} {
		if _, err := svc.Authenticate(ctx, bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
	nobodys, _, _ := svc.CreateToken(ctx, "", TokenOpts{})
	if id, _ := svc.Authenticate(ctx, nobodys); id == nil || id.User != Nobody || id.Role != "regular" {
		t.Errorf("token without a user: %+v", id)
	}
	short, _, _ := svc.CreateToken(ctx, "alice", TokenOpts{TTL: 50 * time.Millisecond})
	time.Sleep(80 * time.Millisecond)
	if _, err := svc.Authenticate(ctx, short); err == nil {
		t.Error("expired token accepted")
	}
	if err := svc.RevokeToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, secret); err == nil {
		t.Error("revoked token accepted (the cache must not outlive a revoke)")
	}
	list, _ := svc.Backend().ListTokens(ctx, "alice")
	if len(list) != 1 { // the expired one is listed until revoked; the revoked one is gone
		t.Errorf("alice's tokens: %+v", list)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "state.db"))
	if bytes.Contains(raw, []byte(nobodys)) || bytes.Contains(raw, []byte(short)) {
		t.Error("a token secret is stored in clear")
	}
}

func TestSecretsEncrypted(t *testing.T) {
	svc, dir := newService(t)
	ctx := context.Background()
	be := svc.Backend()
	const value = "wJalrXUtnFEMI-very-secret"
	if err := be.PutSecret(ctx, "alice", "credentials/aws/secret_key", value); err != nil {
		t.Fatal(err)
	}
	if got, err := be.GetSecret(ctx, "alice", "credentials/aws/secret_key"); err != nil || got != value {
		t.Fatalf("get: %q, %v", got, err)
	}
	if _, err := be.GetSecret(ctx, "bob", "credentials/aws/secret_key"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("another user reads alice's secret: %v", err)
	}
	paths, _ := be.ListSecrets(ctx, "alice", "credentials/")
	if len(paths) != 1 || paths[0] != "credentials/aws/secret_key" {
		t.Errorf("list: %v", paths)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "state.db"))
	if bytes.Contains(raw, []byte(value)) {
		t.Error("secret stored in clear")
	}
	if fi, _ := os.Stat(filepath.Join(dir, KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
}
