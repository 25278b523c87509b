// Package ocisdk is what every OCI plugin of vcc shares (the compute
// plugin here, and a disk plugin beside it): the SDK's clients built from a
// catalog entry's tenancy, region and endpoint and the user's credentials,
// with the SDK's own retries off, and OCI's errors mapped onto the kit's
// codes.
package ocisdk

import (
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

// Target is where the calls go: the catalog entry's part of it.
type Target struct {
	Tenancy, Region string
	// Endpoint overrides OCI's endpoints of the region (tests, the
	// emulator); empty for OCI.
	Endpoint string
}

// Clients are the SDK clients of one target and set of credentials:
// built once, reused by every call (kit/clientcache).
type Clients struct {
	Compute core.ComputeClient
	Network core.VirtualNetworkClient
	Storage core.BlockstorageClient
	Ident   identity.IdentityClient
}

// CredentialKeys are the credentials an OCI plugin takes (upstream's).
var CredentialKeys = []provider.CredentialKey{
	{Name: "user_ocid", Description: "OCID of the API user (ocid1.user.oc1..…)", Required: true},
	{Name: "fingerprint", Description: "fingerprint of the user's API signing key, like 12:34:…:ef", Required: true},
	{Name: "private_key", Description: "the API signing key, PEM", Required: true},
	{Name: "private_key_passphrase", Description: "passphrase of an encrypted private_key"},
}

// noSDKRetries is the one retry decision of vcc's OCI plugins: the SDK
// never retries and has no circuit breaker, whatever
// OCI_SDK_DEFAULT_RETRY_ENABLED and OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED
// say. The host retries the retryable diagnostics (throttled, capacity,
// unreachable, conflict) with its own backoff and deadline; retrying in
// the SDK too would multiply the attempts and hide the cause for minutes,
// and a breaker shared by every user's calls would fail one user's call
// for another's errors.
func noSDKRetries(c *common.BaseClient) {
	none := common.NoRetryPolicy()
	c.Configuration.RetryPolicy = &none
	c.Configuration.CircuitBreaker = nil
}

// httpClient bounds one HTTP exchange; the call's context bounds the rest.
var httpClient = &http.Client{Timeout: 60 * time.Second}

// Check reports a credential that is missing, on its field.
func Check(creds provider.Credentials) error {
	for _, k := range CredentialKeys {
		if k.Required && creds[k.Name] == "" {
			return provider.AuthFailed("no %s credential was sent", k.Name).On("credentials."+k.Name).
				Because("store it: PUT /vcp/v1/occtr/credentials/oracle/%s", k.Name).Err()
		}
	}
	return nil
}

// New makes the SDK clients of a target and credentials. A key that does
// not parse is refused here, before any call.
func New(t Target, creds provider.Credentials) (*Clients, error) {
	var pass *string
	if p := creds["private_key_passphrase"]; p != "" {
		pass = &p
	}
	cp := common.NewRawConfigurationProvider(t.Tenancy, creds["user_ocid"], t.Region, creds["fingerprint"], creds["private_key"], pass)
	if _, err := cp.PrivateRSAKey(); err != nil {
		return nil, provider.AuthFailed("the private_key credential is not a usable PEM RSA private key (or its passphrase is wrong)").On("credentials.private_key").
			Because("store the API signing key's PEM file: PUT /vcp/v1/occtr/credentials/oracle/private_key, and private_key_passphrase if it has one").Err()
	}
	var c Clients
	var err error
	if c.Compute, err = core.NewComputeClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("compute client: %w", err)
	}
	if c.Network, err = core.NewVirtualNetworkClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("network client: %w", err)
	}
	if c.Storage, err = core.NewBlockstorageClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("block storage client: %w", err)
	}
	if c.Ident, err = identity.NewIdentityClientWithConfigurationProvider(cp); err != nil {
		return nil, fmt.Errorf("identity client: %w", err)
	}
	for _, b := range []*common.BaseClient{&c.Compute.BaseClient, &c.Network.BaseClient, &c.Storage.BaseClient, &c.Ident.BaseClient} {
		noSDKRetries(b)
		b.HTTPClient = httpClient
		if t.Endpoint != "" {
			b.Host = t.Endpoint
		}
	}
	return &c, nil
}

// Scope is what a cached client is for besides the credentials.
func (t Target) Scope() string {
	sum := sha256.Sum256([]byte(t.Tenancy + "\x00" + t.Region + "\x00" + t.Endpoint))
	return hex.EncodeToString(sum[:8])
}
