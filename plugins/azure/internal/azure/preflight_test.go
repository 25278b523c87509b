package azure

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/plugins/azure/armemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// TestPreflight: read-only checks refuse on the field to fix, and make
// nothing.
func TestPreflight(t *testing.T) {
	s := emulator(t)
	p := inProcess(s, false)
	e := envOf(s)
	ctx := context.Background()
	// A NIC that holds 10.1.0.20, and a disk attached to a VM.
	busy := provider.NodeRef{NodeID: providertest.NewNodeID(), CloudInstanceName: "busy", NodeNo: 1, FixedIP: "10.1.0.20"}
	disk := s.SeedDisk(rg, "data1", 8)
	if _, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: busy, FirstAttempt: true, Spec: json.RawMessage(`{"disks": [` + `"` + disk + `"]}`)}); err != nil {
		t.Fatal(err)
	}
	free := s.SeedDisk(rg, "data2", 8)
	s.SetQuota(8) // busy holds 1 core; Standard_D4_v2 has 8
	entry := func(edit func(m map[string]any)) json.RawMessage {
		var m map[string]any
		_ = json.Unmarshal(e.CatalogEntry, &m)
		edit(m)
		raw, _ := json.Marshal(m)
		return raw
	}
	for _, c := range []struct {
		name    string
		catalog json.RawMessage
		creds   provider.Credentials
		spec    string
		fixed   string
		field   string
	}{
		{name: "good", spec: `{"disks": ["` + free + `"]}`, fixed: "10.1.0.21"},
		{name: "no subnet", catalog: entry(func(m map[string]any) { m["azure_subnet_name"] = "nope" }), field: "catalog.azure_subnet_name"},
		{name: "no vnet", catalog: entry(func(m map[string]any) { m["azure_vnet_name"] = "nope" }), field: "catalog.azure_subnet_name"},
		{name: "no group", catalog: entry(func(m map[string]any) { m["azure_resource_group_name"] = "nope" }), field: "catalog.azure_resource_group_name"},
		{name: "other location", catalog: entry(func(m map[string]any) { m["azure_location"] = "westeurope" }), field: "catalog.azure_location"},
		{name: "no nsg", catalog: entry(func(m map[string]any) { m["azure_security_group_name"] = "nope" }), field: "catalog.azure_security_group_name"},
		{name: "wrong secret", creds: provider.Credentials{"subscription_id": sub, "tenant_id": tenant, "client_id": "app", "client_secret": "x"}, field: "credentials"},
		{name: "other subscription", creds: provider.Credentials{"subscription_id": "00000000-0000-0000-0000-000000000bad", "tenant_id": tenant, "client_id": "app", "client_secret": "s3cret"}, field: "credentials.subscription_id"},
		{name: "subscription not a guid", creds: provider.Credentials{"subscription_id": "my-subscription", "tenant_id": tenant, "client_id": "app", "client_secret": "s3cret"}, field: "credentials.subscription_id"},
		{name: "image", spec: `{"cloud_image": "Canonical:ubuntu-24_04-lts:server:1.0.0"}`, field: "spec.cloud_image"},
		{name: "custom image", spec: `{"cloud_image": "/subscriptions/` + sub + `/resourceGroups/` + rg + `/providers/Microsoft.Compute/images/nope"}`, field: "spec.cloud_image"},
		{name: "size", spec: `{"vm_size": "Standard_Q99"}`, field: "spec.vm_size"},
		{name: "quota", spec: `{"vm_size": "Standard_D4_v2"}`, field: "spec.num_nodes"},
		{name: "ip taken", fixed: "10.1.0.20", field: "spec.ip_addresses[0]"},
		{name: "disk attached", spec: `{"disks": ["` + disk + `"]}`, field: "spec.disks[0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := e
			if c.catalog != nil {
				env.CatalogEntry = c.catalog
			}
			if c.creds != nil {
				env.Credentials = c.creds
			}
			spec := c.spec
			if spec == "" {
				spec = `{}`
			}
			before := len(s.Left())
			res, err := p.(provider.Preflighter).Preflight(ctx, provider.PreflightRequest{Env: env, Spec: json.RawMessage(spec),
				Nodes: []provider.NodeRef{{NodeID: providertest.NewNodeID(), NodeNo: 2, FixedIP: c.fixed}}})
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, d := range res.Diagnostics {
				if d.Severity == provider.SeverityError {
					fields = append(fields, d.Field)
				}
			}
			if want := c.field; (want == "" && len(fields) > 0) || (want != "" && (len(fields) != 1 || fields[0] != want)) {
				t.Errorf("errors on %v, want on %q: %v", fields, want, res.Diagnostics)
			}
			if len(s.Left()) != before {
				t.Errorf("the preflight made something")
			}
		})
	}
}

// TestDisksOutliveNodes: a spec's disks are attached to the node's VM and
// detached, not deleted, with the node.
func TestDisksOutliveNodes(t *testing.T) {
	s := emulator(t)
	p := inProcess(s, false)
	e := envOf(s)
	ctx := context.Background()
	disk := s.SeedDisk(rg, "data", 8)
	node := provider.NodeRef{NodeID: providertest.NewNodeID(), CloudInstanceName: "withdisk", NodeNo: 1}
	req := provider.NodeRequest{Env: e, Node: node, FirstAttempt: true, Spec: json.RawMessage(`{"disks": ["` + disk + `"]}`)}
	st, err := p.CreateNode(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if vm, ok := diskVM(s, "data"); !ok || !strings.HasSuffix(vm, "/withdisk") {
		t.Errorf("the disk is not attached: %+v", s.Resources())
	}
	want := []provider.DiskAttachment{{CloudDiskID: disk, Device: "/dev/disk/azure/scsi1/lun0"}}
	if d := cmp.Diff(want, st.AttachedDisks); d != "" {
		t.Errorf("create's attached disks (-want +got):\n%s", d)
	}
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{node}})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if d := cmp.Diff(want, got[0].AttachedDisks); d != "" {
		t.Errorf("describe's attached disks (-want +got):\n%s", d)
	}
	for range 100 {
		if err := p.DeleteNode(ctx, req); err != nil {
			t.Fatal(err)
		}
		if len(s.Left()) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left: %v", left)
	}
	if vm, ok := diskVM(s, "data"); !ok || vm != "" {
		t.Errorf("the user's disk went with the node or stays attached: %+v", s.Disks())
	}
}

// diskVM is the VM the disk name is attached to, and whether it exists.
func diskVM(s *armemu.Server, name string) (string, bool) {
	for _, r := range s.Disks() {
		if r.Name == name {
			return r.VM, true
		}
	}
	return "", false
}

// TestRotation: a rotated secret is a new client; the old one's refusal
// is not kept.
func TestRotation(t *testing.T) {
	s := emulator(t)
	p := inProcess(s, false)
	e := envOf(s)
	req := provider.DescribeRequest{Env: e, AllOfController: true}
	wrong := e
	wrong.Credentials = provider.Credentials{"subscription_id": sub, "tenant_id": tenant, "client_id": "app", "client_secret": "old"}
	if _, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: wrong, AllOfController: true}); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("with a wrong secret: %v", err)
	}
	if _, err := p.DescribeNodes(context.Background(), req); err != nil {
		t.Fatalf("after rotating the secret: %v", err)
	}
	if n := s.Stats().Tokens; n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
	if _, err := p.DescribeNodes(context.Background(), req); err != nil || s.Stats().Tokens != 1 {
		t.Errorf("the client is not reused: %v, %d tokens", err, s.Stats().Tokens)
	}
}

// TestNameTaken: a retried create that finds the node's VM name held by
// a VM of another node (or none) refuses, touching nothing.
func TestNameTaken(t *testing.T) {
	s := emulator(t)
	p := inProcess(s, false)
	e := envOf(s)
	ctx := context.Background()
	first := provider.NodeRef{NodeID: providertest.NewNodeID(), CloudInstanceName: "taken", NodeNo: 1}
	if _, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: first, FirstAttempt: true, Spec: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	before := s.Left()
	other := provider.NodeRef{NodeID: providertest.NewNodeID(), CloudInstanceName: "taken", NodeNo: 2}
	_, err := p.CreateNode(ctx, provider.NodeRequest{Env: e, Node: other, Spec: json.RawMessage(`{}`)})
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || de.Diags[0].Field != "node.cloud_instance_name" {
		t.Fatalf("create on a taken name: %v", err)
	}
	if d := cmp.Diff(before, s.Left()); d != "" {
		t.Errorf("the refused create changed the cloud:\n%s", d)
	}
}
