package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

func req(entry string, nodeID, fixed string) provider.NodeRequest {
	return provider.NodeRequest{
		Env:  provider.CallEnv{ControllerID: "ctl", CatalogEntry: json.RawMessage(entry)},
		Node: provider.NodeRef{NodeID: nodeID, NodeNo: 1, FixedIP: fixed},
		Spec: json.RawMessage(`{}`),
	}
}

func TestCreateFailures(t *testing.T) {
	cases := map[string]struct {
		entry     string
		pre       []string // fixed IPs created first
		fixed     string
		wantCode  string
		wantField string
		retryable bool
	}{
		"capacity": {
			entry: `{"capacity": 1}`, pre: []string{""},
			wantCode: provider.CodeCapacity, retryable: true,
		},
		"injected_failure": {
			entry: `{"failure_rate": 1}`, wantCode: provider.CodeUnreachable, retryable: true,
		},
		"fixed_ip_taken": {
			entry: `{}`, pre: []string{"10.208.0.7"}, fixed: "10.208.0.7", wantCode: provider.CodeInvalid, wantField: "node.fixed_ip",
		},
		"fixed_ip_outside": {
			entry: `{}`, fixed: "192.168.0.1", wantCode: provider.CodeInvalid, wantField: "node.fixed_ip",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			_ = json.Unmarshal([]byte(tc.entry), &m)
			m["sim_state_dir"] = t.TempDir()
			raw, _ := json.Marshal(m)
			p := New("0.1.0")
			for i, ip := range tc.pre {
				if _, err := p.CreateNode(context.Background(), req(string(raw), fmt.Sprint("pre", i), ip)); err != nil {
					t.Fatalf("setup create: %v", err)
				}
			}
			_, err := p.CreateNode(context.Background(), req(string(raw), "n1", tc.fixed))
			var de *provider.DiagnosticsError
			if !errors.As(err, &de) {
				t.Fatalf("want diagnostics, got %v", err)
			}
			got := struct {
				Code, Field string
				Retryable   bool
			}{de.Diags[0].Code, de.Diags[0].Field, de.Retryable()}
			want := struct {
				Code, Field string
				Retryable   bool
			}{tc.wantCode, tc.wantField, tc.retryable}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostic (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoreSharedAcrossProcesses: a second store on the same dir (as a
// second plugin process would have) sees the first one's changes,
// including after compaction, and skips a torn last line.
func TestStoreSharedAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	a, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	put := func(s *store, id string) {
		t.Helper()
		err := s.tx(func() ([]event, error) {
			return []event{{Op: "put", Inst: &instance{ID: id, NodeID: "n-" + id}}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(a, "i1")
	put(a, "i2")
	b := &store{dir: dir, lockFD: a.lockFD} // a fresh cache, as in another process
	b.reset()
	if err := b.tx(func() ([]event, error) { return []event{{Op: "del", ID: "i1"}}, nil }); err != nil {
		t.Fatal(err)
	}
	// A writer killed mid-line leaves a torn tail.
	f, _ := os.OpenFile(filepath.Join(dir, "cloud.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"op":"put","inst":{"id":"torn"`)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.tx(func() ([]event, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"i2"}, ids(a)); diff != "" {
		t.Errorf("a's view (-want +got):\n%s", diff)
	}
	if err := b.compact(); err != nil {
		t.Fatal(err)
	}
	put(b, "i3")
	if err := a.tx(func() ([]event, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"i2", "i3"}, ids(a)); diff != "" {
		t.Errorf("a's view after b compacted (-want +got):\n%s", diff)
	}
}

func ids(s *store) []string {
	var out []string
	for id := range s.insts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// TestConcurrentCreatesAreIdempotent: many concurrent creates of the same
// node make one instance.
func TestConcurrentCreatesAreIdempotent(t *testing.T) {
	entry := fmt.Sprintf(`{"sim_state_dir": %q}`, t.TempDir())
	p := New("0.1.0")
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := p.CreateNode(context.Background(), req(entry, "same-node", ""))
			if err == nil {
				got[i] = st.CloudInstanceID
			}
		}()
	}
	wg.Wait()
	for _, id := range got {
		if id == "" || id != got[0] {
			t.Fatalf("instances %v: want one id for every call", got)
		}
	}
	all, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: req(entry, "", "").Env, AllOfController: true})
	if err != nil || len(all) != 1 {
		t.Fatalf("describe all: %d instances, err %v; want 1", len(all), err)
	}
}

func TestCancelledCreateStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New("0.1.0").CreateNode(ctx, req(fmt.Sprintf(`{"sim_state_dir": %q, "latency_ms": 10000}`, t.TempDir()), "n", ""))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// TestBootAndConsistency: a new instance is missed by describes for
// consistency_delay_ms, then pending without an address until boot_ms,
// then running; a state-only describe never carries the address.
func TestBootAndConsistency(t *testing.T) {
	entry := fmt.Sprintf(`{"sim_state_dir": %q, "boot_ms": 400, "consistency_delay_ms": 150}`, t.TempDir())
	p := New("0.1.0")
	r := req(entry, "n1", "")
	created, err := p.CreateNode(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if created.State != provider.InstancePending || created.CloudInstanceAddress != "" {
		t.Fatalf("create answered %+v, want pending without an address", created)
	}
	type seen struct {
		State   provider.InstanceState
		Address bool
	}
	look := func(stateOnly bool) seen {
		got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: r.Env, Nodes: []provider.NodeRef{r.Node}, StateOnly: stateOnly})
		if err != nil || len(got) != 1 {
			t.Fatalf("describe: %v %v", got, err)
		}
		return seen{got[0].State, got[0].CloudInstanceAddress != ""}
	}
	if diff := cmp.Diff(seen{provider.InstanceNotFound, false}, look(false)); diff != "" {
		t.Errorf("right after create (-want +got):\n%s", diff)
	}
	time.Sleep(200 * time.Millisecond)
	if diff := cmp.Diff(seen{provider.InstancePending, false}, look(false)); diff != "" {
		t.Errorf("visible, booting (-want +got):\n%s", diff)
	}
	time.Sleep(250 * time.Millisecond)
	if diff := cmp.Diff(seen{provider.InstanceRunning, true}, look(false)); diff != "" {
		t.Errorf("booted, full describe (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seen{provider.InstanceRunning, false}, look(true)); diff != "" {
		t.Errorf("booted, state-only describe (-want +got):\n%s", diff)
	}
}
