package oracle

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/vccproject/vcc/plugins/oracle/internal/cloud"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/provider"
)

// Power and reboot are optional: this cloud has them, so the plugin
// implements provider.Powerer and provider.Rebooter and declares
// CapPower and CapReboot. For a cloud without them, delete this file and
// the two capabilities: the kit then answers "unsupported" and the host
// refuses those actions with a 400 before any call.

func (p *Provider) PowerOn(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "start", "starting", "running")
}

func (p *Provider) PowerOff(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "stop", "stopping", "stopped")
}

func (p *Provider) Reboot(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return p.act(ctx, req, "reboot", "rebooting")
}

// act asks the cloud for action. A refusal because the server already is
// where the action leads (a repeated call) is success.
func (p *Provider) act(ctx context.Context, req provider.NodeRequest, action string, already ...string) (*provider.NodeStatus, error) {
	c, _, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	id := req.Node.CloudInstanceID
	if id == "" {
		s, err := find(ctx, c, req.Env, req.Node)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, describe.Missing(req.Node, "the cloud")
		}
		id = s.ID
	}
	s, err := c.Act(ctx, id, action) // CLOUD CALL
	var apiErr *cloud.APIError
	switch {
	case cloud.IsNotFound(err):
		return nil, describe.Missing(req.Node, "the cloud")
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict:
		now, gerr := c.GetServer(ctx, id) // CLOUD CALL
		if gerr == nil && slices.Contains(already, now.Status) {
			return statusOf(now), nil
		}
		return nil, cloudErr(action+" server "+id, err)
	case err != nil:
		return nil, cloudErr(action+" server "+id, err)
	}
	return statusOf(s), nil
}
