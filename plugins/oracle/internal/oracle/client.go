package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/proto/provider"
)

// client is the SDK clients of a call (package ocisdk).
type client = ocisdk.Clients

// target is where a catalog entry's calls go.
func (c *catalog) target() ocisdk.Target {
	return ocisdk.Target{Tenancy: c.Tenancy, Region: c.Region, Endpoint: c.Endpoint}
}

// open prepares a cloud call: the catalog entry decoded, the credentials
// checked for presence, and the cached client of both.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*client, *catalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	if err := ocisdk.Check(env.Credentials); err != nil {
		return nil, nil, err
	}
	t := cat.target()
	c, err := p.clients.Get(ctx, t.Scope(), env.Credentials, func(context.Context) (*client, error) {
		return ocisdk.New(t, env.Credentials)
	})
	if err != nil {
		return nil, nil, err
	}
	return c, cat, nil
}

// cloudErr, isStatus: ocisdk's, by their short local names.
var (
	cloudErr = ocisdk.Err
	isStatus = ocisdk.IsStatus
)
