package fakecloud

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/provider"
)

// maker is a provider whose create makes a server in the fake.
type maker struct{ provider.Full }

// making serializes the fake's server creates: the fake shares objects
// between them (its id counter) without a lock of its own, which the race
// detector would report of the fake; the flushes after them run at once.
var making sync.Mutex

func (maker) CreateNode(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	making.Lock()
	defer making.Unlock()
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
	// Calls answered together share writes of the file; each still finds
	// what it made there when it answers.
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			node := fmt.Sprintf("c%d", i)
			st, err := p.CreateNode(c, provider.NodeRequest{Node: provider.NodeRef{NodeID: node}})
			if err != nil {
				t.Error(err)
				return
			}
			got, err := Read(path)
			if err != nil {
				t.Error(err)
				return
			}
			if !slices.ContainsFunc(got, func(r Resource) bool { return r.Kind == "Server" && r.ID == st.CloudInstanceID && r.Name == node }) {
				t.Errorf("the server of the answered create %s is not in the file", node)
			}
		})
	}
	wg.Wait()
	store.path = filepath.Join(t.TempDir(), "gone", "store.json")
	if _, err := p.CreateNode(c, provider.NodeRequest{Node: provider.NodeRef{NodeID: "n2"}}); err == nil {
		t.Errorf("a create whose store cannot be written succeeded")
	}
}
