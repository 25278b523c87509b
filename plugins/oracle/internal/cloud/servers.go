package cloud

import (
	"context"
	"net/http"
	"net/url"
	"sort"
)

// Server is a VM.
type Server struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Address  string            `json:"address"`
	Status   string            `json:"status"`
	Tags     map[string]string `json:"tags"`
	UserData string            `json:"user_data"`
}

// CreateRequest describes a new server.
type CreateRequest struct {
	Name     string            `json:"name"`
	Image    string            `json:"image"`
	Size     string            `json:"size"`
	Network  string            `json:"network"`
	FixedIP  string            `json:"fixed_ip,omitempty"`
	Tags     map[string]string `json:"tags"`
	UserData string            `json:"user_data"`
}

// Status is a server's state alone (the cheap call's answer).
type Status struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// CreateServer starts making a server; it is pending when this returns.
func (c *Client) CreateServer(ctx context.Context, r CreateRequest) (*Server, error) {
	var s Server
	return result(&s, c.do(ctx, http.MethodPost, "/v1/servers", nil, r, &s))
}

// GetServer reads one server.
func (c *Client) GetServer(ctx context.Context, id string) (*Server, error) {
	var s Server
	return result(&s, c.do(ctx, http.MethodGet, "/v1/servers/"+url.PathEscape(id), nil, nil, &s))
}

// ListServers lists the servers that carry every tag given.
func (c *Client) ListServers(ctx context.Context, tags map[string]string) ([]Server, error) {
	q := url.Values{}
	for k, v := range tags {
		q.Add("tag", k+"="+v)
	}
	sort.Strings(q["tag"])
	var out struct{ Servers []Server }
	err := c.do(ctx, http.MethodGet, "/v1/servers", q, nil, &out)
	return out.Servers, err
}

// Statuses reads the states of servers by id; unknown ids are left out.
func (c *Client) Statuses(ctx context.Context, ids []string) ([]Status, error) {
	var out struct{ Statuses []Status }
	err := c.do(ctx, http.MethodGet, "/v1/statuses", url.Values{"id": ids}, nil, &out)
	return out.Statuses, err
}

// DeleteServer starts deleting a server.
func (c *Client) DeleteServer(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/servers/"+url.PathEscape(id), nil, nil, nil)
}

// Act asks for "start", "stop" or "reboot".
func (c *Client) Act(ctx context.Context, id, action string) (*Server, error) {
	var s Server
	return result(&s, c.do(ctx, http.MethodPost, "/v1/servers/"+url.PathEscape(id)+"/actions", nil, map[string]string{"action": action}, &s))
}

// ImageExists reads an image (nil error: it exists).
func (c *Client) ImageExists(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodGet, "/v1/images/"+url.PathEscape(name), nil, nil, nil)
}

// NetworkCIDR reads a network's address range.
func (c *Client) NetworkCIDR(ctx context.Context, id string) (string, error) {
	var n struct{ CIDR string }
	err := c.do(ctx, http.MethodGet, "/v1/networks/"+url.PathEscape(id), nil, nil, &n)
	return n.CIDR, err
}

// result returns v, or nil when the call failed.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
