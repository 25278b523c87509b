package providerplugin

import (
	"testing"

	"github.com/vccproject/vcc/proto/provider"
)

// Every capability survives the wire: a capability missing from the enum
// would be dropped silently and its feature never used.
func TestCapabilitiesRoundTrip(t *testing.T) {
	all := []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapSpot, provider.CapFixedIP, provider.CapTags,
		provider.CapAttachDisks, provider.CapGPU, provider.CapListByController, provider.CapSimulator, provider.CapPreflight, provider.CapBaseContainer, provider.CapAsyncDelete}
	for _, c := range all {
		if _, ok := capToPB[c]; !ok {
			t.Errorf("capability %q has no wire value", c)
		}
	}
	if len(capToPB) != len(all) {
		t.Errorf("capToPB has %d entries, the test knows %d: add the new one here", len(capToPB), len(all))
	}
}
