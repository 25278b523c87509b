package providerplugin

import (
	"context"
	"encoding/json"

	pb "github.com/vccproject/vcc/proto/internal/pb/providerv1"
	"github.com/vccproject/vcc/proto/provider"
)

// Client is the host side of a plugin: a provider.Provider that forwards
// every call over gRPC. Domain failures come back as
// *provider.DiagnosticsError; transport failures as gRPC status errors.
type Client struct {
	rpc pb.ProviderServiceClient
	// done is closed by go-plugin when the plugin process exits.
	done <-chan struct{}
}

var _ provider.Full = (*Client)(nil)

// Done is closed when the plugin process has exited.
func (c *Client) Done() <-chan struct{} { return c.done }

func (c *Client) GetInfo(ctx context.Context) (*provider.Info, error) {
	r, err := c.rpc.GetInfo(ctx, &pb.GetInfoRequest{HostProtocolVersion: ProtocolVersion})
	if err != nil {
		return nil, err
	}
	return infoFromPB(r)
}

func (c *Client) ValidateCatalogEntry(ctx context.Context, name string, entry json.RawMessage) (provider.Diagnostics, error) {
	r, err := c.rpc.ValidateCatalogEntry(ctx, &pb.ValidateCatalogEntryRequest{EntryName: name, Entry: dyn(entry)})
	if err != nil {
		return nil, err
	}
	return diagsFromPB(r.GetDiagnostics()), nil
}

func (c *Client) ValidateSpec(ctx context.Context, env provider.CallEnv, spec json.RawMessage) (provider.Diagnostics, error) {
	r, err := c.rpc.ValidateSpec(ctx, &pb.ValidateSpecRequest{Env: envToPB(env), Spec: dyn(spec)})
	if err != nil {
		return nil, err
	}
	return diagsFromPB(r.GetDiagnostics()), nil
}

// Preflight asks the plugin to check that req's nodes can be made.
func (c *Client) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	in := &pb.PreflightRequest{Env: envToPB(req.Env), Spec: dyn(req.Spec)}
	for _, n := range req.Nodes {
		in.Nodes = append(in.Nodes, nodeRefToPB(n))
	}
	r, err := c.rpc.Preflight(ctx, in)
	if err != nil {
		return nil, err
	}
	return &provider.PreflightResult{Diagnostics: diagsFromPB(r.GetDiagnostics()), HostKeys: r.GetHostKeys()}, nil
}

// result turns a response's status and diagnostics into Go values.
func result(st *pb.NodeStatus, diags []*pb.Diagnostic, err error) (*provider.NodeStatus, error) {
	if err != nil {
		return nil, err
	}
	if err := diagsFromPB(diags).Err(); err != nil {
		return nil, err
	}
	return statusFromPB(st), nil
}

func (c *Client) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	r, err := c.rpc.CreateNode(ctx, &pb.CreateNodeRequest{Env: envToPB(req.Env), Node: nodeRefToPB(req.Node), Spec: dyn(req.Spec), FirstAttempt: req.FirstAttempt})
	return result(r.GetNode(), r.GetDiagnostics(), err)
}

func (c *Client) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	r, err := c.rpc.DeleteNode(ctx, &pb.DeleteNodeRequest{Env: envToPB(req.Env), Node: nodeRefToPB(req.Node), Spec: dyn(req.Spec)})
	if err != nil {
		return err
	}
	return diagsFromPB(r.GetDiagnostics()).Err()
}

func (c *Client) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	in := &pb.DescribeNodesRequest{Env: envToPB(req.Env), AllOfController: req.AllOfController, StateOnly: req.StateOnly, Spec: dyn(req.Spec)}
	for _, n := range req.Nodes {
		in.Nodes = append(in.Nodes, nodeRefToPB(n))
	}
	r, err := c.rpc.DescribeNodes(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := diagsFromPB(r.GetDiagnostics()).Err(); err != nil {
		return nil, err
	}
	out := make([]provider.NodeStatus, 0, len(r.GetNodes()))
	for _, n := range r.GetNodes() {
		out = append(out, *statusFromPB(n))
	}
	return out, nil
}

func (c *Client) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	r, err := c.rpc.PowerOn(ctx, &pb.PowerOnRequest{Env: envToPB(req.Env), Node: nodeRefToPB(req.Node), Spec: dyn(req.Spec)})
	return result(r.GetNode(), r.GetDiagnostics(), err)
}

func (c *Client) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	r, err := c.rpc.PowerOff(ctx, &pb.PowerOffRequest{Env: envToPB(req.Env), Node: nodeRefToPB(req.Node), Spec: dyn(req.Spec)})
	return result(r.GetNode(), r.GetDiagnostics(), err)
}

func (c *Client) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	r, err := c.rpc.Reboot(ctx, &pb.RebootRequest{Env: envToPB(req.Env), Node: nodeRefToPB(req.Node), Spec: dyn(req.Spec)})
	return result(r.GetNode(), r.GetDiagnostics(), err)
}
