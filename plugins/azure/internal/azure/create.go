package azure

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode makes the node's NIC (in the catalog's subnet, with its
// security group and the fixed IP if any), then starts the VM's create
// and returns without waiting for it: Azure takes minutes, and the
// host's state-only polls watch the VM get there. Both PUTs are
// idempotent by name, so a retried create converges on the same NIC and
// VM; a VM that Azure refuses for good takes its NIC with it.
func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, diags := p.Spec(cat, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, provider.Invalid("%v", err).On("spec").Err()
	}
	n := namesOf(req.Node)
	if !req.FirstAttempt { // the host may have asked before: look first
		got, err := c.VMs.Get(ctx, cat.Group, n.vm, &armcompute.VirtualMachinesClientGetOptions{Expand: ptr(armcompute.InstanceViewTypesInstanceView)})
		switch {
		case err == nil && tags.NodeID(fromAz(got.Tags)) != req.Node.NodeID:
			return nil, provider.Invalid("VM %s of resource group %s is not this node's (its %s tag is %q)", n.vm, cat.Group, provider.TagNodeID, tags.NodeID(fromAz(got.Tags))).
				On("node.cloud_instance_name").Because("a VM made outside vcc holds the node's name: rename or delete it").Err()
		case err == nil && deref(got.Properties.ProvisioningState) != "Deleting":
			st := p.statusOf(&got.VirtualMachine, got.Properties.InstanceView)
			st.CloudInstanceID = p.vmID(cat, req.Env.Credentials["subscription_id"], n.vm)
			st.CloudInstanceAddress = p.addressOf(ctx, c, cat.Group, n.nic)
			return &st, nil
		case err != nil && !armclient.IsNotFound(err):
			return nil, armclient.Err("look up VM "+n.vm, err)
		}
	}
	sub := req.Env.Credentials["subscription_id"]
	all := tags.For(req.Env, req.Node, sp.Tags)
	ip, err := p.makeNIC(ctx, c, cat, sub, n.nic, req.Node.FixedIP, all)
	if err != nil {
		return nil, err
	}
	vm := p.vmOf(cat, sp, sub, n, all, basecontainer.CloudInit(bc, req.Env, req.Node))
	// The poller is dropped: the host's polls follow the create.
	if _, err := c.VMs.BeginCreateOrUpdate(ctx, cat.Group, n.vm, vm, nil); err != nil {
		err = armclient.Err("create VM "+n.vm, err)
		var de *provider.DiagnosticsError
		if errors.As(err, &de) && !de.Retryable() {
			// Refused for good: leave nothing half-made behind.
			if np, derr := c.NICs.BeginDelete(context.WithoutCancel(ctx), cat.Group, n.nic, nil); derr == nil {
				_, _ = np.PollUntilDone(context.WithoutCancel(ctx), fast)
			}
		}
		return nil, err
	}
	return &provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: p.vmID(cat, sub, n.vm), CloudInstanceName: n.vm,
		CloudInstanceAddress: ip, State: provider.InstancePending, Tags: all, AttachedDisks: attached(vm.Properties.StorageProfile.DataDisks)}, nil
}

// fast polls operations that Azure finishes in seconds (a NIC's).
var fast = &runtime.PollUntilDoneOptions{Frequency: time.Second}

// makeNIC makes (or finds, the PUT being idempotent) the node's NIC and
// returns its private IP.
func (p *Provider) makeNIC(ctx context.Context, c *armclient.Clients, cat *catalog, sub, name, fixedIP string, all map[string]string) (string, error) {
	ipc := &armnetwork.InterfaceIPConfigurationPropertiesFormat{Subnet: &armnetwork.Subnet{ID: ptr(cat.subnetID(sub))},
		PrivateIPAllocationMethod: ptr(armnetwork.IPAllocationMethodDynamic), Primary: ptr(true)}
	if fixedIP != "" {
		ipc.PrivateIPAllocationMethod, ipc.PrivateIPAddress = ptr(armnetwork.IPAllocationMethodStatic), &fixedIP
	}
	nic := armnetwork.Interface{Location: &cat.Location, Tags: azTags(all), Properties: &armnetwork.InterfacePropertiesFormat{
		NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: ptr(cat.nsgID(sub))},
		IPConfigurations:     []*armnetwork.InterfaceIPConfiguration{{Name: ptr("ipconfig1"), Properties: ipc}},
	}}
	poller, err := c.NICs.BeginCreateOrUpdate(ctx, cat.Group, name, nic, nil)
	if err != nil {
		return "", armclient.Err("create NIC "+name, err)
	}
	res, err := poller.PollUntilDone(ctx, fast)
	if err != nil {
		return "", armclient.Err("create NIC "+name, err)
	}
	return privateIP(&res.Interface), nil
}

func privateIP(n *armnetwork.Interface) string {
	if n == nil || n.Properties == nil || len(n.Properties.IPConfigurations) == 0 || n.Properties.IPConfigurations[0].Properties == nil {
		return ""
	}
	return deref(n.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
}

// addressOf reads the NIC's address ("" when it cannot).
func (p *Provider) addressOf(ctx context.Context, c *armclient.Clients, group, nic string) string {
	got, err := c.NICs.Get(ctx, group, nic, nil)
	if err != nil {
		return ""
	}
	return privateIP(&got.Interface)
}

func (p *Provider) vmID(cat *catalog, sub, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + cat.Group + "/providers/Microsoft.Compute/virtualMachines/" + name
}

// vmOf is the VM to PUT: the Base container's cloud-init as custom data,
// key-only login with a key nobody holds (users reach the Base
// container, not the VM), and the NIC and OS disk deleted with it.
func (p *Provider) vmOf(cat *catalog, sp *spec, sub string, n names, all map[string]string, userData string) armcompute.VirtualMachine {
	props := &armcompute.VirtualMachineProperties{
		HardwareProfile: &armcompute.HardwareProfile{VMSize: ptr(armcompute.VirtualMachineSizeTypes(sp.VMSize))},
		StorageProfile: &armcompute.StorageProfile{
			ImageReference: imageRef(sp.CloudImage, cat),
			OSDisk: &armcompute.OSDisk{Name: &n.osDisk, CreateOption: ptr(armcompute.DiskCreateOptionTypesFromImage), DiskSizeGB: &sp.DiskSizeGB,
				Caching: ptr(armcompute.CachingTypesReadWrite), DeleteOption: ptr(armcompute.DiskDeleteOptionTypesDelete),
				ManagedDisk: &armcompute.ManagedDiskParameters{StorageAccountType: ptr(armcompute.StorageAccountTypes(sp.DiskType))}},
		},
		OSProfile: &armcompute.OSProfile{ComputerName: &n.vm, AdminUsername: &cat.AdminUser,
			CustomData: ptr(base64.StdEncoding.EncodeToString([]byte(userData))),
			LinuxConfiguration: &armcompute.LinuxConfiguration{DisablePasswordAuthentication: ptr(true), SSH: &armcompute.SSHConfiguration{
				PublicKeys: []*armcompute.SSHPublicKey{{Path: ptr("/home/" + cat.AdminUser + "/.ssh/authorized_keys"), KeyData: ptr(lockedKey())}}}}},
		NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{ID: ptr(cat.nicID(sub, n.nic)),
			Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: ptr(true), DeleteOption: ptr(armcompute.DeleteOptionsDelete)}}}},
	}
	for i, id := range sp.Disks {
		props.StorageProfile.DataDisks = append(props.StorageProfile.DataDisks, &armcompute.DataDisk{Lun: ptr(int32(i)),
			CreateOption: ptr(armcompute.DiskCreateOptionTypesAttach), ManagedDisk: &armcompute.ManagedDiskParameters{ID: ptr(id)},
			// The user's disks outlive the node.
			DeleteOption: ptr(armcompute.DiskDeleteOptionTypesDetach)})
	}
	if p.spot {
		props.Priority = ptr(armcompute.VirtualMachinePriorityTypesSpot)
		props.EvictionPolicy = ptr(armcompute.VirtualMachineEvictionPolicyTypes(sp.EvictionPolicy))
		price := -1.0
		if sp.SpotPrice != nil {
			price = *sp.SpotPrice
		}
		props.BillingProfile = &armcompute.BillingProfile{MaxPrice: &price}
	}
	vm := armcompute.VirtualMachine{Location: &cat.Location, Tags: azTags(all), Properties: props}
	if cat.Zone != "" {
		vm.Zones = []*string{&cat.Zone}
	}
	return vm
}

// imageRef reads cloud_image: a URN or a resource id.
func imageRef(image string, cat *catalog) *armcompute.ImageReference {
	if image == "default" {
		image = cat.DefaultImage
		if image == "" {
			image = defaultImage
		}
	}
	if strings.HasPrefix(image, "/") {
		return &armcompute.ImageReference{ID: &image}
	}
	p := strings.SplitN(image, ":", 4)
	for len(p) < 4 {
		p = append(p, "latest")
	}
	return &armcompute.ImageReference{Publisher: &p[0], Offer: &p[1], SKU: &p[2], Version: &p[3]}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
