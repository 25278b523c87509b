// Package oracle is the provider: vcc's protocol on one side, the cloud
// API client (package cloud) on the other. Every call to the cloud is
// marked "CLOUD CALL"; when you make your own plugin from this one, those
// are the lines to replace with your SDK's calls.
package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider keeps no state between calls but its client cache: everything
// else arrives with each request. decode.Docs gives it
// ValidateCatalogEntry and ValidateSpec, from the schemas and the checks
// of the catalog and spec structs (schema.go).
type Provider struct {
	decode.Docs[catalog, spec]
	version string
	clients *clientcache.Cache[*cloud.Client]
}

// The optional interfaces this plugin implements, each matching a
// capability GetInfo declares (the conformance suite checks they agree).
var (
	_ provider.Powerer     = (*Provider)(nil)
	_ provider.Rebooter    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
)

// New returns the provider reporting version.
func New(version string) *Provider {
	clients := clientcache.New[*cloud.Client]()
	clients.Close = (*cloud.Client).Close
	docs := decode.Docs[catalog, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema}
	return &Provider{Docs: docs, version: version, clients: clients}
}

// GetInfo is cheap and constant: the host calls it at every start.
func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name:        "oracle",
		Version:     p.version,
		Description: "oracle: the structure of a cloud plugin, driving the toy cloud of its tests",
		Capabilities: []provider.Capability{
			provider.CapPower, provider.CapReboot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete,
		},
		CatalogSchema: catalogSchema,
		SpecSchema:    specSchema,
		Flavors:       flavors,
		CredentialKeys: []provider.CredentialKey{
			{Name: "api_key", Description: "the cloud's API key", Required: true},
		},
	}, nil
}

// open prepares a cloud call: the catalog entry decoded, and the client of
// its endpoint and the caller's key, from the cache.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*cloud.Client, *catalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	key := env.Credentials["api_key"]
	if key == "" {
		return nil, nil, provider.AuthFailed("no api_key credential was sent").
			Because("store it: PUT /vcp/v1/occtr/credentials/oracle/api_key {\"value\": \"KEY\"}").Err()
	}
	c, err := p.clients.Get(ctx, cat.EndpointURL, env.Credentials, func(context.Context) (*cloud.Client, error) {
		return cloud.New(cat.EndpointURL, key)
	})
	if err != nil {
		return nil, nil, provider.Invalid("%v", err).On("catalog.oracle_endpoint_url").Err()
	}
	return c, cat, nil
}
