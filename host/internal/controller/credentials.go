package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/proto/provider"
)

// CredentialPath is where a user's cloud credential is kept.
func CredentialPath(prov, key string) string { return "credentials/" + prov + "/" + key }

// credentials reads user's credentials for prov: each key the plugin
// declares, from prov's own keys or else those of its family (the name
// before the first '_': aws_spot falls back to aws). It returns the
// required keys that are missing.
func (c *Controller) credentials(ctx context.Context, prov, user string) (provider.Credentials, []string, error) {
	out := provider.Credentials{}
	info, err := c.plugins.Info(prov)
	if err != nil || c.cfg.Secrets == nil || len(info.CredentialKeys) == 0 {
		return out, nil, nil
	}
	family, _, hasFamily := strings.Cut(prov, "_")
	var missing []string
	for _, k := range info.CredentialKeys {
		v, err := c.cfg.Secrets.GetSecret(ctx, user, CredentialPath(prov, k.Name))
		if errors.Is(err, identity.ErrNoSecret) && hasFamily {
			v, err = c.cfg.Secrets.GetSecret(ctx, user, CredentialPath(family, k.Name))
		}
		switch {
		case err == nil:
			out[k.Name] = v
		case errors.Is(err, identity.ErrNoSecret):
			if k.Required {
				missing = append(missing, k.Name)
			}
		default:
			return nil, nil, fmt.Errorf("read credential %s of %s: %w", k.Name, prov, err)
		}
	}
	return out, missing, nil
}

// checkCredentials fails when required credentials are missing, naming
// each and how to set it.
func (c *Controller) checkCredentials(ctx context.Context, prov, user string) error {
	_, missing, err := c.credentials(ctx, prov, user)
	if err != nil || len(missing) == 0 {
		return err
	}
	var details []FieldError
	for _, k := range missing {
		details = append(details, FieldError{Field: "credentials." + prov + "." + k,
			Message: fmt.Sprintf("not set for user %s: PUT /vcp/v1/occtr/credentials/%s/%s with {\"value\": \"...\"}", user, prov, k)})
	}
	return invalid(fmt.Sprintf("missing %s credentials: %s", prov, strings.Join(missing, ", ")), details...)
}
