package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// CredentialPath is where a user's cloud credential is kept.
func CredentialPath(prov, key string) string { return "credentials/" + prov + "/" + key }

// credentials reads a unit's credentials for one call: each key the plugin
// declares, from the unit's vault:// reference, else the user's stored
// credentials of the provider or, when the user stored none of those, of
// the credentials family the plugin declares (a spot plugin: its
// on-demand one). A set is never mixed: a key of the plugin is never
// paired with one of its family's. It also returns the required keys that are missing.
func (c *Controller) credentials(ctx context.Context, u *model.Unit) (provider.Credentials, []string, error) {
	out := provider.Credentials{}
	info, err := c.plugins.Info(u.Provider)
	if err != nil || len(info.CredentialKeys) == 0 {
		return out, nil, nil
	}
	stored, err := c.storedCredentials(ctx, u, info.CredentialKeys, u.Provider)
	if err != nil {
		return nil, nil, err
	}
	if family := info.CredentialsFamily; family != "" && len(stored) == 0 {
		if stored, err = c.storedCredentials(ctx, u, info.CredentialKeys, family); err != nil {
			return nil, nil, err
		}
	}
	var missing []string
	for _, k := range info.CredentialKeys {
		if name, ref, ok := refOf(u.CredentialRefs, k); ok {
			v, err := c.resolveRef(ctx, u, name, ref)
			if err != nil {
				return nil, nil, err
			}
			out[k.Name] = v
			continue
		}
		if v, ok := stored[k.Name]; ok {
			out[k.Name] = v
		} else if k.Required && c.cfg.Secrets != nil {
			missing = append(missing, k.Name)
		}
	}
	return out, missing, nil
}

// storedCredentials reads the user's stored credentials of prov among
// keys (those the unit gives by reference excepted).
func (c *Controller) storedCredentials(ctx context.Context, u *model.Unit, keys []provider.CredentialKey, prov string) (provider.Credentials, error) {
	out := provider.Credentials{}
	if c.cfg.Secrets == nil {
		return out, nil
	}
	for _, k := range keys {
		if _, _, ref := refOf(u.CredentialRefs, k); ref {
			continue
		}
		// The key's own name first; its aliases only when it is not
		// stored (one read per key on the common path).
		for _, name := range append([]string{k.Name}, k.Aliases...) {
			v, err := c.cfg.Secrets.GetSecret(ctx, u.CredentialUser, CredentialPath(prov, name))
			if err == nil {
				out[k.Name] = v
				break
			}
			if !errors.Is(err, identity.ErrNoSecret) {
				return nil, fmt.Errorf("read credential %s of %s: %w: %w", name, prov, engine.ErrUnavailable, err)
			}
		}
	}
	return out, nil
}

// refOf is the request's reference for key k, under its name or one of
// its aliases, and the name it was given under.
func refOf(refs map[string]string, k provider.CredentialKey) (name, ref string, ok bool) {
	for _, name := range append([]string{k.Name}, k.Aliases...) {
		if ref, ok := refs[name]; ok {
			return name, ref, true
		}
	}
	return "", "", false
}

// resolveRef reads a reference at call time: secret references again each
// time, cubbyhole ones from memory (they need the requester's token).
func (c *Controller) resolveRef(ctx context.Context, u *model.Unit, key, ref string) (string, error) {
	if strings.HasPrefix(ref, identity.RefCubbyhole) {
		c.cubbyMu.Lock()
		v, ok := c.cubby[u.VCID+"/"+u.Name][key]
		c.cubbyMu.Unlock()
		if ok {
			return v, nil
		}
		if tok := auth.TokenFromContext(ctx); tok != "" {
			return c.cfg.Refs.Resolve(ctx, u.CredentialUser, tok, ref)
		}
		return "", fmt.Errorf("credential %s comes from %s, which only the token that created unit %s can read, and the controller restarted since; "+
			"store it with PUT /vcp/v1/occtr/credentials/%s/%s so it survives restarts", key, ref, u.Name, u.Provider, key)
	}
	return c.cfg.Refs.Resolve(ctx, u.CredentialUser, "", ref)
}

// takeRefs checks a request's references (a credential key of the
// provider, a vault:// reference that can be read now) and keeps the
// values of cubbyhole ones in memory.
func (c *Controller) takeRefs(ctx context.Context, info *provider.Info, u *model.Unit) error {
	if len(u.CredentialRefs) == 0 {
		return nil
	}
	known := map[string]bool{}
	var names []string
	for _, k := range info.CredentialKeys {
		for _, name := range append([]string{k.Name}, k.Aliases...) {
			known[name] = true
			names = append(names, name)
		}
	}
	var errs []FieldError
	cubby := map[string]string{}
	for key, ref := range u.CredentialRefs {
		field := "credentials." + key
		switch {
		case !known[key]:
			errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("provider %s takes the credentials: %s", info.Name, strings.Join(names, ", "))})
		case !identity.IsRef(ref):
			errs = append(errs, FieldError{Field: field, Message: "give a vault://cubbyhole/<path> or vault://secret/<path> reference; store values with PUT /vcp/v1/occtr/credentials/" + info.Name + "/" + key})
		case c.cfg.Refs == nil:
			errs = append(errs, FieldError{Field: field, Message: "this controller has no secret backend to read references from"})
		default:
			v, err := c.cfg.Refs.Resolve(ctx, u.CredentialUser, auth.TokenFromContext(ctx), ref)
			if err != nil {
				errs = append(errs, FieldError{Field: field, Message: err.Error()})
			} else if strings.HasPrefix(ref, identity.RefCubbyhole) {
				cubby[key] = v
			}
		}
	}
	if len(errs) > 0 {
		return invalid("bad credential references", errs...)
	}
	if len(cubby) > 0 {
		c.cubbyMu.Lock()
		if c.cubby == nil {
			c.cubby = map[string]map[string]string{}
		}
		c.cubby[u.VCID+"/"+u.Name] = cubby
		c.cubbyMu.Unlock()
	}
	return nil
}

// checkCredentials fails when required credentials are missing, naming
// each and how to set it.
func (c *Controller) checkCredentials(ctx context.Context, u *model.Unit) error {
	_, missing, err := c.credentials(ctx, u)
	if err != nil || len(missing) == 0 {
		return err
	}
	var details []FieldError
	for _, k := range missing {
		details = append(details, FieldError{Field: "credentials." + u.Provider + "." + k,
			Message: fmt.Sprintf("not set for user %s: PUT /vcp/v1/occtr/credentials/%s/%s with {\"value\": \"...\"}, or give a vault:// reference in the request's credentials", u.CredentialUser, u.Provider, k)})
	}
	return invalid(fmt.Sprintf("missing %s credentials: %s", u.Provider, strings.Join(missing, ", ")), details...)
}

// sshKey is the controller's SSH private key, read from its file once:
// it never changes while the controller runs, and ssh_login plugins' calls (every
// describe tick) need it.
func (c *Controller) sshKey() (provider.Secret, error) {
	c.keyOnce.Do(func() {
		if c.cfg.SSHKeyFile == "" {
			c.keyErr = errors.New("this controller has no SSH key configured")
			return
		}
		raw, err := os.ReadFile(c.cfg.SSHKeyFile)
		if err != nil {
			c.keyErr = fmt.Errorf("controller SSH key: %w", err)
			return
		}
		c.key = raw
	})
	return c.key, c.keyErr
}
