package providertest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

// diskInfo checks what a disk provider (CapDisks) declares: no capability
// about instances, and a spec counted in num_disks, with no fixed IPs.
func diskInfo(t *testing.T, info *provider.Info) {
	for _, c := range provider.DiskExcludes {
		if info.Has(c) {
			t.Errorf("disk provider declares %q, a capability of instances: drop it", c)
		}
	}
	if _, ok := info.SpecSchema.Lookup("num_disks"); !ok {
		t.Error("disk provider's spec has no num_disks (upstream's count of a storage unit)")
	}
	for _, name := range []string{"num_nodes", "ip_addresses", "mac_addresses"} {
		if _, ok := info.SpecSchema.Lookup(name); ok {
			t.Errorf("disk provider's spec has %s: a storage spec counts num_disks and has no addresses", name)
		}
	}
}

// checkDisk checks the disk part of a volume's status.
func checkDisk(t *testing.T, st *provider.NodeStatus, holder string) {
	t.Helper()
	switch {
	case st == nil:
		t.Fatal("disk not found by DescribeNodes")
	case st.Disk == nil:
		t.Fatalf("disk %s reported without NodeStatus.Disk (size, zone, holder)", st.CloudInstanceID)
	case st.Disk.SizeGB <= 0:
		t.Errorf("disk %s: size %d GB", st.CloudInstanceID, st.Disk.SizeGB)
	case st.Disk.Zone == "":
		t.Errorf("disk %s: no zone (the host shows it and instances must be in it)", st.CloudInstanceID)
	case st.Disk.AttachedTo != holder:
		t.Errorf("disk %s: attached to %q, want %q", st.CloudInstanceID, st.Disk.AttachedTo, holder)
	}
}

// diskLifecycle runs between create and delete for a disk provider: the
// volume is available; with f.AttachDisk it is attached through the peer
// and must name its holder, which the lifecycle's DeleteNode then has to
// detach it from before deleting it.
func diskLifecycle(t *testing.T, f Fixture, ref provider.NodeRef) {
	checkDisk(t, describe(t, f, ref, false), "")
	if f.AttachDisk == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.CallTimeout)
	defer cancel()
	holder, err := f.AttachDisk(ctx, ref.CloudInstanceID)
	if err != nil {
		t.Fatalf("attach %s through the peer: %v", ref.CloudInstanceID, err)
	}
	deadline := time.Now().Add(f.Timeout)
	for {
		st := describe(t, f, ref, false)
		if st != nil && st.Disk != nil && st.Disk.AttachedTo == holder {
			checkDisk(t, st, holder)
			return
		}
		if time.Now().After(deadline) {
			checkDisk(t, st, holder)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isDisk reports whether a provider makes disks.
func isDisk(info *provider.Info) bool { return slices.Contains(info.Capabilities, provider.CapDisks) }
