package openstack

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// fast is an emulator quick enough for unit tests.
var fast = osemu.Options{BootDelay: 50 * time.Millisecond, StopDelay: 20 * time.Millisecond, DeleteDelay: 20 * time.Millisecond}

// entry is a catalog entry of the emulator's network, changed by change
// (a nil value drops the key).
func entry(c *osemu.Cloud, change map[string]any) json.RawMessage {
	m := map[string]any{"auth_url": c.AuthURL(), "network_uuid": osemu.NetworkID, "tenant_name": osemu.ProjectName,
		"private_network_ipmask": osemu.SubnetCIDR, "default_image": osemu.ImageName,
		"flavors": map[string]string{"small": "m1.small", "medium": "m1.medium", "large": "m1.large"}}
	for k, v := range change {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	raw, _ := json.Marshal(m)
	return raw
}

// password are the emulator user's credentials.
var password = provider.Credentials{"user_name": osemu.UserName, "password": osemu.UserPassword}

// env is a call environment of a new controller on the emulator.
func env(c *osemu.Cloud) provider.CallEnv {
	return provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: entry(c, nil), Credentials: password}
}

func node(n int, ip string) provider.NodeRef {
	return provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: n, VCID: "vc1", UnitName: "web", CloudInstanceName: fmt.Sprintf("web-%d", n), FixedIP: ip}
}

// state is the emulator's state, waiting until no server is BUILD or
// deleting.
func settled(t *testing.T, c *osemu.Cloud) osemu.State {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := c.State()
		busy := false
		for _, s := range st.Servers {
			busy = busy || s.Status == "BUILD" || s.TaskState != ""
		}
		if !busy || time.Now().After(deadline) {
			return st
		}
	}
}
