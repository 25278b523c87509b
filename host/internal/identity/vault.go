package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// VaultConfig says how to reach Vault (or OpenBao).
type VaultConfig struct {
	Addr string
	// Token is the controller's own Vault token: it manages policies, the
	// token role and user tokens, and reads users' KV paths.
	Token string
	// CACert is a PEM file to trust for Vault's TLS; empty: system roots.
	CACert string
	// KVMount is the KV version 2 mount for users' secrets; default
	// "vcc". It is enabled when missing.
	KVMount string
}

// Vault keeps tokens and secrets in Vault. A user's token is a real Vault
// token made from the role "vcc-user" with the policy "vcc-user-<name>":
// its own cubbyhole, its own KV path, self lookup. So the user can use the
// same token with the Vault API directly, as upstream.
type Vault struct {
	c     *vault.Client
	mount string
}

// TokenRole is the Vault token role user tokens come from.
const TokenRole = "vcc-user"

// NewVault connects and prepares Vault (idempotent): the KV mount and the
// token role.
func NewVault(ctx context.Context, cfg VaultConfig) (*Vault, error) {
	vc := vault.DefaultConfig()
	vc.Address = cfg.Addr
	if cfg.CACert != "" {
		if err := vc.ConfigureTLS(&vault.TLSConfig{CACert: cfg.CACert}); err != nil {
			return nil, fmt.Errorf("vault TLS: %w", err)
		}
	}
	c, err := vault.NewClient(vc)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	c.SetToken(cfg.Token)
	v := &Vault{c: c, mount: cfg.KVMount}
	if v.mount == "" {
		v.mount = "vcc"
	}
	if _, err := c.Auth().Token().LookupSelfWithContext(ctx); err != nil {
		return nil, fmt.Errorf("vault at %s does not accept the controller's token: %w", cfg.Addr, err)
	}
	mounts, err := c.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("vault: list mounts: %w", err)
	}
	if m, ok := mounts[v.mount+"/"]; ok && (m.Type != "kv" || m.Options["version"] != "2") {
		return nil, fmt.Errorf("vault mount %s/ is %s version %q; vcc keeps users' secrets in a KV version 2 mount: choose another with --vault-kv-mount", v.mount, m.Type, m.Options["version"])
	} else if !ok {
		err := c.Sys().MountWithContext(ctx, v.mount, &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}})
		if err != nil {
			return nil, fmt.Errorf("vault: enable kv-v2 at %s: %w", v.mount, err)
		}
	}
	_, err = c.Logical().WriteWithContext(ctx, "auth/token/roles/"+TokenRole, map[string]any{
		"allowed_policies_glob": "vcc-user-*", "orphan": true, "renewable": true,
		"token_explicit_max_ttl": 0, "path_suffix": "",
	})
	if err != nil {
		return nil, fmt.Errorf("vault: token role %s: %w", TokenRole, err)
	}
	return v, nil
}

func (v *Vault) Name() string { return "vault (" + v.c.Address() + ")" }

func policyName(user string) string { return "vcc-user-" + user }

func (v *Vault) userPath(user, p string) string { return path.Join("vcc/users", user, p) }

// ensurePolicy writes the user's policy (idempotent).
func (v *Vault) ensurePolicy(ctx context.Context, user string) error {
	kv := v.userPath(user, "")
	rules := fmt.Sprintf(`
path "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "%[1]s/data/%[2]s/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "%[1]s/metadata/%[2]s/*" { capabilities = ["read", "list", "delete"] }
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
`, v.mount, kv)
	return v.c.Sys().PutPolicyWithContext(ctx, policyName(user), rules)
}

func (v *Vault) CreateToken(ctx context.Context, user string, opts TokenOpts) (string, *Token, error) {
	if err := v.ensurePolicy(ctx, user); err != nil {
		return "", nil, fmt.Errorf("vault policy for %s: %w", user, err)
	}
	access := "fullaccess"
	if opts.ReadOnly {
		access = "readonly"
	}
	req := &vault.TokenCreateRequest{
		Policies:        []string{policyName(user)},
		Metadata:        map[string]string{"vcc_user": user, "vcc_access": access, "vcc_note": opts.Note},
		DisplayName:     "vcc-" + user,
		NoDefaultPolicy: true,
	}
	if opts.TTL > 0 {
		req.TTL = opts.TTL.String()
	} else {
		req.TTL = "87600h" // upstream's ten years
	}
	sec, err := v.c.Auth().Token().CreateWithRoleWithContext(ctx, req, TokenRole)
	if err != nil {
		return "", nil, fmt.Errorf("vault: create token: %w", err)
	}
	now := time.Now().UTC()
	tok := &Token{Accessor: sec.Auth.Accessor, User: user, ReadOnly: opts.ReadOnly, Note: opts.Note, Created: now}
	if opts.TTL > 0 {
		tok.Expires = now.Add(opts.TTL)
	}
	return sec.Auth.ClientToken, tok, nil
}

// tokenFrom reads a token lookup's data.
func tokenFrom(data map[string]any) (*Token, bool) {
	meta, _ := data["meta"].(map[string]any)
	user, _ := meta["vcc_user"].(string)
	if user == "" {
		return nil, false // not a vcc user token
	}
	t := &Token{User: user}
	t.Accessor, _ = data["accessor"].(string)
	access, _ := meta["vcc_access"].(string)
	t.ReadOnly = access == "readonly"
	t.Note, _ = meta["vcc_note"].(string)
	if ct, ok := data["creation_time"].(json.Number); ok {
		if n, err := ct.Int64(); err == nil {
			t.Created = time.Unix(n, 0).UTC()
		}
	}
	if et, _ := data["expire_time"].(string); et != "" {
		t.Expires, _ = time.Parse(time.RFC3339Nano, et)
	}
	return t, true
}

func (v *Vault) LookupToken(ctx context.Context, secret string) (*Token, error) {
	if secret == "" || strings.ContainsAny(secret, " /") {
		return nil, ErrBadToken
	}
	sec, err := v.c.Auth().Token().LookupWithContext(ctx, secret)
	if err != nil || sec == nil {
		return nil, ErrBadToken
	}
	t, ok := tokenFrom(sec.Data)
	if !ok {
		return nil, ErrBadToken
	}
	return t, nil
}

func (v *Vault) ListTokens(ctx context.Context, user string) ([]Token, error) {
	sec, err := v.c.Logical().ListWithContext(ctx, "auth/token/accessors")
	if err != nil {
		return nil, fmt.Errorf("vault: list accessors: %w", err)
	}
	var out []Token
	if sec == nil {
		return out, nil
	}
	keys, _ := sec.Data["keys"].([]any)
	for _, k := range keys {
		acc, _ := k.(string)
		look, err := v.c.Auth().Token().LookupAccessorWithContext(ctx, acc)
		if err != nil || look == nil {
			continue // revoked meanwhile
		}
		if t, ok := tokenFrom(look.Data); ok && (user == "" || t.User == user) {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

func (v *Vault) RevokeToken(ctx context.Context, secret string) error {
	t, err := v.LookupToken(ctx, secret)
	if err != nil {
		return ErrNoToken
	}
	return v.RevokeAccessor(ctx, t.Accessor)
}

func (v *Vault) RevokeAccessor(ctx context.Context, accessor string) error {
	look, err := v.c.Auth().Token().LookupAccessorWithContext(ctx, accessor)
	if err != nil || look == nil {
		return ErrNoToken
	}
	if _, ok := tokenFrom(look.Data); !ok {
		return ErrNoToken // not ours to revoke
	}
	return v.c.Auth().Token().RevokeAccessorWithContext(ctx, accessor)
}

func (v *Vault) RevokeUser(ctx context.Context, user string) error {
	toks, err := v.ListTokens(ctx, user)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if err := v.RevokeAccessor(ctx, t.Accessor); err != nil && !errors.Is(err, ErrNoToken) {
			return err
		}
	}
	return nil
}

func (v *Vault) PutSecret(ctx context.Context, user, p, value string) error {
	_, err := v.c.KVv2(v.mount).Put(ctx, v.userPath(user, p), map[string]any{"value": value})
	if err != nil {
		return fmt.Errorf("vault: write secret %s: %w", p, err)
	}
	return nil
}

func (v *Vault) GetSecret(ctx context.Context, user, p string) (string, error) {
	sec, err := v.c.KVv2(v.mount).Get(ctx, v.userPath(user, p))
	if errors.Is(err, vault.ErrSecretNotFound) {
		return "", ErrNoSecret
	}
	var re *vault.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return "", ErrNoSecret
	}
	if err != nil {
		return "", fmt.Errorf("vault: read secret %s: %w", p, err)
	}
	val, _ := sec.Data["value"].(string)
	return val, nil
}

func (v *Vault) DeleteSecret(ctx context.Context, user, p string) error {
	if _, err := v.GetSecret(ctx, user, p); err != nil {
		return err
	}
	return v.c.KVv2(v.mount).DeleteMetadata(ctx, v.userPath(user, p))
}

func (v *Vault) ListSecrets(ctx context.Context, user, prefix string) ([]string, error) {
	var out []string
	var walk func(dir string) error
	walk = func(dir string) error {
		sec, err := v.c.Logical().ListWithContext(ctx, v.mount+"/metadata/"+v.userPath(user, dir))
		if err != nil {
			return fmt.Errorf("vault: list secrets: %w", err)
		}
		if sec == nil {
			return nil
		}
		keys, _ := sec.Data["keys"].([]any)
		for _, k := range keys {
			name, _ := k.(string)
			if strings.HasSuffix(name, "/") {
				if err := walk(dir + name); err != nil {
					return err
				}
				continue
			}
			out = append(out, dir+name)
		}
		return nil
	}
	// List from the deepest directory of prefix, then filter.
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i+1]
	}
	if err := walk(dir); err != nil {
		return nil, err
	}
	var filtered []string
	for _, p := range out {
		if strings.HasPrefix(p, prefix) {
			filtered = append(filtered, p)
		}
	}
	sort.Strings(filtered)
	return filtered, nil
}

// Ping checks that Vault still accepts the controller's token.
func (v *Vault) Ping(ctx context.Context) error {
	_, err := v.c.Auth().Token().LookupSelfWithContext(ctx)
	return err
}
