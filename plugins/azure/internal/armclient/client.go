// Package armclient builds the Azure SDK's clients of one service
// principal, subscription and cloud (public Azure, a sovereign cloud, or
// our emulator), and maps Azure's errors onto the kit's codes.
package armclient

import (
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// Target is whom to sign in as, where.
type Target struct {
	SubscriptionID, TenantID, ClientID, ClientSecret string
	// ResourceManager and AuthorityHost override public Azure's
	// endpoints (sovereign clouds, Azure Stack, tests); empty: public.
	ResourceManager, AuthorityHost string
	// Transport, when set, carries every request (tests).
	Transport policy.Transporter
}

// Clients are the SDK clients the plugin uses, sharing one credential
// and one HTTP pipeline, so calls reuse tokens and connections.
type Clients struct {
	VMs     *armcompute.VirtualMachinesClient
	NICs    *armnetwork.InterfacesClient
	VNets   *armnetwork.VirtualNetworksClient
	Subnets *armnetwork.SubnetsClient
	NSGs    *armnetwork.SecurityGroupsClient
	Images  *armcompute.ImagesClient
	Market  *armcompute.VirtualMachineImagesClient
	Disks   *armcompute.DisksClient
	Snaps   *armcompute.SnapshotsClient
	SKUs    *armcompute.ResourceSKUsClient
	Sizes   *armcompute.VirtualMachineSizesClient
	Usage   *armcompute.UsageClient
}

// New builds the clients; it makes no call (the first call signs in).
func New(t Target) (*Clients, error) {
	c := cloud.AzurePublic
	if t.AuthorityHost != "" || t.ResourceManager != "" {
		c = cloud.Configuration{ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: cloud.AzurePublic.Services[cloud.ResourceManager]}}
		if t.AuthorityHost != "" {
			c.ActiveDirectoryAuthorityHost = t.AuthorityHost
		}
		if t.ResourceManager != "" {
			rm := c.Services[cloud.ResourceManager]
			rm.Endpoint = t.ResourceManager
			c.Services[cloud.ResourceManager] = rm
		}
	}
	// The host retries by the error's code with its own backoff: the
	// SDK only smooths over short blips (429, 5xx, resets).
	opts := policy.ClientOptions{Cloud: c, Transport: t.Transport,
		Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: 500 * time.Millisecond, MaxRetryDelay: 4 * time.Second},
		Telemetry: policy.TelemetryOptions{ApplicationID: "vcc"}}
	cred, err := azidentity.NewClientSecretCredential(t.TenantID, t.ClientID, t.ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: opts,
		// Instance discovery asks login.microsoftonline.com about the
		// authority: only meaningful for public Azure's.
		DisableInstanceDiscovery: t.AuthorityHost != "",
	})
	if err != nil {
		return nil, fmt.Errorf("service principal: %w", err)
	}
	ao := &arm.ClientOptions{ClientOptions: opts}
	f, err := armcompute.NewClientFactory(t.SubscriptionID, cred, ao)
	if err != nil {
		return nil, err
	}
	nf, err := armnetwork.NewClientFactory(t.SubscriptionID, cred, ao)
	if err != nil {
		return nil, err
	}
	return &Clients{VMs: f.NewVirtualMachinesClient(), NICs: nf.NewInterfacesClient(), VNets: nf.NewVirtualNetworksClient(), Subnets: nf.NewSubnetsClient(),
		NSGs: nf.NewSecurityGroupsClient(), Images: f.NewImagesClient(), Market: f.NewVirtualMachineImagesClient(),
		Disks: f.NewDisksClient(), Snaps: f.NewSnapshotsClient(), SKUs: f.NewResourceSKUsClient(), Sizes: f.NewVirtualMachineSizesClient(), Usage: f.NewUsageClient()}, nil
}
