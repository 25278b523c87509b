package armemu_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/vccproject/vcc/plugins/azure/armemu"
)

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	sub    = "00000000-0000-0000-0000-0000000000aa"
	rg     = "vcc-rg"
)

type clients struct {
	cred azcore.TokenCredential
	opts policy.ClientOptions
	vms  *armcompute.VirtualMachinesClient
	nics *armnetwork.InterfacesClient
	sns  *armnetwork.SubnetsClient
}

func start(t *testing.T) *armemu.Server {
	t.Helper()
	s, err := armemu.Start(armemu.Config{Tenant: tenant, ClientID: "app", ClientSecret: "s3cret", Subscription: sub, Delay: 150 * time.Millisecond, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Seed(armemu.Network{Group: rg, VNet: "vnet", Subnet: "default", NSG: "nsg", CIDR: "10.1.0.0/24"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddImage("Canonical:ubuntu-24_04-lts:server:24.04.202501010"); err != nil {
		t.Fatal(err)
	}
	return s
}

// connect builds the SDK's clients against s, as the plugin does.
func connect(t testing.TB, s *armemu.Server, secret string) clients {
	t.Helper()
	tr := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CAs}}}
	c := cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Endpoint: s.URL, Audience: "https://management.azure.com"}}}
	opts := policy.ClientOptions{Cloud: c, Transport: tr, Retry: policy.RetryOptions{MaxRetries: -1}}
	cred, err := azidentity.NewClientSecretCredential(tenant, "app", secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	ao := &arm.ClientOptions{ClientOptions: opts}
	vms, _ := armcompute.NewVirtualMachinesClient(sub, cred, ao)
	nics, _ := armnetwork.NewInterfacesClient(sub, cred, ao)
	sns, _ := armnetwork.NewSubnetsClient(sub, cred, ao)
	return clients{cred, opts, vms, nics, sns}
}

func p[T any](v T) *T { return &v }

var poll = &runtime.PollUntilDoneOptions{Frequency: 50 * time.Millisecond}

func nicOf(t testing.TB, c clients, name, ip string) armnetwork.Interface {
	t.Helper()
	ctx := context.Background()
	sn, err := c.sns.Get(ctx, rg, "vnet", "default", nil)
	if err != nil {
		t.Fatal(err)
	}
	ipc := &armnetwork.InterfaceIPConfigurationPropertiesFormat{Subnet: &armnetwork.Subnet{ID: sn.ID}}
	if ip != "" {
		ipc.PrivateIPAllocationMethod, ipc.PrivateIPAddress = p(armnetwork.IPAllocationMethodStatic), &ip
	}
	poller, err := c.nics.BeginCreateOrUpdate(ctx, rg, name, armnetwork.Interface{Location: p("japaneast"),
		Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{Name: p("ipconfig1"), Properties: ipc}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := poller.PollUntilDone(ctx, poll)
	if err != nil {
		t.Fatal(err)
	}
	return res.Interface
}

func vmOf(nicID, size string, spot bool) armcompute.VirtualMachine {
	v := armcompute.VirtualMachine{Location: p("japaneast"), Tags: map[string]*string{"vcc:node_id": p("n1")},
		Properties: &armcompute.VirtualMachineProperties{
			HardwareProfile: &armcompute.HardwareProfile{VMSize: p(armcompute.VirtualMachineSizeTypes(size))},
			StorageProfile: &armcompute.StorageProfile{
				ImageReference: &armcompute.ImageReference{Publisher: p("Canonical"), Offer: p("ubuntu-24_04-lts"), SKU: p("server"), Version: p("latest")},
				OSDisk: &armcompute.OSDisk{CreateOption: p(armcompute.DiskCreateOptionTypesFromImage), DiskSizeGB: p[int32](40),
					DeleteOption: p(armcompute.DiskDeleteOptionTypesDelete)}},
			OSProfile: &armcompute.OSProfile{ComputerName: p("vm1"), AdminUsername: p("vcc"), CustomData: p(base64.StdEncoding.EncodeToString([]byte("#cloud-config\n")))},
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{ID: &nicID,
				Properties: &armcompute.NetworkInterfaceReferenceProperties{DeleteOption: p(armcompute.DeleteOptionsDelete)}}}},
		}}
	if spot {
		v.Properties.Priority, v.Properties.EvictionPolicy = p(armcompute.VirtualMachinePriorityTypesSpot), p(armcompute.VirtualMachineEvictionPolicyTypesDeallocate)
		v.Properties.BillingProfile = &armcompute.BillingProfile{MaxPrice: p(-1.0)}
	}
	return v
}

func power(t *testing.T, c clients, name string) string {
	t.Helper()
	iv, err := c.vms.InstanceView(context.Background(), rg, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, st := range iv.Statuses {
		states = append(states, *st.Code)
	}
	return strings.Join(states, " ")
}

func code(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// TestLifecycle drives the emulator through the SDK as the plugin does:
// a VM's create answers at once and is InProgress until its delay, then
// running; deallocate and start; delete takes the NIC and OS disk with it.
func TestLifecycle(t *testing.T) {
	s := start(t)
	c := connect(t, s, "s3cret")
	ctx := context.Background()
	nic := nicOf(t, c, "vm1-nic", "")
	if ip := *nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress; ip != "10.1.0.4" {
		t.Errorf("first dynamic address %s, want 10.1.0.4 (Azure keeps .0-.3)", ip)
	}
	poller, err := c.vms.BeginCreateOrUpdate(ctx, rg, "vm1", vmOf(*nic.ID, "Standard_B1s", false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := power(t, c, "vm1"); got != "ProvisioningState/creating PowerState/starting" {
		t.Errorf("just after the PUT: %s", got)
	}
	if _, err := poller.Poll(ctx); err != nil || poller.Done() {
		t.Fatalf("the operation should be InProgress: done %v err %v", poller.Done(), err)
	}
	res, err := poller.PollUntilDone(ctx, poll)
	if err != nil || *res.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("create: %v %+v", err, res)
	}
	if got := power(t, c, "vm1"); got != "ProvisioningState/succeeded PowerState/running" {
		t.Errorf("after the create: %s", got)
	}
	// A repeated PUT of the same name is the same VM.
	again, err := c.vms.BeginCreateOrUpdate(ctx, rg, "vm1", vmOf(*nic.ID, "Standard_B1s", false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2, err := again.PollUntilDone(ctx, poll); err != nil || *r2.Properties.VMID != *res.Properties.VMID {
		t.Fatalf("repeated PUT: %v", err)
	}
	dp, err := c.vms.BeginDeallocate(ctx, rg, "vm1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := power(t, c, "vm1"); !strings.HasSuffix(got, "PowerState/deallocating") {
		t.Errorf("deallocating: %s", got)
	}
	if _, err := dp.PollUntilDone(ctx, poll); err != nil {
		t.Fatal(err)
	}
	if got := power(t, c, "vm1"); !strings.HasSuffix(got, "PowerState/deallocated") {
		t.Errorf("deallocated: %s", got)
	}
	if _, err := c.nics.BeginDelete(ctx, rg, "vm1-nic", nil); code(err) != "NicInUse" {
		t.Errorf("deleting an attached NIC: %v", err)
	}
	del, err := c.vms.BeginDelete(ctx, rg, "vm1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, poll); err != nil {
		t.Fatal(err)
	}
	if _, err := c.vms.Get(ctx, rg, "vm1", nil); code(err) != "ResourceNotFound" {
		t.Errorf("after the delete: %v", err)
	}
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestRefusals: what Azure refuses, with its codes.
func TestRefusals(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	if _, err := connect(t, s, "wrong").vms.Get(ctx, rg, "x", nil); !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong secret: %v", err)
	} else {
		var af *azidentity.AuthenticationFailedError
		if !errors.As(err, &af) {
			t.Errorf("wrong secret is not an AuthenticationFailedError: %T", err)
		}
	}
	c := connect(t, s, "s3cret")
	nic := nicOf(t, c, "n1", "10.1.0.10")
	s.SetQuota(4)
	for _, tc := range []struct {
		name string
		vm   func() armcompute.VirtualMachine
		want string
	}{
		{"unknown size", func() armcompute.VirtualMachine { return vmOf(*nic.ID, "Standard_X9", false) }, "InvalidParameter"},
		{"restricted size", func() armcompute.VirtualMachine { return vmOf(*nic.ID, "Standard_NV6", false) }, "SkuNotAvailable"},
		{"quota", func() armcompute.VirtualMachine { return vmOf(*nic.ID, "Standard_D4_v2", false) }, "OperationNotAllowed"},
		{"no image", func() armcompute.VirtualMachine {
			v := vmOf(*nic.ID, "Standard_B1s", false)
			v.Properties.StorageProfile.ImageReference.SKU = p("nope")
			return v
		}, "PlatformImageNotFound"},
		{"small disk", func() armcompute.VirtualMachine {
			v := vmOf(*nic.ID, "Standard_B1s", false)
			v.Properties.StorageProfile.OSDisk.DiskSizeGB = p[int32](10)
			return v
		}, "InvalidParameter"},
		{"missing nic", func() armcompute.VirtualMachine { return vmOf(*nic.ID+"x", "Standard_B1s", false) }, "InvalidResourceReference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.vms.BeginCreateOrUpdate(ctx, rg, "vmx", tc.vm(), nil)
			if code(err) != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
	sn, _ := c.sns.Get(ctx, rg, "vnet", "default", nil)
	for ip, want := range map[string]string{"10.1.0.10": "PrivateIPAddressIsAllocated", "10.1.0.2": "PrivateIPAddressInReservedRange", "10.2.0.9": "PrivateIPAddressNotInSubnet"} {
		_, err := c.nics.BeginCreateOrUpdate(ctx, rg, "n-"+ip, armnetwork.Interface{Location: p("japaneast"), Properties: &armnetwork.InterfacePropertiesFormat{
			IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{Name: p("c"), Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
				Subnet: &armnetwork.Subnet{ID: sn.ID}, PrivateIPAllocationMethod: p(armnetwork.IPAllocationMethodStatic), PrivateIPAddress: p(ip)}}}}}, nil)
		if code(err) != want {
			t.Errorf("static %s: %v, want %s", ip, err, want)
		}
	}
}

// TestAllocationFailure: the create's operation fails and the VM stays,
// provisioning state failed with Azure's reason.
func TestAllocationFailure(t *testing.T) {
	s := start(t)
	c := connect(t, s, "s3cret")
	ctx := context.Background()
	nic := nicOf(t, c, "n1", "")
	s.FailAllocations(1)
	poller, err := c.vms.BeginCreateOrUpdate(ctx, rg, "vm1", vmOf(*nic.ID, "Standard_B1s", false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.PollUntilDone(ctx, poll); code(err) != "AllocationFailed" {
		t.Errorf("create: %v", err)
	}
	if got := power(t, c, "vm1"); got != "ProvisioningState/failed/AllocationFailed" {
		t.Errorf("instance view: %s", got)
	}
}

// TestEviction: a simulated eviction deallocates a Spot VM (policy
// Deallocate) and is refused for a regular one; the subscription-wide
// list with statusOnly shows power states.
func TestEviction(t *testing.T) {
	s := start(t)
	c := connect(t, s, "s3cret")
	ctx := context.Background()
	for _, spot := range []bool{true, false} {
		name := map[bool]string{true: "spot", false: "regular"}[spot]
		nic := nicOf(t, c, name+"-nic", "")
		poller, err := c.vms.BeginCreateOrUpdate(ctx, rg, name, vmOf(*nic.ID, "Standard_B1s", spot), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := poller.PollUntilDone(ctx, poll); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.vms.SimulateEviction(ctx, rg, "regular", nil); code(err) != "OperationNotAllowed" {
		t.Errorf("evicting a regular VM: %v", err)
	}
	if _, err := c.vms.SimulateEviction(ctx, rg, "spot", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	pager := c.vms.NewListAllPager(&armcompute.VirtualMachinesClientListAllOptions{StatusOnly: p("true")})
	got := map[string]string{}
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			got[*v.Name] = *v.Properties.InstanceView.Statuses[1].Code
		}
	}
	if got["spot"] != "PowerState/deallocated" || got["regular"] != "PowerState/running" {
		t.Errorf("after the eviction: %v", got)
	}
}

// TestDisks: an empty disk and a copy of it are made (Creating, then
// Succeeded), listed and deleted; one attached to a VM cannot be deleted.
func TestDisks(t *testing.T) {
	s := start(t)
	c := connect(t, s, "s3cret")
	ctx := context.Background()
	disks, _ := armcompute.NewDisksClient(sub, c.cred, &arm.ClientOptions{ClientOptions: c.opts})
	mk := func(name string, data *armcompute.CreationData, size int32) armcompute.Disk {
		poller, err := disks.BeginCreateOrUpdate(ctx, rg, name, armcompute.Disk{Location: p("japaneast"), Tags: map[string]*string{"k": p("v")},
			SKU: &armcompute.DiskSKU{Name: p(armcompute.DiskStorageAccountTypesStandardSSDLRS)}, Properties: &armcompute.DiskProperties{CreationData: data, DiskSizeGB: &size}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := poller.PollUntilDone(ctx, poll)
		if err != nil {
			t.Fatal(err)
		}
		return res.Disk
	}
	d1 := mk("d1", &armcompute.CreationData{CreateOption: p(armcompute.DiskCreateOptionEmpty)}, 32)
	d2 := mk("d2", &armcompute.CreationData{CreateOption: p(armcompute.DiskCreateOptionCopy), SourceResourceID: d1.ID}, 0)
	if *d2.Properties.DiskSizeGB != 32 || *d2.Properties.ProvisioningState != "Succeeded" || *d2.Tags["k"] != "v" {
		t.Errorf("the copy: %+v", d2.Properties)
	}
	if _, err := disks.BeginCreateOrUpdate(ctx, rg, "d3", armcompute.Disk{Location: p("japaneast"), Properties: &armcompute.DiskProperties{
		CreationData: &armcompute.CreationData{CreateOption: p(armcompute.DiskCreateOptionEmpty)}, DiskSizeGB: p[int32](0)}}, nil); code(err) != "InvalidParameter" {
		t.Errorf("a disk of 0 GB: %v", err)
	}
	nic := nicOf(t, c, "n1", "")
	vm := vmOf(*nic.ID, "Standard_B1s", false)
	vm.Properties.StorageProfile.DataDisks = []*armcompute.DataDisk{{Lun: p[int32](0), CreateOption: p(armcompute.DiskCreateOptionTypesAttach), ManagedDisk: &armcompute.ManagedDiskParameters{ID: d1.ID}}}
	if _, err := c.vms.BeginCreateOrUpdate(ctx, rg, "vm1", vm, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := disks.BeginDelete(ctx, rg, "d1", nil); code(err) != "OperationNotAllowed" {
		t.Errorf("deleting an attached disk: %v", err)
	}
	del, err := disks.BeginDelete(ctx, rg, "d2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, poll); err != nil {
		t.Fatal(err)
	}
	if _, err := disks.Get(ctx, rg, "d2", nil); code(err) != "ResourceNotFound" {
		t.Errorf("after the delete: %v", err)
	}
}
