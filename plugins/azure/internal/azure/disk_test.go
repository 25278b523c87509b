package azure

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/azure/armemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// inProcessDisk is azure_disk with a transport that trusts the emulator.
func inProcessDisk(s *armemu.Server) *Disk {
	p := NewDisk("0.1.0")
	p.transport = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CAs}}}
	return p
}

// withZone is the emulator's catalog entry with azure_zone set.
func withZone(s *armemu.Server, zone string) json.RawMessage {
	raw := string(catalogOf(s))
	return json.RawMessage(raw[:strings.LastIndex(raw, "}")] + `, "azure_zone": "` + zone + `"}`)
}

// vmHolder attaches a disk as the azure plugin does: a node whose spec's
// disks name it, made through the compute provider against the same
// emulator; it returns the VM's id once the VM runs, and a func that
// deletes the node and waits until it is gone.
func vmHolder(t *testing.T, s *armemu.Server, e provider.CallEnv) (attach func(ctx context.Context, id string) (string, error), release func()) {
	compute := inProcess(s, false)
	var req provider.NodeRequest
	attach = func(ctx context.Context, id string) (string, error) {
		req = provider.NodeRequest{Env: e, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1}, FirstAttempt: true,
			Spec: json.RawMessage(`{"disks": ["` + id + `"]}`)}
		st, err := compute.CreateNode(ctx, req)
		if err != nil {
			return "", err
		}
		req.Node.CloudInstanceID, req.Node.CloudInstanceName = st.CloudInstanceID, st.CloudInstanceName
		for ctx.Err() == nil {
			got, err := compute.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{req.Node}, StateOnly: true})
			if err == nil && len(got) == 1 && got[0].State == provider.InstanceRunning {
				return st.CloudInstanceID, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return "", ctx.Err()
	}
	release = func() {
		if req.Node.CloudInstanceID == "" {
			return
		}
		ctx := context.Background()
		if err := compute.DeleteNode(ctx, req); err != nil {
			t.Errorf("delete the holder: %v", err)
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			got, err := compute.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{req.Node}})
			if err == nil && len(got) == 1 && got[0].State == provider.InstanceNotFound {
				return
			}
		}
		t.Error("the holder VM is still there")
	}
	return attach, release
}

func diskFixture(p provider.Provider, e provider.CallEnv) providertest.Fixture {
	return providertest.Fixture{
		Provider: p, Env: e,
		Spec:    json.RawMessage(`{"num_disks": 1, "disk_size_gb": 8, "tags": {"team": "a"}}`),
		Timeout: 30 * time.Second,
		BadCatalog: []providertest.Bad{
			{Name: "no_group", Doc: json.RawMessage(`{"azure_location": "japaneast"}`), WantField: "catalog.azure_resource_group_name"},
			{Name: "bad_zone", Doc: json.RawMessage(`{"azure_resource_group_name": "g", "azure_location": "japaneast", "azure_zone": "a"}`), WantField: "catalog.azure_zone"},
			{Name: "bad_location", Doc: json.RawMessage(`{"azure_resource_group_name": "g", "azure_location": "Japan East"}`), WantField: "catalog.azure_location"},
		},
		BadSpec: []providertest.Bad{
			{Name: "type", Doc: json.RawMessage(`{"storage_account_type": "SSD"}`), WantField: "spec.storage_account_type"},
			{Name: "size", Doc: json.RawMessage(`{"disk_size_gb": 0}`), WantField: "spec.disk_size_gb"},
			{Name: "source", Doc: json.RawMessage(`{"cloud_image": "snap-1"}`), WantField: "spec.cloud_image"},
			{Name: "count", Doc: json.RawMessage(`{"num_disks": -1}`), WantField: "spec.num_disks"},
		},
	}
}

// TestDiskConformance runs the suite on azure_disk in-process: the disk
// is attached through the azure plugin (a node whose spec names it) and
// must name its VM; the suite's delete detaches it first.
func TestDiskConformance(t *testing.T) {
	s := emulator(t)
	e := envOf(s)
	impl := inProcessDisk(s)
	f := diskFixture(providertest.Connect(t, impl), e)
	f.Impl = impl
	var release func()
	f.AttachDisk, release = vmHolder(t, s, e)
	providertest.Run(t, f)
	release()
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left in the emulator: %v", left)
	}
}

// TestDiskLaunch runs the suite on the vcc-provider-azure-disk binary,
// started as vcc-host starts it, over HTTPS with SSL_CERT_FILE.
func TestDiskLaunch(t *testing.T) {
	s := emulator(t)
	bin := providertest.Build(t, "../../cmd/vcc-provider-azure-disk")
	t.Setenv("SSL_CERT_FILE", s.CAFile)
	e := envOf(s)
	f := diskFixture(providertest.Launch(t, bin), e)
	var release func()
	f.AttachDisk, release = vmHolder(t, s, e)
	providertest.Run(t, f)
	release()
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left in the emulator: %v", left)
	}
}

// TestDiskZonesAndCopies: a zonal entry makes zonal disks (japaneast-1)
// but for zone-redundant types; a copy of a snapshot is at least its
// size; a missing snapshot is refused by preflight on spec.cloud_image;
// the azure plugin's preflight refuses a disk of another zone on the
// spec.disks entry and takes a zone-redundant one, refuses a Premium
// disk on a size without premium storage (its resource SKU's PremiumIO),
// and more disks than the VM size takes.
func TestDiskZonesAndCopies(t *testing.T) {
	s := emulator(t)
	ctx := context.Background()
	e := envOf(s)
	e.CatalogEntry = withZone(s, "1")
	p := inProcessDisk(s)
	snap := s.SeedSnapshot(rg, "base", 20)
	mk := func(spec string, entry json.RawMessage) provider.NodeStatus {
		t.Helper()
		env := e
		env.CatalogEntry = entry
		req := provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1}, FirstAttempt: true, Spec: json.RawMessage(spec)}
		if _, err := p.CreateNode(ctx, req); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: env, Nodes: []provider.NodeRef{req.Node}})
			if err == nil && len(got) == 1 && got[0].State == provider.InstanceRunning {
				return got[0]
			}
		}
		t.Fatalf("disk %s did not get made", req.Node.NodeID)
		return provider.NodeStatus{}
	}
	zonal := mk(`{"disk_size_gb": 8, "cloud_image": "`+snap+`"}`, e.CatalogEntry)
	zrs := mk(`{"disk_size_gb": 8, "storage_account_type": "StandardSSD_ZRS"}`, e.CatalogEntry)
	other := mk(`{"disk_size_gb": 8}`, withZone(s, "2"))
	for _, c := range []struct {
		st         provider.NodeStatus
		zone, typ  string
		size       int64
		resourceID string
	}{{zonal, "japaneast-1", "Standard_LRS", 20, "/disks/vcc-"}, {zrs, "japaneast", "StandardSSD_ZRS", 8, "/disks/vcc-"}, {other, "japaneast-2", "Standard_LRS", 8, "/disks/vcc-"}} {
		if d := c.st.Disk; d == nil || d.Zone != c.zone || d.Type != c.typ || d.SizeGB != c.size || !strings.Contains(c.st.CloudInstanceID, c.resourceID) {
			t.Errorf("disk %s: %+v, want zone %s, type %s, %d GB", c.st.CloudInstanceID, d, c.zone, c.typ, c.size)
		}
	}

	res, err := p.Preflight(ctx, provider.PreflightRequest{Env: e, Spec: json.RawMessage(`{"cloud_image": "` + strings.Replace(snap, "/base", "/gone", 1) + `"}`)})
	if err != nil || !res.Diagnostics.HasError() || res.Diagnostics[0].Field != "spec.cloud_image" {
		t.Errorf("preflight of a missing snapshot: %v %+v", err, res)
	}

	compute := inProcess(s, false).(Regular)
	res, err = compute.Preflight(ctx, provider.PreflightRequest{Env: e, Nodes: []provider.NodeRef{{NodeNo: 1}},
		Spec: json.RawMessage(`{"vm_size": "Standard_B2s", "disks": ["` + zonal.CloudInstanceID + `", "` + other.CloudInstanceID + `", "` + zrs.CloudInstanceID + `"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, d := range res.Diagnostics {
		if d.Severity == provider.SeverityError {
			bad = append(bad, d.Field+": "+d.Summary)
		}
	}
	if len(bad) != 1 || !strings.HasPrefix(bad[0], "spec.disks[1]: ") || !strings.Contains(bad[0], "japaneast-2, the node will be in japaneast-1") {
		t.Errorf("compute preflight: %q, want spec.disks[1] alone refused (zone 2)", bad)
	}

	// A Premium disk needs a size with premium storage.
	prem := mk(`{"disk_size_gb": 8, "storage_account_type": "Premium_LRS"}`, e.CatalogEntry)
	for size, refused := range map[string]bool{"Standard_D4_v2": true, "Standard_D2s_v3": false} {
		res, err = compute.Preflight(ctx, provider.PreflightRequest{Env: e, Nodes: []provider.NodeRef{{NodeNo: 1}},
			Spec: json.RawMessage(`{"vm_size": "` + size + `", "disks": ["` + prem.CloudInstanceID + `"]}`)})
		if err != nil || res.Diagnostics.HasError() != refused ||
			(refused && (res.Diagnostics[0].Field != "spec.disks[0]" || !strings.Contains(res.Diagnostics[0].Summary, "Premium_LRS, which VM size Standard_D4_v2 does not support"))) {
			t.Errorf("compute preflight of a Premium disk on a %s: %v %+v", size, err, res)
		}
	}

	// A Standard_B1s takes 2 data disks.
	zonal2 := mk(`{"disk_size_gb": 8}`, e.CatalogEntry)
	res, err = compute.Preflight(ctx, provider.PreflightRequest{Env: e, Nodes: []provider.NodeRef{{NodeNo: 1}},
		Spec: json.RawMessage(`{"vm_size": "Standard_B1s", "disks": ["` + zonal.CloudInstanceID + `", "` + zrs.CloudInstanceID + `", "` + zonal2.CloudInstanceID + `"]}`)})
	if err != nil || !res.Diagnostics.HasError() || res.Diagnostics[len(res.Diagnostics)-1].Field != "spec.disks" ||
		!strings.Contains(res.Diagnostics[len(res.Diagnostics)-1].Summary, "at most 2 data disks") {
		t.Errorf("compute preflight of 3 disks on a Standard_B1s: %v %+v", err, res)
	}
}

// TestDiskForcedDelete: deleting a disk that a VM holds (what the host
// asks only when forced) detaches it from the VM, which stays, and
// deletes it.
func TestDiskForcedDelete(t *testing.T) {
	s := emulator(t)
	ctx := context.Background()
	e := envOf(s)
	p := inProcessDisk(s)
	req := provider.NodeRequest{Env: e, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1}, FirstAttempt: true, Spec: json.RawMessage(`{}`)}
	st, err := p.CreateNode(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	time.Sleep(400 * time.Millisecond) // the emulator's delay
	attach, release := vmHolder(t, s, e)
	holder, err := attach(ctx, st.CloudInstanceID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{req.Node}})
	if err != nil || len(got) != 1 || got[0].Disk.AttachedTo != holder || got[0].Disk.Device != "/dev/disk/azure/scsi1/lun0" {
		t.Fatalf("attached disk: %v %+v", err, got)
	}
	// A create that meets the disk held (no preflight ran) fails for
	// good on spec.disks, and leaves no NIC behind.
	other := provider.NodeRequest{Env: e, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 2}, FirstAttempt: true,
		Spec: json.RawMessage(`{"disks": ["` + st.CloudInstanceID + `"]}`)}
	_, err = inProcess(s, false).CreateNode(ctx, other)
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || de.Retryable() || de.Diags[0].Field != "spec.disks" || !strings.Contains(err.Error(), "ConflictingUserInput") {
		t.Errorf("a create with a held disk: %v", err)
	}
	if err := p.DeleteNode(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Resources() {
		if r.Kind == "vm" && r.ID == holder && !strings.HasPrefix(r.State, "succeeded") {
			t.Errorf("the holder after the detach: %+v", r)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{req.Node}})
		if err == nil && len(got) == 1 && got[0].State == provider.InstanceNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the disk is not deleted: %v %+v", err, got)
		}
	}
	release()
	if left := s.Left(); len(left) != 0 {
		t.Errorf("left in the emulator: %v", left)
	}
}
