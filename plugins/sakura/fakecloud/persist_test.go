package fakecloud

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/provider"
)

// maker is a provider whose create makes a server in the fake.
type maker struct{ provider.Full }

func (maker) CreateNode(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	s, err := iaas.NewServerOp(nil).Create(ctx, "tk1a", &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: r.Node.NodeID})
	if err != nil {
		return nil, err
	}
	return &provider.NodeStatus{NodeID: r.Node.NodeID, CloudInstanceID: s.ID.String()}, nil
}

// TestPersisting: an opened store is not seeded over; what a call did is
// in the file when it answers; a store that cannot be written fails the
// call. This test opens the store
// in this process: it is the package's only one to.
func TestPersisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.json")
	role(t, "seed", path)
	if err := Open(path); err != nil {
		t.Fatal(err)
	}
	p, c := Persisting(maker{}), context.Background()
	// Opened, not seeded over: the sandbox zone keeps its own sizes.
	plan, err := iaas.NewDiskPlanOp(nil).Read(c, SandboxZone, types.DiskPlans.SSD)
	if err != nil || len(plan.Size) != len(sandboxSizes) {
		t.Fatalf("the opened store's %s ssd plan: %+v %v", SandboxZone, plan, err)
	}
	st, err := p.CreateNode(c, provider.NodeRequest{Node: provider.NodeRef{NodeID: "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range got {
		found = found || r.Kind == "Server" && r.ID == st.CloudInstanceID && r.Name == "n1"
	}
	if !found {
		t.Errorf("the server of the answered create is not in the file")
	}
	store.path = filepath.Join(t.TempDir(), "gone", "store.json")
	if _, err := p.CreateNode(c, provider.NodeRequest{Node: provider.NodeRef{NodeID: "n2"}}); err == nil {
		t.Errorf("a create whose store cannot be written succeeded")
	}
}
