package providerplugin

import (
	"testing"

	"github.com/vccproject/vcc/proto/provider"
)

// Every capability survives the wire: a capability missing from the enum
// would be dropped silently and its feature never used.
func TestCapabilitiesRoundTrip(t *testing.T) {
	all := []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapSpot, provider.CapFixedIP, provider.CapTags,
		provider.CapAttachDisks, provider.CapGPU, provider.CapListByController, provider.CapSimulator, provider.CapPreflight, provider.CapBaseContainer, provider.CapAsyncDelete, provider.CapSSHLogin}
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
