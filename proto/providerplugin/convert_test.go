package providerplugin

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// Every capability survives the wire: a capability missing from the enum
// would be dropped silently and its feature never used.
func TestCapabilitiesRoundTrip(t *testing.T) {
	all := []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapSpot, provider.CapFixedIP, provider.CapTags,
		provider.CapAttachDisks, provider.CapGPU, provider.CapListByController, provider.CapSimulator, provider.CapPreflight, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapSSHLogin, provider.CapDisks}
	for _, c := range all {
		if _, ok := capToPB[c]; !ok {
			t.Errorf("capability %q has no wire value", c)
		}
	}
	if len(capToPB) != len(all) {
		t.Errorf("capToPB has %d entries, the test knows %d: add the new one here", len(capToPB), len(all))
	}
}

// The additive fields of a minor protocol change survive the wire.
func TestInfoAndEnvRoundTrip(t *testing.T) {
	in := &provider.Info{Name: "x", CredentialsFamily: "fam", IPPoolFile: "pool.yml"}
	pbInfo, err := infoToPB(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := infoFromPB(pbInfo)
	if err != nil || out.CredentialsFamily != "fam" || out.IPPoolFile != "pool.yml" {
		t.Errorf("info round trip: %+v %v", out, err)
	}
	env := envFromPB(envToPB(provider.CallEnv{ControllerSSHKey: provider.Secret("pem")}))
	if string(env.ControllerSSHKey) != "pem" {
		t.Errorf("controller ssh key lost: %q", env.ControllerSSHKey)
	}
}

// A disk's status and a node's attached disks survive the wire.
func TestDiskStatusRoundTrip(t *testing.T) {
	in := &provider.NodeStatus{NodeID: "n", CloudInstanceID: "vol-1", State: provider.InstanceRunning,
		Disk:          &provider.DiskStatus{SizeGB: 8, Zone: "z1", AttachedTo: "i-1", Device: "/dev/sdf", Type: "gp2"},
		AttachedDisks: []provider.DiskAttachment{{CloudDiskID: "vol-2", Device: "/dev/sdg", Serial: "vol2"}}}
	if diff := cmp.Diff(in, statusFromPB(statusToPB(in))); diff != "" {
		t.Errorf("round trip (-sent +got):\n%s", diff)
	}
	plain := &provider.NodeStatus{NodeID: "n", State: provider.InstanceRunning}
	if got := statusFromPB(statusToPB(plain)); got.Disk != nil || got.AttachedDisks != nil {
		t.Errorf("an instance's status grew disk fields: %+v", got)
	}
}
