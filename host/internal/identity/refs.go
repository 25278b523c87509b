package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	vault "github.com/hashicorp/vault/api"
)

// A reference names a secret instead of carrying it, as upstream's
// vcp_config.yml does: vault://cubbyhole/<path> (the caller's own token
// storage) or vault://secret/<path>.
const (
	RefCubbyhole = "vault://cubbyhole/"
	RefSecret    = "vault://secret/"
)

// IsRef reports whether v is a reference.
func IsRef(v string) bool {
	return strings.HasPrefix(v, RefCubbyhole) || strings.HasPrefix(v, RefSecret)
}

// ErrNeedsCaller marks a cubbyhole reference read without the caller's
// token (cubbyholes are private to one token).
var ErrNeedsCaller = errors.New("a vault://cubbyhole reference can only be read with the caller's token")

// Resolver reads references; both backends implement it.
type Resolver interface {
	// Resolve reads ref for user; callerToken is needed for cubbyhole
	// references in Vault and may be empty otherwise.
	Resolve(ctx context.Context, user, callerToken, ref string) (string, error)
}

// EmbeddedPath is where the embedded backend keeps, for one user, what
// Vault keeps at engine/path (engine "cubbyhole" or "secret"): the
// cubbyhole is the user's credentials (cubbyhole/PROVIDER/KEY is the
// credential PROVIDER/KEY, as PUT /credentials/PROVIDER/KEY stores
// it), secret/ a namespace of its own. References and the Vault API
// subset the API serves both go through here, so they always agree.
func EmbeddedPath(engine, path string) string {
	if engine == "cubbyhole" {
		return "credentials/" + path
	}
	return engine + "/" + path
}

// Resolve in the embedded backend: there is no Vault, so both kinds name
// the user's own secrets (see EmbeddedPath).
func (e *Embedded) Resolve(ctx context.Context, user, _ string, ref string) (string, error) {
	switch {
	case strings.HasPrefix(ref, RefCubbyhole):
		return e.GetSecret(ctx, user, EmbeddedPath("cubbyhole", strings.TrimPrefix(ref, RefCubbyhole)))
	case strings.HasPrefix(ref, RefSecret):
		return e.GetSecret(ctx, user, EmbeddedPath("secret", strings.TrimPrefix(ref, RefSecret)))
	}
	return "", fmt.Errorf("%q is not a vault:// reference", ref)
}

// Resolve in Vault: cubbyhole with the caller's token, secret/ (KV v1 or
// v2) with the controller's token. The value is the field "value", as
// upstream stores it.
func (v *Vault) Resolve(ctx context.Context, _ string, callerToken, ref string) (string, error) {
	c := v.c
	p := ""
	switch {
	case strings.HasPrefix(ref, RefCubbyhole):
		if callerToken == "" {
			return "", ErrNeedsCaller
		}
		clone, err := v.c.Clone()
		if err != nil {
			return "", err
		}
		clone.SetToken(callerToken)
		c, p = clone, "cubbyhole/"+strings.TrimPrefix(ref, RefCubbyhole)
	case strings.HasPrefix(ref, RefSecret):
		p = "secret/" + strings.TrimPrefix(ref, RefSecret)
		if sec, err := c.Logical().ReadWithContext(ctx, "secret/data/"+strings.TrimPrefix(ref, RefSecret)); err == nil && sec != nil {
			if data, ok := sec.Data["data"].(map[string]any); ok {
				if val, ok := data["value"].(string); ok {
					return val, nil
				}
			}
		}
	default:
		return "", fmt.Errorf("%q is not a vault:// reference", ref)
	}
	sec, err := c.Logical().ReadWithContext(ctx, p)
	var re *vault.ResponseError
	if errors.As(err, &re) && re.StatusCode == 403 {
		return "", fmt.Errorf("%s: permission denied", ref)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ref, err)
	}
	if sec == nil {
		return "", fmt.Errorf("%s: %w", ref, ErrNoSecret)
	}
	val, ok := sec.Data["value"].(string)
	if !ok {
		return "", fmt.Errorf(`%s holds no string field "value" (store it as {"value": "..."})`, ref)
	}
	return val, nil
}
