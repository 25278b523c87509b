// Package sakura is the Sakura Cloud provider: vcc's protocol on one side,
// github.com/sacloud/iaas-api-go on the other. Sakura's private switches
// have no DHCP, so the plugin names an IP pool file and the host hands
// every node its address (NodeRef.FixedIP), which the plugin writes into
// the node's disk.
package sakura

import (
	"context"

	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// PoolFile is upstream's pool file of the config directory:
// ENTRY: {prefix_len, ip_addresses}, one entry per catalog entry.
const PoolFile = "sakura_config.yml"

// Provider keeps no state between calls but its API clients.
type Provider struct {
	decode.Docs[catalog, spec]
	version string
	note    string
	clients *clientcache.Cache[*api]
	nodes   nodeLocks
	boots   boots
}

// The optional interfaces, each matching a declared capability.
var (
	_ provider.Powerer     = (*Provider)(nil)
	_ provider.Rebooter    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
)

// New returns the provider reporting version.
func New(version string) *Provider {
	docs := decode.Docs[catalog, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema, Against: against}
	return &Provider{Docs: docs, version: version, clients: clientcache.New[*api]()}
}

// WithNote adds a sentence to the plugin's description: a test build
// says there that it drives a fake, so `vcc-host plugins list` shows it.
func (p *Provider) WithNote(note string) *Provider {
	p.note = note
	return p
}

// GetInfo is cheap and constant.
func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	desc := "Sakura Cloud servers on a private switch without DHCP: addresses come from the controller's IP pool in " + PoolFile
	if p.note != "" {
		desc += ". " + p.note
	}
	return &provider.Info{
		Name:        "sakura",
		Version:     p.version,
		Description: desc,
		Capabilities: []provider.Capability{
			provider.CapPower, provider.CapReboot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapListByController, provider.CapBaseContainer, provider.CapAttachDisks,
			// The disk edit authorises the controller's public key on
			// the server; only the public half is used.
			provider.CapSSHLogin,
		},
		CatalogSchema:  catalogSchema,
		SpecSchema:     specSchema,
		Flavors:        flavors,
		CredentialKeys: credentialKeys,
		IPPoolFile:     PoolFile,
	}, nil
}

// open prepares a cloud call: the catalog entry decoded and the API
// client of the caller's key, from the cache.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*api, *catalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	token, secret, err := apiKey(env.Credentials)
	if err != nil {
		return nil, nil, err
	}
	a, err := p.clients.Get(ctx, "sakura", env.Credentials, func(context.Context) (*api, error) { return newAPI(token, secret, p.version) })
	if err != nil {
		return nil, nil, err
	}
	return a, cat, nil
}
