// Package openstack is vcc's OpenStack provider as a library: New makes
// the stock provider (what vcc-provider-openstack serves), and its
// options are the hooks a site uses to build a plugin of its own without
// touching vcc (networks and ports, boot source, server metadata,
// scheduler hints, availability zone, name, user data, catalog and spec
// keys with their checks, authentication). Cloud calls go through
// gophercloud v2.
package openstack

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider keeps no state between calls but its client cache.
type Provider struct {
	version string
	h       hooks
	docs    decode.Docs[Entry, Spec]
	clients *clientcache.Cache[*Cloud]
}

// The optional interfaces, each matching a declared capability.
var (
	_ provider.Powerer     = (*Provider)(nil)
	_ provider.Rebooter    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
)

// New returns the provider reporting version, customised by opts.
func New(version string, opts ...Option) *Provider {
	h := hooks{name: "openstack", description: "OpenStack servers (Nova) on a Neutron network, through Keystone v3", flavors: stockFlavors}
	for _, o := range opts {
		o(&h)
	}
	cat := stockCatalog()
	cat.Attributes = slices.DeleteFunc(cat.Attributes, func(a provider.Attribute) bool { return slices.Contains(h.catalogDrop, a.Name) })
	cat = cat.Merge(provider.Schema{Attributes: h.catalogAdd})
	spec := stockSpec().Merge(provider.Schema{Attributes: h.specAdd})
	clients := clientcache.New[*Cloud]()
	clients.Close = (*Cloud).close
	return &Provider{version: version, h: h, docs: decode.Docs[Entry, Spec]{CatalogSchema: cat, SpecSchema: spec}, clients: clients}
}

// GetInfo is cheap and constant.
func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	keys := credentialKeys
	if p.h.credentialKeys != nil {
		keys = p.h.credentialKeys
	}
	return &provider.Info{
		Name:        p.h.name,
		Version:     p.version,
		Description: p.h.description,
		Capabilities: []provider.Capability{
			provider.CapPower, provider.CapReboot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapAttachDisks,
		},
		CatalogSchema:  p.docs.CatalogSchema,
		SpecSchema:     p.docs.SpecSchema,
		Flavors:        p.h.flavors,
		CredentialKeys: keys,
	}, nil
}

// Entry decodes and checks a catalog entry: schema, stock checks of the
// keys the schema has, then the site's checks.
func (p *Provider) Entry(raw json.RawMessage) (*Entry, provider.Diagnostics) {
	e, diags := p.docs.Catalog(raw)
	if diags.HasError() {
		return e, diags
	}
	e.Raw, _ = p.docs.CatalogSchema.WithDefaults(raw)
	diags = append(diags, checkEntry(e, p.docs.CatalogSchema, "catalog")...)
	for _, check := range p.h.checkCatalog {
		diags = append(diags, check(e)...)
	}
	return e, diags
}

// Spec decodes and checks a spec against its entry.
func (p *Provider) Spec(e *Entry, raw json.RawMessage) (*Spec, provider.Diagnostics) {
	s, diags := p.docs.Spec(e, raw)
	if diags.HasError() {
		return s, diags
	}
	s.Raw, _ = p.docs.SpecSchema.WithDefaults(raw)
	diags = append(diags, checkSpec(e, s)...)
	for _, check := range p.h.checkSpec {
		diags = append(diags, check(e, s)...)
	}
	return s, diags
}

// ValidateCatalogEntry implements provider.Provider: no cloud call.
func (p *Provider) ValidateCatalogEntry(_ context.Context, name string, raw json.RawMessage) (provider.Diagnostics, error) {
	_, diags := p.Entry(raw)
	return diags, nil
}

// ValidateSpec implements provider.Provider: no cloud call.
func (p *Provider) ValidateSpec(_ context.Context, env provider.CallEnv, raw json.RawMessage) (provider.Diagnostics, error) {
	e, diags := p.Entry(env.CatalogEntry)
	if diags.HasError() {
		return diags, nil
	}
	_, sdiags := p.Spec(e, raw)
	return append(diags, sdiags...), nil
}

// open prepares a cloud call: the entry decoded and the project's
// clients, from the cache.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*Cloud, *Entry, error) {
	e, diags := p.Entry(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	e.Name = env.CatalogEntryName
	auth := AuthOptions
	if p.h.auth != nil {
		auth = p.h.auth
	}
	o, err := auth(e, env.Credentials)
	if err != nil {
		return nil, nil, err
	}
	c, err := p.clients.Get(ctx, scope(e), env.Credentials, func(ctx context.Context) (*Cloud, error) {
		return dial(ctx, e, o, "vcc-provider-"+p.h.name+"/"+p.version)
	})
	if err != nil {
		return nil, nil, err
	}
	return c, e, nil
}

// openSpec is open with the call's spec decoded too.
func (p *Provider) openSpec(ctx context.Context, env provider.CallEnv, raw json.RawMessage) (*Cloud, *Entry, *Spec, error) {
	c, e, err := p.open(ctx, env)
	if err != nil {
		return nil, nil, nil, err
	}
	s, diags := p.Spec(e, raw)
	if err := diags.Err(); err != nil {
		return nil, nil, nil, err
	}
	return c, e, s, nil
}
