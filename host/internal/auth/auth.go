// Package auth says who is calling. Handlers depend only on the
// Authenticator interface, so the identity backends (embedded tokens,
// Vault) plug in without touching them.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Identity is the caller of one request.
type Identity struct {
	User     string // user name, the owner of the VCs it creates
	Role     string // super or regular
	ReadOnly bool   // token may not change anything
	Accessor string // token accessor, for audit
}

// Access is the token's API role as upstream names it.
func (i *Identity) Access() string {
	if i.ReadOnly {
		return "readonly"
	}
	return "fullaccess"
}

// Authenticator checks a request's credentials.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Identity, error)
}

// ErrNoToken and ErrBadToken are the two ways to fail authentication.
var (
	ErrNoToken  = errors.New("no token: send 'Authorization: Bearer TOKEN' (or 'X-Vault-Token: TOKEN')")
	ErrBadToken = errors.New("token is invalid, expired or revoked")
)

// TokenFrom reads the token of a request: Authorization: Bearer, or
// X-Vault-Token as upstream's SDK sends.
func TokenFrom(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", errors.New("malformed Authorization header: want 'Bearer TOKEN'")
		}
		return strings.TrimSpace(tok), nil
	}
	if tok := r.Header.Get("X-Vault-Token"); tok != "" {
		return tok, nil
	}
	return "", ErrNoToken
}

// Bootstrap is the authenticator until users and tokens exist: one admin
// token, made on first start, kept in a 0600 file in the data dir.
type Bootstrap struct {
	token string
	Path  string
}

// BootstrapFile is the token file's name in the data dir.
const BootstrapFile = "admin.token"

// LoadBootstrap reads the admin token of dataDir, creating it if needed.
func LoadBootstrap(dataDir string) (*Bootstrap, error) {
	path := filepath.Join(dataDir, BootstrapFile)
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		tok := "vcc." + hex.EncodeToString(b[:])
		if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write admin token: %w", err)
		}
		return &Bootstrap{token: tok, Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read admin token: %w", err)
	}
	return &Bootstrap{token: strings.TrimSpace(string(raw)), Path: path}, nil
}

// Authenticate accepts only the admin token.
func (b *Bootstrap) Authenticate(_ context.Context, token string) (*Identity, error) {
	if subtle.ConstantTimeCompare([]byte(token), []byte(b.token)) != 1 {
		return nil, ErrBadToken
	}
	return &Identity{User: "admin", Role: "super", Accessor: "bootstrap"}, nil
}
