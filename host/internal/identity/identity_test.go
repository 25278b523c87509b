package identity_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/identity/identitytest"
	"github.com/vccproject/vcc/host/internal/store"
)

// TestEmbedded runs the identity suite against the embedded backend.
func TestEmbedded(t *testing.T) {
	identitytest.Run(t, func(t *testing.T) identitytest.Env {
		return identitytest.NewEnv(t, func(st store.Store, dir string) (identity.Backend, error) {
			return identity.NewEmbedded(st, filepath.Join(dir, identity.KeyFile))
		})
	})
}

// TestKeyFile: the key is made 0600 and a damaged one is refused with
// what to do.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	key := filepath.Join(dir, identity.KeyFile)
	if _, err := identity.NewEmbedded(st, key); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	if err := os.WriteFile(key, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := identity.NewEmbedded(st, key); err == nil {
		t.Error("a damaged key file was accepted")
	}
}
