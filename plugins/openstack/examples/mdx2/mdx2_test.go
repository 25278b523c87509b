package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// TestConformance runs vcc's conformance suite on the site's provider
// against vcc's OpenStack emulator, in-process: a site's plugin keeps
// this test (with its own keys) and runs it at every change.
func TestConformance(t *testing.T) {
	cloud := osemu.Start(t, osemu.Options{BootDelay: 50 * time.Millisecond})
	entry, _ := json.Marshal(map[string]any{"auth_url": cloud.AuthURL(), "tenant_name": osemu.ProjectName, "network_name": osemu.NetworkName,
		"security_group": osemu.SecGroupName, "domain_id": osemu.DomainID, "private_network_ipmask": osemu.SubnetCIDR, "default_image": osemu.ImageName})
	impl := mdx2("0.1.0")
	providertest.Run(t, providertest.Fixture{
		Provider: providertest.Connect(t, impl),
		Impl:     impl,
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: entry,
			Credentials: provider.Credentials{"user_name": osemu.UserName, "password": osemu.UserPassword}},
		Spec:    json.RawMessage(`{"num_nodes": 1, "flavor_name": "m1.small"}`),
		FixedIP: "10.56.0.98",
		BadCatalog: []providertest.Bad{
			{Name: "no_security_group", Doc: json.RawMessage(`{"auth_url": "https://k/v3", "tenant_name": "t", "network_name": "n"}`), WantField: "catalog.security_group"},
		},
		BadSpec: []providertest.Bad{
			{Name: "volume_size", Doc: json.RawMessage(`{"volume_size": -1}`), WantField: "spec.volume_size"},
		},
		Timeout: 30 * time.Second,
	})
	if st := cloud.State(); len(st.Servers)+len(st.Ports) != 0 {
		t.Errorf("the cloud still holds %d servers and %d ports", len(st.Servers), len(st.Ports))
	}
}
