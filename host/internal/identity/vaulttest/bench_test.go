package vaulttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkAuthenticatedGETVault is the Vault backend's authenticated
// GET (token looked up in Vault, then cached briefly) against an
// unauthenticated one.
func BenchmarkAuthenticatedGETVault(b *testing.B) {
	cfg, _ := realVault(b)
	tokFile := filepath.Join(b.TempDir(), "vault-token")
	check(b, os.WriteFile(tokFile, []byte(cfg.Token), 0o600))
	h := testenv.StartHost(b, "", "--vault-addr", cfg.Addr, "--vault-token-file", tokFile, "--vault-cacert", cfg.CACert, "--reconcile-interval", "0")
	testenv.BenchAuth(b, h)
}
