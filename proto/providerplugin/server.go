package providerplugin

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/status"

	pb "github.com/vccproject/vcc/proto/internal/pb/providerv1"
	"github.com/vccproject/vcc/proto/provider"
)

// server adapts a provider.Provider to the generated gRPC service.
type server struct {
	impl   provider.Provider
	logger hclog.Logger
}

var _ pb.ProviderServiceServer = (*server)(nil)

// guard runs fn, turning a domain error into diagnostics, a cancellation
// into a gRPC status, and a panic into a diagnostic (so one bad request
// does not take the whole plugin down).
func (s *server) guard(ctx context.Context, fn func() error) (diags []*pb.Diagnostic, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("provider panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			diags, err = diagsToPB(provider.Diagnostics{{
				Severity: provider.SeverityError, Code: provider.CodePluginError,
				Summary: fmt.Sprintf("plugin panicked: %v", r), Detail: "the plugin log has the stack trace",
			}}), nil
		}
	}()
	ferr := fn()
	if ferr == nil {
		return nil, nil
	}
	var de *provider.DiagnosticsError
	if errors.As(ferr, &de) {
		return diagsToPB(de.Diags), nil
	}
	if errors.Is(ferr, context.Canceled) || errors.Is(ferr, context.DeadlineExceeded) || ctx.Err() != nil {
		return nil, status.FromContextError(ferr).Err()
	}
	return diagsToPB(provider.Diagnostics{{Severity: provider.SeverityError, Code: provider.CodePluginError, Summary: ferr.Error()}}), nil
}

func (s *server) GetInfo(ctx context.Context, _ *pb.GetInfoRequest) (*pb.GetInfoResponse, error) {
	info, err := s.impl.GetInfo(ctx)
	if err != nil {
		return nil, status.Errorf(codesFor(ctx), "GetInfo: %v", err)
	}
	info.ProtocolVersion = ProtocolVersion
	return infoToPB(info)
}

func (s *server) ValidateCatalogEntry(ctx context.Context, r *pb.ValidateCatalogEntryRequest) (*pb.ValidateCatalogEntryResponse, error) {
	var found provider.Diagnostics
	diags, err := s.guard(ctx, func() error {
		var err error
		found, err = s.impl.ValidateCatalogEntry(ctx, r.GetEntryName(), r.GetEntry().GetJson())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &pb.ValidateCatalogEntryResponse{Diagnostics: append(diagsToPB(found), diags...)}, nil
}

func (s *server) ValidateSpec(ctx context.Context, r *pb.ValidateSpecRequest) (*pb.ValidateSpecResponse, error) {
	var found provider.Diagnostics
	diags, err := s.guard(ctx, func() error {
		var err error
		found, err = s.impl.ValidateSpec(ctx, envFromPB(r.GetEnv()), r.GetSpec().GetJson())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &pb.ValidateSpecResponse{Diagnostics: append(diagsToPB(found), diags...)}, nil
}

func (s *server) Preflight(ctx context.Context, r *pb.PreflightRequest) (*pb.PreflightResponse, error) {
	pf, ok := s.impl.(provider.Preflighter)
	if !ok {
		// The host asks only plugins with CapPreflight; anyone else
		// learns the plugin has none.
		return &pb.PreflightResponse{Diagnostics: diagsToPB(provider.Diagnostics{{Severity: provider.SeverityError,
			Code: provider.CodeUnsupported, Summary: "this plugin has no preflight"}})}, nil
	}
	req := provider.PreflightRequest{Env: envFromPB(r.GetEnv()), Spec: r.GetSpec().GetJson()}
	for _, n := range r.GetNodes() {
		req.Nodes = append(req.Nodes, nodeRefFromPB(n))
	}
	var res *provider.PreflightResult
	diags, err := s.guard(ctx, func() error {
		var err error
		res, err = pf.Preflight(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &pb.PreflightResponse{Diagnostics: diags}
	if res != nil {
		out.Diagnostics = append(diagsToPB(res.Diagnostics), diags...)
		out.HostKeys = res.HostKeys
	}
	return out, nil
}

func nodeReq(env *pb.CallEnv, node *pb.NodeRef, spec *pb.DynamicValue) provider.NodeRequest {
	return provider.NodeRequest{Env: envFromPB(env), Node: nodeRefFromPB(node), Spec: spec.GetJson()}
}

// nodeCall runs one single-node operation.
func (s *server) nodeCall(ctx context.Context, fn func() (*provider.NodeStatus, error)) (*pb.NodeStatus, []*pb.Diagnostic, error) {
	var st *provider.NodeStatus
	diags, err := s.guard(ctx, func() error {
		var err error
		st, err = fn()
		return err
	})
	return statusToPB(st), diags, err
}

func (s *server) CreateNode(ctx context.Context, r *pb.CreateNodeRequest) (*pb.CreateNodeResponse, error) {
	req := nodeReq(r.GetEnv(), r.GetNode(), r.GetSpec())
	req.FirstAttempt = r.GetFirstAttempt()
	st, diags, err := s.nodeCall(ctx, func() (*provider.NodeStatus, error) { return s.impl.CreateNode(ctx, req) })
	if err != nil {
		return nil, err
	}
	return &pb.CreateNodeResponse{Node: st, Diagnostics: diags}, nil
}

func (s *server) DeleteNode(ctx context.Context, r *pb.DeleteNodeRequest) (*pb.DeleteNodeResponse, error) {
	req := nodeReq(r.GetEnv(), r.GetNode(), r.GetSpec())
	diags, err := s.guard(ctx, func() error { return s.impl.DeleteNode(ctx, req) })
	if err != nil {
		return nil, err
	}
	return &pb.DeleteNodeResponse{Diagnostics: diags}, nil
}

func (s *server) DescribeNodes(ctx context.Context, r *pb.DescribeNodesRequest) (*pb.DescribeNodesResponse, error) {
	req := provider.DescribeRequest{Env: envFromPB(r.GetEnv()), AllOfController: r.GetAllOfController(), StateOnly: r.GetStateOnly(), Spec: r.GetSpec().GetJson()}
	for _, n := range r.GetNodes() {
		req.Nodes = append(req.Nodes, nodeRefFromPB(n))
	}
	var nodes []provider.NodeStatus
	diags, err := s.guard(ctx, func() error {
		var err error
		nodes, err = s.impl.DescribeNodes(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &pb.DescribeNodesResponse{Diagnostics: diags}
	for i := range nodes {
		out.Nodes = append(out.Nodes, statusToPB(&nodes[i]))
	}
	return out, nil
}

func (s *server) PowerOn(ctx context.Context, r *pb.PowerOnRequest) (*pb.PowerOnResponse, error) {
	req := nodeReq(r.GetEnv(), r.GetNode(), r.GetSpec())
	st, diags, err := s.nodeCall(ctx, func() (*provider.NodeStatus, error) {
		pw, ok := s.impl.(provider.Powerer)
		if !ok {
			return nil, s.unsupported(ctx, "power on", provider.CapPower)
		}
		return pw.PowerOn(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return &pb.PowerOnResponse{Node: st, Diagnostics: diags}, nil
}

func (s *server) PowerOff(ctx context.Context, r *pb.PowerOffRequest) (*pb.PowerOffResponse, error) {
	req := nodeReq(r.GetEnv(), r.GetNode(), r.GetSpec())
	st, diags, err := s.nodeCall(ctx, func() (*provider.NodeStatus, error) {
		pw, ok := s.impl.(provider.Powerer)
		if !ok {
			return nil, s.unsupported(ctx, "power off", provider.CapPower)
		}
		return pw.PowerOff(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return &pb.PowerOffResponse{Node: st, Diagnostics: diags}, nil
}

func (s *server) Reboot(ctx context.Context, r *pb.RebootRequest) (*pb.RebootResponse, error) {
	req := nodeReq(r.GetEnv(), r.GetNode(), r.GetSpec())
	st, diags, err := s.nodeCall(ctx, func() (*provider.NodeStatus, error) {
		rb, ok := s.impl.(provider.Rebooter)
		if !ok {
			return nil, s.unsupported(ctx, "reboot", provider.CapReboot)
		}
		return rb.Reboot(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return &pb.RebootResponse{Node: st, Diagnostics: diags}, nil
}

// unsupported is the answer to a call whose optional interface the plugin
// does not implement.
func (s *server) unsupported(ctx context.Context, op string, needs provider.Capability) error {
	name := "this provider"
	if info, err := s.impl.GetInfo(ctx); err == nil {
		name = info.Name
	}
	return provider.UnsupportedError(name, op, needs)
}
