package sim

import (
	"context"

	"github.com/vccproject/vcc/proto/provider"
)

// Pooled is the simulator as a cloud without DHCP, like Sakura Cloud's
// private networks: it declares an IP pool file, so the host gives every
// node an address from the pool of its catalog entry, and it refuses a
// node that comes without one. Otherwise it is the simulator, with its
// own name (and so its own data dir and cloud).
type Pooled struct {
	*Provider
	name, poolFile string
}

// NewPooled returns the simulator reporting name and version, drawing
// node addresses from the host's pools in poolFile.
func NewPooled(version, name, poolFile string) *Pooled {
	return &Pooled{Provider: New(version), name: name, poolFile: poolFile}
}

var _ provider.Provider = (*Pooled)(nil)

func (p *Pooled) GetInfo(ctx context.Context) (*provider.Info, error) {
	info, err := p.Provider.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	info.Name, info.IPPoolFile = p.name, p.poolFile
	info.Description = "SIMULATED cloud without DHCP: every node's address comes from the controller's IP pool in " + p.poolFile
	return info, nil
}

func (p *Pooled) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if req.Node.FixedIP == "" {
		d := provider.Errorf("node.fixed_ip", "this simulated cloud has no DHCP: node %s came without an address", req.Node.NodeID)
		d.Detail = "the controller gives every node one from the IP pool in " + p.poolFile + "; is the plugin's Info.IPPoolFile honoured?"
		return nil, provider.Diagnostics{d}.Err()
	}
	return p.Provider.CreateNode(ctx, req)
}
