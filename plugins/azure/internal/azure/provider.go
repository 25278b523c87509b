// Package azure is the Azure provider: vcc's protocol on one side, the
// official Azure SDK for Go on the other. One Provider serves two
// plugins: "azure" (regular VMs, with power calls) and "azure_spot"
// (Spot VMs: an evicted node is HOST_ERROR and auto_replace replaces it).
package azure

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/kit/clientcache"
	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/provider"
)

// Provider keeps no state between calls but its clients.
type Provider struct {
	decode.Docs[catalog, spec]
	version string
	spot    bool
	clients *clientcache.Cache[*armclient.Clients]
	// transport, when set, carries every request (in-process tests).
	transport policy.Transporter
}

// Regular is the "azure" plugin: Spot VMs have no power calls (as for
// AWS spot: an evicted node is replaced, not restarted by hand).
type Regular struct{ *Provider }

var (
	_ provider.Provider    = (*Provider)(nil)
	_ provider.Preflighter = (*Provider)(nil)
	_ provider.Powerer     = Regular{}
	_ provider.Rebooter    = Regular{}
)

// New returns the shared part, regular or spot.
func New(version string, spot bool) *Provider {
	return &Provider{
		Docs:    decode.Docs[catalog, spec]{CatalogSchema: catalogSchema, SpecSchema: specSchema(spot), Against: against},
		version: version, spot: spot, clients: clientcache.New[*armclient.Clients](),
	}
}

// Plugin is what a binary serves.
func Plugin(version string, spot bool) provider.Provider {
	if spot {
		return New(version, true)
	}
	return Regular{New(version, false)}
}

// guidRE is a subscription id.
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// credentialKeys are upstream's: a service principal's.
var credentialKeys = []provider.CredentialKey{
	{Name: "subscription_id", Description: "Azure subscription id (a GUID)", Required: true},
	{Name: "tenant_id", Description: "Microsoft Entra ID tenant (directory) id of the service principal", Required: true},
	{Name: "client_id", Description: "application (client) id of the service principal", Required: true},
	{Name: "client_secret", Description: "a client secret value of the service principal", Required: true},
}

func (p *Provider) GetInfo(context.Context) (*provider.Info, error) {
	info := &provider.Info{
		Name: "azure", Version: p.version, Description: "Microsoft Azure virtual machines",
		Capabilities: []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete},
		CatalogSchema: p.CatalogSchema, SpecSchema: p.SpecSchema, Flavors: flavors, CredentialKeys: credentialKeys,
	}
	if p.spot {
		info.Name, info.Description, info.Aliases = "azure_spot", "Microsoft Azure Spot virtual machines", []string{"azure-spot"}
		info.CredentialsFamily = "azure"
		info.Capabilities = []provider.Capability{provider.CapSpot, provider.CapPreflight, provider.CapFixedIP, provider.CapTags,
			provider.CapAttachDisks, provider.CapListByController, provider.CapBaseContainer, provider.CapAsyncDelete}
	}
	return info, nil
}

// open prepares a cloud call: the catalog entry decoded and the clients
// of the caller's service principal, from the cache.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*armclient.Clients, *catalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	c, err := connect(ctx, p.clients, p.transport, cat, env.Credentials)
	return c, cat, err
}

// connect is the clients of the caller's service principal on the
// catalog entry's cloud, from the cache (shared by azure_disk).
func connect(ctx context.Context, cache *clientcache.Cache[*armclient.Clients], tr policy.Transporter, cat *catalog, creds provider.Credentials) (*armclient.Clients, error) {
	t := armclient.Target{SubscriptionID: creds["subscription_id"], TenantID: creds["tenant_id"],
		ClientID: creds["client_id"], ClientSecret: creds["client_secret"],
		ResourceManager: cat.ARM, AuthorityHost: cat.Authority, Transport: tr}
	var missing []string
	for _, k := range credentialKeys {
		if creds[k.Name] == "" {
			missing = append(missing, k.Name)
		}
	}
	if len(missing) > 0 {
		return nil, provider.AuthFailed("no %s credential was sent", strings.Join(missing, ", ")).On("credentials").
			Because("store the service principal's keys: PUT /vcp/v1/occtr/credentials/azure/KEY {\"value\": ...} for subscription_id, tenant_id, client_id and client_secret").Err()
	}
	if !guidRE.MatchString(t.SubscriptionID) {
		return nil, provider.AuthFailed("subscription_id %q is not a subscription id", t.SubscriptionID).On("credentials.subscription_id").
			Because("store the subscription's GUID (az account show --query id)").Err()
	}
	if _, err := url.Parse(cat.ARM); err != nil {
		return nil, provider.Invalid("%v", err).On("catalog.azure_resource_manager_endpoint").Err()
	}
	c, err := cache.Get(ctx, t.SubscriptionID+"|"+cat.ARM+"|"+cat.Authority, creds, func(context.Context) (*armclient.Clients, error) {
		return armclient.New(t)
	})
	if err != nil {
		return nil, provider.AuthFailed("%v", err).On("credentials").Err()
	}
	return c, nil
}
