package sakura

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// switches are the local switches of the in-process fake every test of
// this package runs against (iaas-api-go's fake is process-wide).
var switches fakecloud.Switches

func TestMain(m *testing.M) {
	var err error
	if switches, err = fakecloud.InMemory(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir) // best effort: a temp dir
	}
	os.Exit(code)
}

// Test network of the catalog entries below.
const (
	testMask    = "172.23.1.0/24"
	testGateway = "172.23.1.254"
)

// entry is a catalog entry of zone's test switch.
func entry(zone string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"sakura_local_switch_id": %q, "sakura_private_subnet_gateway_ip": %q, "sakura_zone": %q, "private_network_ipmask": %q}`,
		switches[zone], testGateway, zone, testMask))
}

// env is a call environment of a new controller on zone's test switch.
func env(zone string) provider.CallEnv {
	return provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: entry(zone),
		Credentials: provider.Credentials{"token": "t", "secret": "s"}}
}
