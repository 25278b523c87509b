package oracle

import (
	"context"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/provider"
)

// DeleteNode starts the deletion and returns: the cloud's delete takes a
// while, so the plugin declares async_delete and the host confirms the
// server is gone by describing it. A server already gone, or never made,
// is success: the host repeats deletes too.
func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, _, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	id := req.Node.CloudInstanceID
	if id == "" { // the create's answer was lost: delete what it made
		s, err := find(ctx, c, req.Env, req.Node)
		if err != nil || s == nil {
			return err
		}
		id = s.ID
	}
	if err := c.DeleteServer(ctx, id); err != nil && !cloud.IsNotFound(err) { // CLOUD CALL
		return cloudErr("delete server "+id, err)
	}
	return nil
}
