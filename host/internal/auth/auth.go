// Package auth says who is calling. Handlers depend only on the
// Authenticator interface, so the identity backends (embedded tokens,
// Vault) plug in without touching them.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Identity is the caller of one request.
type Identity struct {
	User     string // user name, the owner of the VCs it creates
	Role     string // super or regular
	ReadOnly bool   // token may not change anything
	Accessor string // token accessor, for audit
	// Privileged is a super user's request to act on every VC, not only
	// its own (the SDK's privileged=True).
	Privileged bool
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

type tokenKey struct{}

// WithToken keeps the caller's raw token in ctx for the request's
// lifetime (to read its Vault cubbyhole); it is never stored.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// TokenFromContext returns the caller's raw token, or "".
func TokenFromContext(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey{}).(string)
	return t
}
