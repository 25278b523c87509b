package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

// Fixture is what a plugin author supplies to Run.
type Fixture struct {
	// Provider under test: through Connect (in-process gRPC) or Launch
	// (the binary), so calls cross the real transport.
	Provider provider.Provider
	// Impl, when set, is the implementation behind Provider (what Connect
	// was given), for checking its optional interfaces directly.
	Impl provider.Provider
	// Env holds a valid catalog entry and credentials.
	Env provider.CallEnv
	// Spec is a valid unit spec (one node).
	Spec json.RawMessage
	// BadCatalog and BadSpec must each be rejected with an error
	// diagnostic on WantField.
	BadCatalog []Bad
	BadSpec    []Bad
	// FixedIP is given to every node: the server's address for providers
	// whose nodes are existing servers (onpremises).
	FixedIP string
	// ValidationOnly runs what needs no cloud: info, validation,
	// capability/interface agreement, describe of an unknown node with
	// an empty catalog entry refused. For clouds without an emulator.
	ValidationOnly bool
	// AttachDisk, for a disk provider (CapDisks), attaches the volume to
	// an instance through the test peer (as a compute plugin would) and
	// returns the instance's id: the volume must then name it as its
	// holder, and DeleteNode must detach it before deleting it.
	AttachDisk func(ctx context.Context, cloudDiskID string) (holder string, err error)
	// Timeout bounds waiting for a state to show; default 2 minutes.
	Timeout time.Duration
	// CallTimeout bounds every single call: a plugin that does not answer
	// fails the suite instead of hanging it. Default 1 minute.
	CallTimeout time.Duration
	// CancelGrace is how soon a call must return once its context is
	// cancelled. Default 10 s.
	CancelGrace time.Duration
	// SettleAfterCancel is how long a peer may go on with a request its
	// client cut short before the retried create looks for the instance
	// (moto, unlike EC2, ignores the idempotency token, so a retry racing
	// the cut request would make a second instance there). Default 0.
	SettleAfterCancel time.Duration
}

// Bad is an input that must be refused, and the field path that must be
// blamed.
type Bad struct {
	Name      string
	Doc       json.RawMessage
	WantField string
}

// Run runs the whole conformance suite against f.
func Run(t *testing.T, f Fixture) {
	f.defaults()
	info, err := call(t, f, "GetInfo", func(ctx context.Context) (*provider.Info, error) { return f.Provider.GetInfo(ctx) })
	if err != nil {
		t.Fatalf("GetInfo: %v", err)
	}
	t.Run("info", func(t *testing.T) { checkInfo(t, info) })
	t.Run("validation", func(t *testing.T) { validation(t, f) })
	t.Run("capabilities_agree", func(t *testing.T) { agreement(t, f, info) })
	if isDisk(info) {
		t.Run("disk_provider", func(t *testing.T) { diskInfo(t, info) })
	}
	if f.ValidationOnly {
		return
	}
	t.Run("describe_unknown", func(t *testing.T) {
		ref := provider.NodeRef{NodeID: NewNodeID(), NodeNo: 1, FixedIP: f.FixedIP}
		if st := describe(t, f, ref, false); st != nil && st.State != provider.InstanceNotFound {
			t.Fatalf("never-created node reported as %q", st.State)
		}
	})
	t.Run("lifecycle", func(t *testing.T) { lifecycle(t, f, info) })
	t.Run("cancel_mid_create", func(t *testing.T) { cancelMidCreate(t, f) })
}

func (f *Fixture) defaults() {
	if f.Timeout == 0 {
		f.Timeout = 2 * time.Minute
	}
	if f.CallTimeout == 0 {
		f.CallTimeout = time.Minute
	}
	if f.CancelGrace == 0 {
		f.CancelGrace = 10 * time.Second
	}
}

// call runs one plugin call under f.CallTimeout and fails the test when
// the plugin does not answer in time, even if it ignores its context.
func call[T any](t testing.TB, f Fixture, what string, fn func(context.Context) (T, error)) (T, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), f.CallTimeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("%s did not answer within %v (a hung plugin, or one that ignores its context): %v", what, f.CallTimeout, r.err)
		}
		return r.v, r.err
	case <-time.After(f.CallTimeout + f.CancelGrace):
		t.Fatalf("%s did not answer within %v (a hung plugin, or one that ignores its context)", what, f.CallTimeout)
		var zero T
		return zero, nil
	}
}

func isUnsupported(err error) bool {
	var de *provider.DiagnosticsError
	return errors.As(err, &de) && de.HasCode(provider.CodeUnsupported)
}

func find(l []provider.NodeStatus, nodeID string) *provider.NodeStatus {
	for i := range l {
		if l[i].NodeID == nodeID {
			return &l[i]
		}
	}
	return nil
}

// NewNodeID returns a random 32-hex id like the controller's.
func NewNodeID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newRef(f Fixture) provider.NodeRef {
	id := NewNodeID()
	return provider.NodeRef{NodeID: id, NodeNo: 1, VCID: NewNodeID(), UnitName: "conformance", FixedIP: f.FixedIP,
		CloudInstanceName: fmt.Sprintf("vcc-conformance-%s", id[:8])}
}
