// Package identity owns users, roles, API tokens and each user's secrets.
// Users live in the controller's store; tokens and secrets live in a
// Backend (embedded, or Vault), behind one interface with one behaviour.
package identity

import (
	"context"
	"errors"
	"time"
)

// Role of a user.
type Role string

const (
	RoleSuper   Role = "super"
	RoleRegular Role = "regular"
)

// Nobody is the built-in regular user tokens belong to when no user is
// named, as upstream.
const Nobody = "nobody"

// User is a controller user.
type User struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
}

// Token describes an API token; the secret itself is never kept.
type Token struct {
	Accessor string    `json:"accessor"`
	User     string    `json:"user"`
	ReadOnly bool      `json:"readonly"`
	Note     string    `json:"note,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires,omitempty"` // zero: never
}

// TokenOpts shape a new token.
type TokenOpts struct {
	ReadOnly bool
	TTL      time.Duration // 0: never expires
	Note     string
}

// Errors callers tell apart.
var (
	ErrUnknownRole = errors.New(`unknown role: want "super" or "regular"`)
	ErrUserExists  = errors.New("user already exists")
	ErrNoUser      = errors.New("no such user")
	ErrOwnsVCs     = errors.New("user owns VCs")
	ErrBuiltIn     = errors.New("the built-in user cannot be changed or deleted")
	ErrBadToken    = errors.New("token is invalid, expired or revoked")
	ErrNoToken     = errors.New("no such token")
	ErrNoSecret    = errors.New("no such secret")
)

// Backend keeps tokens and per-user secrets.
type Backend interface {
	// Name says which backend this is, for start-up messages.
	Name() string
	CreateToken(ctx context.Context, user string, opts TokenOpts) (secret string, tok *Token, err error)
	// LookupToken returns the live token of secret, or ErrBadToken.
	LookupToken(ctx context.Context, secret string) (*Token, error)
	// ListTokens lists the tokens of user (all users when empty).
	ListTokens(ctx context.Context, user string) ([]Token, error)
	RevokeToken(ctx context.Context, secret string) error
	RevokeAccessor(ctx context.Context, accessor string) error
	// RevokeUser revokes every token of user.
	RevokeUser(ctx context.Context, user string) error

	PutSecret(ctx context.Context, user, path, value string) error
	GetSecret(ctx context.Context, user, path string) (string, error)
	DeleteSecret(ctx context.Context, user, path string) error
	// ListSecrets lists the paths under prefix, never the values.
	ListSecrets(ctx context.Context, user, prefix string) ([]string, error)

	Resolver
}

// ValidRole reports whether r names a role.
func ValidRole(r Role) bool { return r == RoleSuper || r == RoleRegular }
