package openstack

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gos "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"
	"github.com/vccproject/vcc/proto/provider"
)

// Cloud is one project's API clients, authenticated once and reused
// across calls (the client cache keeps one per auth URL, region,
// endpoint type, project and credentials). Hooks may call any
// OpenStack API through them.
type Cloud struct {
	Compute *gophercloud.ServiceClient
	Network *gophercloud.ServiceClient
	Image   *gophercloud.ServiceClient
	// Volume is nil when the cloud has no Cinder in its catalog.
	Volume *gophercloud.ServiceClient
	// Tags: Nova takes server tags at create and filters by them
	// (microversion 2.52 and up). Without them, nodes are found by
	// their metadata.
	Tags bool
	// ProjectID is the project the token is scoped to.
	ProjectID string

	flavorMu sync.Mutex
	flavorID map[string]string // Nova flavor name -> id, read once

	imageMu sync.Mutex
	imageID map[string]cachedImage // image name -> id, for imageTTL
}

// cachedImage is a resolved image name: a unit's nodes all ask for the
// same image at once, and one look-up answers them.
type cachedImage struct {
	id   string
	when time.Time
}

// imageTTL bounds how long a name's resolution is trusted (an image
// replaced under the same name is seen after it).
const imageTTL = time.Minute

// tagsMicroversion lets a server carry tags from its create on (2.52),
// which also gives the list's tag filters (2.26).
const tagsMicroversion = "2.52"

// credentialKeys: a user name and password, or an application
// credential (what most sites hand to automation).
var credentialKeys = []provider.CredentialKey{
	{Name: "user_name", Description: "Keystone user name (with password); or use an application credential"},
	{Name: "password", Description: "the user's password"},
	{Name: "application_credential_id", Description: "application credential id (with its secret): `openstack application credential create vcc`"},
	{Name: "application_credential_secret", Description: "the application credential's secret"},
}

// AuthOptions are Keystone's options from the credentials: an
// application credential when given, else a user name and password
// scoped to the entry's project. A site's WithAuth hook may start from
// them.
func AuthOptions(e *Entry, creds provider.Credentials) (gophercloud.AuthOptions, error) {
	o := gophercloud.AuthOptions{IdentityEndpoint: e.AuthURL, AllowReauth: true}
	switch {
	case creds["application_credential_id"] != "" || creds["application_credential_secret"] != "":
		if creds["application_credential_id"] == "" || creds["application_credential_secret"] == "" {
			return o, provider.AuthFailed("an application credential needs both its id and its secret").
				Because("store application_credential_id and application_credential_secret").Err()
		}
		o.ApplicationCredentialID, o.ApplicationCredentialSecret = creds["application_credential_id"], creds["application_credential_secret"]
	case creds["user_name"] != "" && creds["password"] != "":
		if e.TenantName == "" {
			return o, provider.Invalid("a user name and password need the project to work in").On("catalog.tenant_name").
				Because("set tenant_name in the catalog entry, or use an application credential").Err()
		}
		o.Username, o.Password, o.DomainName = creds["user_name"], creds["password"], e.DomainName
		o.Scope = &gophercloud.AuthScope{ProjectName: e.TenantName, DomainName: e.ProjectDomain()}
	default:
		return o, provider.AuthFailed("no OpenStack credentials: store user_name and password, or application_credential_id and application_credential_secret").
			On("credentials").Because("PUT /vcp/v1/occtr/credentials/openstack/KEY {\"value\": \"...\"} for each").Err()
	}
	return o, nil
}

// dial authenticates and makes the service clients of the entry's
// region and endpoint type.
func dial(ctx context.Context, e *Entry, o gophercloud.AuthOptions, userAgent string) (*Cloud, error) {
	pc, err := gos.NewClient(o.IdentityEndpoint)
	if err != nil {
		return nil, provider.Invalid("%v", err).On("catalog.auth_url").Err()
	}
	// The host makes up to 32 calls at once per provider: keep that many
	// connections (and their TLS sessions) open, not Go's default 2.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	pc.HTTPClient = http.Client{Transport: tr}
	pc.UserAgent.Prepend(userAgent)
	if err := gos.Authenticate(ctx, pc, o); err != nil {
		return nil, cloudErr("authenticate to Keystone at "+o.IdentityEndpoint, err)
	}
	c := &Cloud{flavorID: map[string]string{}, imageID: map[string]cachedImage{}}
	if r, ok := pc.GetAuthResult().(tokens.CreateResult); ok {
		if p, err := r.ExtractProject(); err == nil && p != nil {
			c.ProjectID = p.ID
		}
	}
	eo := gophercloud.EndpointOpts{Region: e.Region, Availability: gophercloud.Availability(e.EndpointType)}
	if c.Compute, err = gos.NewComputeV2(pc, eo); err != nil {
		return nil, catalogErr("Nova (compute)", e, err)
	}
	if c.Network, err = gos.NewNetworkV2(pc, eo); err != nil {
		return nil, catalogErr("Neutron (network)", e, err)
	}
	if c.Image, err = gos.NewImageV2(pc, eo); err != nil {
		return nil, catalogErr("Glance (image)", e, err)
	}
	if v, err := gos.NewBlockStorageV3(pc, eo); err == nil {
		c.Volume = v
	}
	mv, err := utils.GetSupportedMicroversions(ctx, c.Compute)
	if err != nil {
		return nil, cloudErr("read Nova's versions", err)
	}
	if ok, _ := mv.IsSupported(tagsMicroversion); ok {
		c.Compute.Microversion, c.Tags = tagsMicroversion, true
	}
	return c, nil
}

func catalogErr(service string, e *Entry, err error) error {
	return provider.NotFound("the service catalog has no %s endpoint of type %s in region %s: %v", service, e.EndpointType, e.Region, err).
		On("catalog.region").Because("check region and endpoint_type against `openstack catalog list`").Err()
}

// close drops the clients' idle connections.
func (c *Cloud) close() {
	if t, ok := c.Compute.HTTPClient.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// scope is the client cache's key beside the credentials.
func scope(e *Entry) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", e.AuthURL, e.Region, e.EndpointType, e.TenantName, e.DomainName, e.ProjectDomain())
}
