// Package oracle is the Oracle Cloud Infrastructure provider: vcc's
// protocol on one side, oci-go-sdk's Core and Identity clients on the
// other.
package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider keeps no state between calls but caches: the SDK clients, the
// VNIC addresses of instances (which never change) and the instances it
// terminated itself (to tell them from preempted ones).
type Provider struct {
	decode.Docs[catalog, spec]
	version    string
	clients    *clientcache.Cache[*client]
	addresses  *addressCache
	terminated *terminatedSet
}

// The optional interfaces this plugin implements, each matching a
// capability GetInfo declares.
var (
	_ provider.Powerer     = (*Provider)(nil)
	_ provider.Rebooter    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
)

// New returns the provider reporting version.
func New(version string) *Provider {
	docs := decode.Docs[catalog, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema}
	return &Provider{Docs: docs, version: version, clients: clientcache.New[*client](),
		addresses: newAddressCache(), terminated: newTerminatedSet()}
}

// GetInfo is cheap and constant: the host calls it at every start.
func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{
		Name:        "oracle",
		Version:     p.version,
		Description: "Oracle Cloud Infrastructure compute instances (oci-go-sdk), on-demand or preemptible",
		Capabilities: []provider.Capability{
			provider.CapPower, provider.CapReboot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapSpot, provider.CapAttachDisks,
		},
		CatalogSchema:  catalogSchema,
		SpecSchema:     specSchema,
		Flavors:        flavors,
		CredentialKeys: ocisdk.CredentialKeys,
	}, nil
}
