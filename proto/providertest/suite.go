package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// Fixture is what a plugin author supplies to Run.
type Fixture struct {
	// Provider under test; see Connect and Launch.
	Provider provider.Provider
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
	// Timeout bounds waiting for a power change to show; default 2 minutes.
	Timeout time.Duration
}

// Bad is an input that must be refused, and the field path that must be
// blamed.
type Bad struct {
	Name      string
	Doc       json.RawMessage
	WantField string
}

var semver = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+].*)?$`)

// Run runs the whole conformance suite against f.
func Run(t *testing.T, f Fixture) {
	if f.Timeout == 0 {
		f.Timeout = 2 * time.Minute
	}
	ctx := context.Background()
	info, err := f.Provider.GetInfo(ctx)
	if err != nil {
		t.Fatalf("GetInfo: %v", err)
	}
	t.Run("info", func(t *testing.T) { checkInfo(t, info) })
	t.Run("valid_catalog", func(t *testing.T) {
		diags, err := f.Provider.ValidateCatalogEntry(ctx, f.Env.CatalogEntryName, f.Env.CatalogEntry)
		if err != nil || diags.HasError() {
			t.Fatalf("valid catalog entry refused: err=%v diags=%v", err, diags)
		}
	})
	t.Run("valid_spec", func(t *testing.T) {
		diags, err := f.Provider.ValidateSpec(ctx, f.Env, f.Spec)
		if err != nil || diags.HasError() {
			t.Fatalf("valid spec refused: err=%v diags=%v", err, diags)
		}
	})
	for _, b := range f.BadCatalog {
		t.Run("bad_catalog/"+b.Name, func(t *testing.T) {
			diags, err := f.Provider.ValidateCatalogEntry(ctx, f.Env.CatalogEntryName, b.Doc)
			wantFieldError(t, diags, err, b.WantField)
		})
	}
	for _, b := range f.BadSpec {
		t.Run("bad_spec/"+b.Name, func(t *testing.T) {
			diags, err := f.Provider.ValidateSpec(ctx, f.Env, b.Doc)
			wantFieldError(t, diags, err, b.WantField)
		})
	}
	t.Run("describe_unknown", func(t *testing.T) {
		ref := provider.NodeRef{NodeID: NewNodeID(), NodeNo: 1, FixedIP: f.FixedIP}
		got, err := f.Provider.DescribeNodes(ctx, provider.DescribeRequest{Env: f.Env, Nodes: []provider.NodeRef{ref}, Spec: f.Spec})
		if err != nil {
			t.Fatalf("DescribeNodes: %v", err)
		}
		if st := find(got, ref.NodeID); st != nil && st.State != provider.InstanceNotFound {
			t.Fatalf("never-created node reported as %q", st.State)
		}
	})
	t.Run("lifecycle", func(t *testing.T) { lifecycle(t, f, info) })
}

func checkInfo(t *testing.T, info *provider.Info) {
	if info.Name == "" {
		t.Error("GetInfo: empty name")
	}
	if !semver.MatchString(info.Version) {
		t.Errorf("GetInfo: version %q is not semantic (want like 1.2.3)", info.Version)
	}
	if info.ProtocolVersion != providerplugin.ProtocolVersion {
		t.Errorf("GetInfo: protocol %d, want %d", info.ProtocolVersion, providerplugin.ProtocolVersion)
	}
	for _, s := range []provider.Schema{info.CatalogSchema, info.SpecSchema} {
		for _, a := range s.Attributes {
			if a.Name == "" || a.Type == "" {
				t.Errorf("GetInfo: attribute %+v lacks a name or type", a)
			}
		}
	}
	for _, fl := range info.Flavors {
		raw, _ := json.Marshal(fl.Values)
		if diags := info.SpecSchema.Validate(raw, "flavor."+fl.Name); diags.HasError() {
			t.Errorf("flavor %q does not fit the spec schema: %v", fl.Name, diags)
		}
	}
	for _, k := range info.CredentialKeys {
		if k.Name == "" {
			t.Error("GetInfo: credential key without a name")
		}
	}
}

func wantFieldError(t *testing.T, diags provider.Diagnostics, err error, field string) {
	t.Helper()
	if err != nil {
		t.Fatalf("validation failed as a call, want diagnostics: %v", err)
	}
	for _, d := range diags {
		if d.Severity == provider.SeverityError && d.Field == field {
			if d.Summary == "" {
				t.Errorf("diagnostic on %s has no summary", field)
			}
			return
		}
	}
	t.Fatalf("want an error diagnostic on %q, got %v", field, diags)
}

func lifecycle(t *testing.T, f Fixture, info *provider.Info) {
	ctx := context.Background()
	ref := provider.NodeRef{NodeID: NewNodeID(), NodeNo: 1, VCID: NewNodeID(), UnitName: "conformance", FixedIP: f.FixedIP}
	req := provider.NodeRequest{Env: f.Env, Node: ref, Spec: f.Spec}
	if pf, ok := f.Provider.(provider.Preflighter); ok && info.Has(provider.CapPreflight) {
		res, err := pf.Preflight(ctx, provider.PreflightRequest{Env: f.Env, Nodes: []provider.NodeRef{ref}, Spec: f.Spec})
		if err != nil || res.Diagnostics.HasError() {
			t.Fatalf("Preflight of a valid node: err=%v diags=%v", err, res.Diagnostics)
		}
	}
	created, err := f.Provider.CreateNode(ctx, req)
	if err != nil {
		t.Fatalf("CreateNode: %v", err)
	}
	t.Cleanup(func() { _ = f.Provider.DeleteNode(context.Background(), req) })
	if created.CloudInstanceID == "" || created.NodeID != ref.NodeID {
		t.Fatalf("CreateNode returned %+v: want the node id and a cloud instance id", created)
	}
	again, err := f.Provider.CreateNode(ctx, req)
	if err != nil {
		t.Fatalf("repeated CreateNode: %v", err)
	}
	if again.CloudInstanceID != created.CloudInstanceID {
		t.Fatalf("repeated CreateNode made a second instance: %s then %s", created.CloudInstanceID, again.CloudInstanceID)
	}
	req.Node.CloudInstanceID = created.CloudInstanceID
	req.Node.CloudInstanceName = created.CloudInstanceName

	st := describe(t, f, req.Node, false)
	if st == nil || st.State == provider.InstanceNotFound {
		t.Fatalf("created node not found by DescribeNodes")
	}
	if info.Has(provider.CapTags) && (st.Tags[provider.TagNodeID] != ref.NodeID || st.Tags[provider.TagControllerID] != f.Env.ControllerID) {
		t.Errorf("instance tags %v lack %s/%s", st.Tags, provider.TagControllerID, provider.TagNodeID)
	}
	if info.Has(provider.CapListByController) {
		got, err := f.Provider.DescribeNodes(ctx, provider.DescribeRequest{Env: f.Env, AllOfController: true, Spec: f.Spec})
		if err != nil || find(got, ref.NodeID) == nil {
			t.Errorf("AllOfController describe misses the node: err=%v", err)
		}
	}

	if info.Has(provider.CapPower) {
		if _, err := f.Provider.PowerOff(ctx, req); err != nil {
			t.Fatalf("PowerOff: %v", err)
		}
		waitState(t, f, req.Node, provider.InstanceStopped)
		if _, err := f.Provider.PowerOn(ctx, req); err != nil {
			t.Fatalf("PowerOn: %v", err)
		}
		waitState(t, f, req.Node, provider.InstanceRunning)
	} else {
		_, err := f.Provider.PowerOff(ctx, req)
		var de *provider.DiagnosticsError
		if !errors.As(err, &de) || !de.HasCode(provider.CodeUnsupported) {
			t.Errorf("PowerOff without the power capability: want an %q diagnostic, got %v", provider.CodeUnsupported, err)
		}
	}

	if err := f.Provider.DeleteNode(ctx, req); err != nil {
		t.Fatalf("DeleteNode: %v", err)
	}
	if err := f.Provider.DeleteNode(ctx, req); err != nil {
		t.Fatalf("second DeleteNode must succeed, got %v", err)
	}
	waitState(t, f, req.Node, provider.InstanceNotFound)
}

func describe(t *testing.T, f Fixture, ref provider.NodeRef, stateOnly bool) *provider.NodeStatus {
	t.Helper()
	got, err := f.Provider.DescribeNodes(context.Background(), provider.DescribeRequest{Env: f.Env, Nodes: []provider.NodeRef{ref}, Spec: f.Spec, StateOnly: stateOnly})
	if err != nil {
		t.Fatalf("DescribeNodes (state only %v): %v", stateOnly, err)
	}
	return find(got, ref.NodeID)
}

// waitState polls DescribeNodes as the host's poller does (state only)
// until the node reaches want (a missing entry counts as not found), then
// checks that a full describe agrees.
func waitState(t *testing.T, f Fixture, ref provider.NodeRef, want provider.InstanceState) {
	t.Helper()
	state := func(stateOnly bool) provider.InstanceState {
		if st := describe(t, f, ref, stateOnly); st != nil {
			return st.State
		}
		return provider.InstanceNotFound
	}
	deadline := time.Now().Add(f.Timeout)
	var last provider.InstanceState
	for time.Now().Before(deadline) {
		if last = state(true); last == want {
			if full := state(false); full != want {
				t.Fatalf("node %s: a state-only describe says %q, a full one %q", ref.NodeID, want, full)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node %s: state %q, want %q within %v", ref.NodeID, last, want, f.Timeout)
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
