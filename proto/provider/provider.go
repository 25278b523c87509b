package provider

import (
	"context"
	"encoding/json"
)

// Provider drives one cloud. Implementations keep no state between calls:
// everything a call needs arrives in its request. Every method must honour
// ctx cancellation.
//
// Domain failures are returned as *DiagnosticsError (see Diagnostics.Err);
// any other error is reported to the host as a plugin error.
type Provider interface {
	// GetInfo describes the plugin. It must be cheap: the host calls it at
	// every start and for `vcc-host plugins list`.
	GetInfo(ctx context.Context) (*Info, error)
	// ValidateCatalogEntry checks one VPN-catalog entry without side effects.
	ValidateCatalogEntry(ctx context.Context, name string, entry json.RawMessage) (Diagnostics, error)
	// ValidateSpec checks a unit spec without side effects.
	ValidateSpec(ctx context.Context, env CallEnv, spec json.RawMessage) (Diagnostics, error)
	// CreateNode makes the instance of req.Node, or returns the one that
	// already carries req.Node.NodeID: a retry never makes a second instance.
	CreateNode(ctx context.Context, req NodeRequest) (*NodeStatus, error)
	// DeleteNode removes the instance; deleting what is gone succeeds.
	// With CapAsyncDelete it may return once the deletion has started.
	DeleteNode(ctx context.Context, req NodeRequest) error
	// DescribeNodes reports the requested nodes (state NotFound for those the
	// cloud does not have) and, with AllOfController, every instance tagged
	// with the controller id.
	DescribeNodes(ctx context.Context, req DescribeRequest) ([]NodeStatus, error)
}

// Optional interfaces: a plugin implements one exactly when it declares
// its capability (the conformance suite checks that they agree). The
// gRPC adapter answers "unsupported" for a call whose interface the
// plugin does not implement, so no plugin writes stub methods.

// Powerer is implemented by providers with CapPower.
type Powerer interface {
	PowerOn(ctx context.Context, req NodeRequest) (*NodeStatus, error)
	PowerOff(ctx context.Context, req NodeRequest) (*NodeStatus, error)
}

// Rebooter is implemented by providers with CapReboot.
type Rebooter interface {
	Reboot(ctx context.Context, req NodeRequest) (*NodeStatus, error)
}

// Full is every call of the protocol: what the host's client of a plugin
// offers (it forwards each call, and the plugin answers "unsupported"
// for what it does not implement).
type Full interface {
	Provider
	Powerer
	Rebooter
	Preflighter
}

// Implements lists the capabilities whose optional interface p
// implements.
func Implements(p Provider) []Capability {
	var out []Capability
	if _, ok := p.(Powerer); ok {
		out = append(out, CapPower)
	}
	if _, ok := p.(Rebooter); ok {
		out = append(out, CapReboot)
	}
	if _, ok := p.(Preflighter); ok {
		out = append(out, CapPreflight)
	}
	return out
}

// InterfaceCapabilities are the capabilities bound to an optional
// interface (see Implements).
var InterfaceCapabilities = []Capability{CapPower, CapReboot, CapPreflight}

// NodeRequest is the input of every single-node call.
type NodeRequest struct {
	Env  CallEnv
	Node NodeRef
	// Spec is the unit's spec as JSON, flavor defaults already applied.
	Spec json.RawMessage
	// FirstAttempt (CreateNode only) promises that the host never asked
	// for this node before, so no instance of it exists; when false, a
	// plugin must look for one before creating.
	FirstAttempt bool
}

// DescribeRequest is the input of DescribeNodes.
type DescribeRequest struct {
	Env             CallEnv
	Nodes           []NodeRef
	AllOfController bool
	Spec            json.RawMessage
	// StateOnly: the host is waiting for states to change and needs
	// nothing else; a plugin may leave address, name and tags empty and
	// use its cloud's cheaper status call, but must still report errors
	// (InstanceError with a reason).
	StateOnly bool
}

// PreflightRequest is the input of Preflight.
type PreflightRequest struct {
	Env CallEnv
	// Nodes are the nodes about to be created, fixed IPs set.
	Nodes []NodeRef
	Spec  json.RawMessage
}

// PreflightResult is what a preflight found.
type PreflightResult struct {
	Diagnostics Diagnostics
	// HostKeys are SSH host keys seen on first contact, "address:port" ->
	// authorized_keys line, for the host to pin (trust on first use).
	HostKeys map[string]string
}

// Preflighter is implemented by providers with CapPreflight: before the
// host records a create, it checks that the nodes can be made (hosts
// reachable, logins accepted, ports free), changing nothing. Errors in
// the diagnostics refuse the request.
type Preflighter interface {
	Preflight(ctx context.Context, req PreflightRequest) (*PreflightResult, error)
}
