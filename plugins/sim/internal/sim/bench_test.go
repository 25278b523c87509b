package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// BenchmarkRoundTrip compares one call made in-process with the same call
// over gRPC in-process and to a real plugin subprocess (AutoMTLS over a
// unix socket, as vcc-host runs plugins). It reports the median and p99.
func BenchmarkRoundTrip(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "vcc-provider-sim")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/vccproject/vcc/plugins/sim").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	env := provider.CallEnv{ControllerID: "bench", CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sim_state_dir": %q}`, b.TempDir()))}
	spec := json.RawMessage(`{"num_nodes": 3, "instance_type": "sim.small", "params_e": ["A=1"]}`)
	ref := provider.NodeRef{NodeID: "bench-node", NodeNo: 1}
	if _, err := New("bench").CreateNode(context.Background(), provider.NodeRequest{Env: env, Node: ref, Spec: spec}); err != nil {
		b.Fatal(err)
	}
	transports := []struct {
		name string
		prov func(b *testing.B) provider.Provider
	}{
		{"inprocess", func(*testing.B) provider.Provider { return New("bench") }},
		{"grpc-pipe", func(b *testing.B) provider.Provider { return providertest.Connect(b, New("bench")) }},
		{"subprocess", func(b *testing.B) provider.Provider { return providertest.Launch(b, bin) }},
	}
	calls := []struct {
		name string
		do   func(p provider.Provider) error
	}{
		{"ValidateSpec", func(p provider.Provider) error {
			_, err := p.ValidateSpec(context.Background(), env, spec)
			return err
		}},
		{"DescribeNodes", func(p provider.Provider) error {
			_, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: env, Nodes: []provider.NodeRef{ref}})
			return err
		}},
	}
	for _, c := range calls {
		for _, tr := range transports {
			b.Run(c.name+"/"+tr.name, func(b *testing.B) {
				p := tr.prov(b)
				lat := make([]time.Duration, 0, 1024)
				for b.Loop() {
					start := time.Now()
					if err := c.do(p); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
			})
		}
	}
}
