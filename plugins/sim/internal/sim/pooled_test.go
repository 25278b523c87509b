package sim

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// TestPooledConformance: the pooled simulator passes the shared suite
// over real gRPC when the host gives nodes their address.
func TestPooledConformance(t *testing.T) {
	f := fixture(t, providertest.Connect(t, NewPooled("0.1.0", "sim_pool", "sim_pool.yml")))
	f.FixedIP = "10.9.0.7"
	providertest.Run(t, f)
}

// TestPooled: it says who it is and where its pools are, builds its
// instance on the address it is given, and refuses a node without one.
func TestPooled(t *testing.T) {
	p := NewPooled("0.1.0", "sim_pool", "sim_pool.yml")
	ctx := context.Background()
	info, err := p.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sim_pool", "sim_pool.yml"}, []string{info.Name, info.IPPoolFile}); diff != "" {
		t.Errorf("info (-want +got): %s", diff)
	}
	env := fixture(t, p).Env
	st, err := p.CreateNode(ctx, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: providertest.NewNodeID(), FixedIP: "10.9.0.9"}})
	if err != nil || st.CloudInstanceAddress != "10.9.0.9" {
		t.Fatalf("create with an address: %+v %v", st, err)
	}
	_, err = p.CreateNode(ctx, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: providertest.NewNodeID()}})
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || len(de.Diags) != 1 || de.Diags[0].Field != "node.fixed_ip" {
		t.Fatalf("create without an address: %v, want a diagnostic on node.fixed_ip", err)
	}
}
