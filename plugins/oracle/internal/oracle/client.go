package oracle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"
	"github.com/vccproject/vcc/proto/provider"
)

// client holds the SDK clients of one tenancy, region (or endpoint) and
// set of credentials: built once, reused by every call (kit/clientcache).
type client struct {
	compute core.ComputeClient
	network core.VirtualNetworkClient
	storage core.BlockstorageClient
	ident   identity.IdentityClient
}

// sdkRetries is the one retry decision of this plugin: the SDK never
// retries and has no circuit breaker, whatever OCI_SDK_DEFAULT_RETRY_ENABLED
// and OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED say. The host retries the
// retryable diagnostics (throttled, capacity, unreachable, conflict) with
// its own backoff and deadline; retrying in the SDK too would multiply the
// attempts and hide the cause for minutes, and a breaker shared by every
// user's calls would fail one user's call for another's errors.
func sdkRetries(c *common.BaseClient) {
	none := common.NoRetryPolicy()
	c.Configuration.RetryPolicy = &none
	c.Configuration.CircuitBreaker = nil
}

// httpClient bounds one HTTP exchange; the call's context bounds the rest.
var httpClient = &http.Client{Timeout: 60 * time.Second}

// newClient makes the SDK clients for a catalog entry and credentials.
// A key that does not parse is refused here, before any call.
func newClient(cat *catalog, creds provider.Credentials) (*client, error) {
	var pass *string
	if p := creds["private_key_passphrase"]; p != "" {
		pass = &p
	}
	cp := common.NewRawConfigurationProvider(cat.Tenancy, creds["user_ocid"], cat.Region, creds["fingerprint"], creds["private_key"], pass)
	if _, err := cp.PrivateRSAKey(); err != nil {
		return nil, provider.AuthFailed("the private_key credential is not a usable PEM RSA private key (or its passphrase is wrong)").On("credentials.private_key").
			Because("store the API signing key's PEM file: PUT /vcp/v1/occtr/credentials/oracle/private_key, and private_key_passphrase if it has one").Err()
	}
	var c client
	var err error
	if c.compute, err = core.NewComputeClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("compute client: %w", err)
	}
	if c.network, err = core.NewVirtualNetworkClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("network client: %w", err)
	}
	if c.storage, err = core.NewBlockstorageClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("block storage client: %w", err)
	}
	if c.ident, err = identity.NewIdentityClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("identity client: %w", err)
	}
	for _, b := range []*common.BaseClient{&c.compute.BaseClient, &c.network.BaseClient, &c.storage.BaseClient, &c.ident.BaseClient} {
		sdkRetries(b)
		b.HTTPClient = httpClient
		if cat.Endpoint != "" {
			b.Host = cat.Endpoint
		}
	}
	return &c, nil
}

// scope is what a cached client is for besides the credentials.
func scope(cat *catalog) string {
	sum := sha256.Sum256([]byte(cat.Tenancy + "\x00" + cat.Region + "\x00" + cat.Endpoint))
	return hex.EncodeToString(sum[:8])
}

// open prepares a cloud call: the catalog entry decoded, the credentials
// checked for presence, and the cached client of both.
func (p *Provider) open(ctx context.Context, env provider.CallEnv) (*client, *catalog, error) {
	cat, diags := p.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return nil, nil, err
	}
	for _, k := range []string{"user_ocid", "fingerprint", "private_key"} {
		if env.Credentials[k] == "" {
			return nil, nil, provider.AuthFailed("no %s credential was sent", k).On("credentials."+k).
				Because("store it: PUT /vcp/v1/occtr/credentials/oracle/%s", k).Err()
		}
	}
	c, err := p.clients.Get(ctx, scope(cat), env.Credentials, func(context.Context) (*client, error) {
		return newClient(cat, env.Credentials)
	})
	if err != nil {
		return nil, nil, err
	}
	return c, cat, nil
}
