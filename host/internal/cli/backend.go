package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/store"
)

// vaultFlags choose the identity backend: Vault when an address is given,
// else the embedded one.
type vaultFlags struct {
	Addr      string `json:"addr"`
	TokenFile string `json:"token_file,omitempty"`
	CACert    string `json:"cacert,omitempty"`
	KVMount   string `json:"kv_mount,omitempty"`
}

func (v *vaultFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&v.Addr, "vault-addr", os.Getenv("VCC_VAULT_ADDR"), "Vault/OpenBao address; empty: the embedded backend (env VCC_VAULT_ADDR)")
	fs.StringVar(&v.TokenFile, "vault-token-file", os.Getenv("VCC_VAULT_TOKEN_FILE"), "file holding the controller's Vault token; or env VCC_VAULT_TOKEN")
	fs.StringVar(&v.CACert, "vault-cacert", os.Getenv("VCC_VAULT_CACERT"), "PEM CA to trust for Vault (env VCC_VAULT_CACERT)")
	fs.StringVar(&v.KVMount, "vault-kv-mount", envOr("VCC_VAULT_KV_MOUNT", "vcc"), "KV v2 mount for users' secrets (env VCC_VAULT_KV_MOUNT)")
}

// backendFile records, in the data dir, which backend serve used (never
// the token), so admin commands on a stopped host use the same one.
const backendFile = "identity.json"

func (v *vaultFlags) token() (string, error) {
	if v.TokenFile != "" {
		raw, err := os.ReadFile(v.TokenFile)
		if err != nil {
			return "", fmt.Errorf("vault token file: %w", err)
		}
		return strings.TrimSpace(string(raw)), nil
	}
	if t := os.Getenv("VCC_VAULT_TOKEN"); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("--vault-addr needs the controller's Vault token: --vault-token-file FILE or VCC_VAULT_TOKEN")
}

// openBackend builds the identity backend serve uses, and records it.
func openBackend(ctx context.Context, st store.Store, dataDir string, v vaultFlags) (identity.Backend, error) {
	rec, _ := json.Marshal(v)
	if err := os.WriteFile(filepath.Join(dataDir, backendFile), rec, 0o600); err != nil {
		return nil, err
	}
	return backendOf(ctx, st, dataDir, v)
}

func backendOf(ctx context.Context, st store.Store, dataDir string, v vaultFlags) (identity.Backend, error) {
	if v.Addr == "" {
		return identity.NewEmbedded(st, filepath.Join(dataDir, identity.KeyFile))
	}
	tok, err := v.token()
	if err != nil {
		return nil, err
	}
	return identity.NewVault(ctx, identity.VaultConfig{Addr: v.Addr, Token: tok, CACert: v.CACert, KVMount: v.KVMount})
}

// recordedBackend opens the backend a stopped host last used.
func recordedBackend(ctx context.Context, st store.Store, dataDir string) (identity.Backend, error) {
	var v vaultFlags
	if raw, err := os.ReadFile(filepath.Join(dataDir, backendFile)); err == nil {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", backendFile, err)
		}
	}
	return backendOf(ctx, st, dataDir, v)
}
