package armemu_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
)

// TestAttach: data disks as Azure attaches them, through the real SDK: a
// disk held by one VM is refused to another (409 ConflictingUserInput,
// naming the holder), a disk of another zone is refused (400
// BadRequest), a zone-redundant one is taken; a deallocated VM's disks
// are Reserved; an update of the VM detaches a disk (Unattached once the
// operation ends); a deleting disk shows Deleting; a snapshot is copied.
func TestAttach(t *testing.T) {
	s := start(t)
	c := connect(t, s, "s3cret")
	ctx := context.Background()
	disks, _ := armcompute.NewDisksClient(sub, c.cred, &arm.ClientOptions{ClientOptions: c.opts})
	mk := func(name string, zone string, sku armcompute.DiskStorageAccountTypes, data *armcompute.CreationData) armcompute.Disk {
		t.Helper()
		d := armcompute.Disk{Location: p("japaneast"), SKU: &armcompute.DiskSKU{Name: &sku},
			Properties: &armcompute.DiskProperties{CreationData: data}}
		if *data.CreateOption == armcompute.DiskCreateOptionEmpty {
			d.Properties.DiskSizeGB = p[int32](8)
		}
		if zone != "" {
			d.Zones = []*string{&zone}
		}
		poller, err := disks.BeginCreateOrUpdate(ctx, rg, name, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := poller.PollUntilDone(ctx, poll)
		if err != nil {
			t.Fatal(err)
		}
		return res.Disk
	}
	empty := &armcompute.CreationData{CreateOption: p(armcompute.DiskCreateOptionEmpty)}
	z1 := mk("z1", "1", armcompute.DiskStorageAccountTypesStandardLRS, empty)
	z2 := mk("z2", "2", armcompute.DiskStorageAccountTypesStandardLRS, empty)
	zrs := mk("zrs", "", armcompute.DiskStorageAccountTypesStandardSSDZRS, empty)
	snap := s.SeedSnapshot(rg, "snap", 16)
	copied := mk("copy", "1", armcompute.DiskStorageAccountTypesStandardLRS, &armcompute.CreationData{CreateOption: p(armcompute.DiskCreateOptionCopy), SourceResourceID: &snap})
	if *copied.Properties.DiskSizeGB != 16 {
		t.Errorf("copy of a 16 GB snapshot: %d GB", *copied.Properties.DiskSizeGB)
	}

	vmIn := func(name, nic string, ids ...*string) armcompute.VirtualMachine {
		v := vmOf(*nicOf(t, c, nic, "").ID, "Standard_B1s", false)
		v.Zones = []*string{p("1")}
		for i, id := range ids {
			v.Properties.StorageProfile.DataDisks = append(v.Properties.StorageProfile.DataDisks,
				&armcompute.DataDisk{Lun: p(int32(i)), CreateOption: p(armcompute.DiskCreateOptionTypesAttach), ManagedDisk: &armcompute.ManagedDiskParameters{ID: id}})
		}
		return v
	}
	create := func(name string, v armcompute.VirtualMachine) error {
		poller, err := c.vms.BeginCreateOrUpdate(ctx, rg, name, v, nil)
		if err == nil {
			_, err = poller.PollUntilDone(ctx, poll)
		}
		return err
	}
	if err := create("vm1", vmIn("vm1", "n1", z1.ID, zrs.ID)); err != nil {
		t.Fatal(err)
	}
	state := func(d armcompute.Disk) (string, string) {
		got, err := disks.Get(ctx, rg, *d.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(*got.Properties.DiskState), deref(got.ManagedBy)
	}
	if st, by := state(z1); st != "Attached" || !strings.HasSuffix(by, "/vm1") {
		t.Errorf("attached disk: %s by %q", st, by)
	}

	var re *azcore.ResponseError
	err := create("vm2", vmIn("vm2", "n2", z1.ID))
	if !errors.As(err, &re) || re.StatusCode != 409 || re.ErrorCode != "ConflictingUserInput" || !strings.Contains(err.Error(), "already attached to VM") {
		t.Errorf("a disk attached elsewhere: %v", err)
	}
	err = create("vm4", vmIn("vm4", "n4", z2.ID, zrs.ID, copied.ID))
	if !errors.As(err, &re) || re.ErrorCode != "OperationNotAllowed" || !strings.Contains(err.Error(), "maximum number of data disks allowed to be attached to a VM of this size is 2") {
		t.Errorf("3 data disks on a Standard_B1s: %v", err)
	}
	prem := mk("prem", "1", armcompute.DiskStorageAccountTypesPremiumLRS, empty)
	big := vmIn("vm5", "n5", prem.ID)
	big.Properties.HardwareProfile.VMSize = p(armcompute.VirtualMachineSizeTypes("Standard_D4_v2"))
	err = create("vm5", big)
	if !errors.As(err, &re) || re.StatusCode != 400 || !strings.Contains(err.Error(), "does not support the storage account type Premium_LRS") {
		t.Errorf("a Premium disk on a Standard_D4_v2: %v", err)
	}
	err = create("vm3", vmIn("vm3", "n3", z2.ID))
	if !errors.As(err, &re) || re.StatusCode != 400 || re.ErrorCode != "BadRequest" || !strings.Contains(err.Error(), "VM zone: '1'. Disk zone: '2'") {
		t.Errorf("a disk of another zone: %v", err)
	}

	dealloc, err := c.vms.BeginDeallocate(ctx, rg, "vm1", nil)
	if err == nil {
		_, err = dealloc.PollUntilDone(ctx, poll)
	}
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := state(z1); st != "Reserved" {
		t.Errorf("disk of a deallocated VM: %s, want Reserved", st)
	}

	// Detach z1 by an update of the VM that marks it toBeDetached.
	got, err := c.vms.Get(ctx, rg, "vm1", nil)
	if err != nil {
		t.Fatal(err)
	}
	got.Properties.StorageProfile.DataDisks[0].ToBeDetached = p(true)
	if err := create("vm1", got.VirtualMachine); err != nil {
		t.Fatal(err)
	}
	if st, by := state(z1); st != "Unattached" || by != "" {
		t.Errorf("after the detach: %s by %q", st, by)
	}
	if st, _ := state(zrs); st != "Reserved" {
		t.Errorf("the disk left attached: %s", st)
	}

	del, err := disks.BeginDelete(ctx, rg, "z1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := disks.Get(ctx, rg, "z1", nil); err != nil || *d.Properties.ProvisioningState != "Deleting" {
		t.Errorf("a disk being deleted: %v", err)
	}
	if _, err := del.PollUntilDone(ctx, poll); err != nil {
		t.Fatal(err)
	}
	if _, err := disks.Get(ctx, rg, "z1", nil); code(err) != "ResourceNotFound" {
		t.Errorf("after the delete: %v", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
