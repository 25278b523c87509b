package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// refuser is a provider whose DeleteNode fails with err.
type refuser struct{ err error }

func (r refuser) GetInfo(context.Context) (*provider.Info, error) {
	return &provider.Info{Name: "fake"}, nil
}
func (r refuser) ValidateCatalogEntry(context.Context, string, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}
func (r refuser) ValidateSpec(context.Context, provider.CallEnv, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}
func (r refuser) CreateNode(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, errors.New("not here")
}
func (r refuser) DeleteNode(context.Context, provider.NodeRequest) error { return r.err }
func (r refuser) DescribeNodes(context.Context, provider.DescribeRequest) ([]provider.NodeStatus, error) {
	return nil, nil
}
func (r refuser) PowerOn(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}
func (r refuser) PowerOff(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}
func (r refuser) Reboot(context.Context, provider.NodeRequest) (*provider.NodeStatus, error) {
	return nil, nil
}

// fakeEnv hands out one provider, or fails where told.
type fakeEnv struct {
	prov    provider.Provider
	provErr error
	envErr  error
}

func (f fakeEnv) Provider(string) (provider.Provider, error) { return f.prov, f.provErr }
func (f fakeEnv) CallEnv(context.Context, *model.Unit) (provider.CallEnv, error) {
	return provider.CallEnv{}, f.envErr
}
func (f fakeEnv) AwaitsAgent(*model.Unit, *model.Node) bool            { return false }
func (f fakeEnv) WaitAgent(context.Context, string) error              { return nil }
func (f fakeEnv) ControllerAddressFor(*model.Unit, *model.Node) string { return "" }
func (f fakeEnv) AsyncDelete(*model.Unit) bool                         { return false }

// TestForget: a delete with forget drops a node its cloud will not
// delete, or whose plugin is gone, and lists it; it does not for a
// passing failure to prepare the call (the secret backend not
// answering), nor without forget.
func TestForget(t *testing.T) {
	refused := provider.Diagnostics{provider.Errorf("", "termination protection is on")}.Err()
	cases := map[string]struct {
		env        fakeEnv
		forget     bool
		wantState  model.OpState
		wantKept   bool
		wantReason string
	}{
		"cloud_refuses":      {env: fakeEnv{prov: refuser{refused}}, forget: true, wantState: model.OpSucceeded, wantReason: "termination protection"},
		"plugin_removed":     {env: fakeEnv{provErr: errors.New(`no provider "fake" is installed`)}, forget: true, wantState: model.OpSucceeded, wantReason: "no provider"},
		"secrets_down":       {env: fakeEnv{prov: refuser{}, envErr: fmt.Errorf("read credential: %w: %w", ErrUnavailable, errors.New("connection refused"))}, forget: true, wantState: model.OpFailed, wantKept: true},
		"cloud_refuses_kept": {env: fakeEnv{prov: refuser{refused}}, wantState: model.OpFailed, wantKept: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st, err := store.OpenBolt(filepath.Join(t.TempDir(), "vcc.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Error(err)
				}
			})
			node := &model.Node{NodeID: "n1", VCID: "vc1", Unit: "u", NodeNo: 1, State: model.NodeRunning, CloudInstanceID: "i-1", CloudInstanceAddress: "10.0.0.5"}
			op := &model.Operation{ID: "op1", Kind: model.OpDeleteNodes, VCID: "vc1", Unit: "u", NodeIDs: []string{"n1"}, State: model.OpPending, Forget: tc.forget}
			err = st.Update(func(tx store.Tx) error {
				for _, put := range []error{
					tx.PutVC(&model.VC{VCID: "vc1", Name: "v", State: model.VCRunning}),
					tx.PutUnit(&model.Unit{VCID: "vc1", Name: "u", Provider: "fake", State: model.UnitRunning}),
					tx.PutNode(node), tx.PutOp(op),
				} {
					if put != nil {
						return put
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			e := New(st, tc.env, events.NewBus(), hclog.NewNullLogger(), Config{Attempts: 1, RetryBase: time.Millisecond})
			t.Cleanup(e.Close)
			e.Submit(op)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done, err := e.Wait(ctx, op.ID)
			if err != nil {
				t.Fatal(err)
			}
			kept := st.View(func(tx store.Tx) error { _, err := tx.Node("n1"); return err }) == nil
			if done.State != tc.wantState || kept != tc.wantKept {
				t.Fatalf("operation %s (%s), node kept %v; want %s, kept %v", done.State, done.Error, kept, tc.wantState, tc.wantKept)
			}
			if tc.wantKept {
				if len(done.Forgotten) != 0 {
					t.Errorf("forgotten %+v, want none", done.Forgotten)
				}
				return
			}
			if len(done.Forgotten) != 1 || !strings.Contains(done.Forgotten[0].Reason, tc.wantReason) {
				t.Fatalf("forgotten %+v, want the node, saying %q", done.Forgotten, tc.wantReason)
			}
			got := done.Forgotten[0]
			got.Reason = ""
			want := model.ForgottenNode{NodeID: "n1", NodeNo: 1, Unit: "u", Provider: "fake", CloudInstanceID: "i-1", CloudInstanceAddress: "10.0.0.5"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("forgotten node (-want +got):\n%s", diff)
			}
		})
	}
}
