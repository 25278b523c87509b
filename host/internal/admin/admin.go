// Package admin carries the administrator's commands (users, tokens) to
// the identity service: through a unix socket in the data dir while
// vcc-host serve runs (only the socket's owner may connect), or directly
// on the store while it is stopped. Both go through Do.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/knownhosts"
)

// SocketFile is the admin socket's name in the data dir.
const SocketFile = "admin.sock"

// Request is one admin command.
type Request struct {
	Op       string        `json:"op"` // status, nodes, reload, plugins, destroy, users.list, users.add, users.modify, users.delete, token.create, token.list, token.revoke
	Name     string        `json:"name,omitempty"`
	Role     identity.Role `json:"role,omitempty"`
	Force    bool          `json:"force,omitempty"`
	ReadOnly bool          `json:"readonly,omitempty"`
	TTL      time.Duration `json:"ttl,omitempty"`
	Note     string        `json:"note,omitempty"`
	Token    string        `json:"token,omitempty"`
	Accessor string        `json:"accessor,omitempty"`
}

// Response carries a result or an error with its kind.
type Response struct {
	Users  []identity.User    `json:"users,omitempty"`
	User   *identity.User     `json:"user,omitempty"`
	Tokens []identity.Token   `json:"tokens,omitempty"`
	Token  *identity.Token    `json:"token,omitempty"`
	Secret string             `json:"secret,omitempty"`
	Status []Component        `json:"status,omitempty"`
	Nodes  []string           `json:"nodes,omitempty"`
	Hosts  []knownhosts.Entry `json:"hosts,omitempty"`
	// Reload says what a reload did (plugins added, upgraded, removed,
	// refused; configuration warnings).
	Reload []string `json:"reload,omitempty"`
	// Plugins are the running host's plugin statuses (pluginmgr.Status).
	Plugins json.RawMessage `json:"plugins,omitempty"`
	Error   string          `json:"error,omitempty"`
	// Usage marks an error in what was asked (exit code 2), not in doing it.
	Usage bool `json:"usage,omitempty"`
}

// Err returns the response's error, or nil.
func (r Response) Err() error {
	if r.Error == "" {
		return nil
	}
	if r.Usage {
		return UsageError(r.Error)
	}
	return errors.New(r.Error)
}

// UsageError is a mistake in the request.
type UsageError string

func (u UsageError) Error() string { return string(u) }

// Component is one line of `vcc-host status`.
type Component struct {
	Name      string `json:"name"`
	State     string `json:"state"` // RUNNING, DEGRADED or STOPPED
	Detail    string `json:"detail,omitempty"`
	Uptime    string `json:"uptime,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

// Host is what only a running host can answer: its status and a stop.
type Host struct {
	Status func(ctx context.Context) []Component
	Nodes  func() ([]string, error)
	// Reload rescans the plugin dirs and reloads the configuration;
	// force stops removed plugins even while units use them.
	Reload func(ctx context.Context, force bool) ([]string, error)
	// Plugins describes the host's plugins.
	Plugins func() (json.RawMessage, error)
	// Destroy stops the host, which empties its data dir as the last
	// thing it does (in a container, the command asking would be killed
	// with it).
	Destroy func()
}

// Do runs one command against the identity service (and, for a running
// host, h).
func Do(ctx context.Context, svc *identity.Service, h *Host, req Request) Response {
	var out Response
	var err error
	switch req.Op {
	case "status":
		if h == nil {
			return Response{Error: "status needs a running vcc-host"}
		}
		out.Status = h.Status(ctx)
	case "nodes":
		if h == nil {
			return Response{Error: "no vcc-host is running"}
		}
		out.Nodes, err = h.Nodes()
	case "reload":
		if h == nil {
			return Response{Error: "no vcc-host is running"}
		}
		if out.Reload, err = h.Reload(ctx, req.Force); err != nil {
			return Response{Reload: out.Reload, Error: err.Error()} // what was done before the error counts too
		}
	case "plugins":
		if h == nil {
			return Response{Error: "no vcc-host is running"}
		}
		out.Plugins, err = h.Plugins()
	case "destroy":
		if h == nil {
			return Response{Error: "no vcc-host is running"}
		}
		h.Destroy()
	case "hosts.list":
		out.Hosts, err = knownhosts.List(svc.Store())
	case "hosts.forget":
		var found bool
		if found, err = knownhosts.Forget(svc.Store(), req.Name); err == nil && !found {
			return Response{Error: fmt.Sprintf("no host key is pinned for %q (`vcc-host onpremises known-hosts` lists them; give host:port)", req.Name), Usage: true}
		}
	case "users.list":
		out.Users, err = svc.Users(ctx)
	case "users.add":
		out.User, err = svc.AddUser(ctx, req.Name, req.Role)
	case "users.modify":
		out.User, err = svc.ModifyUser(ctx, req.Name, req.Role)
	case "users.delete":
		err = svc.DeleteUser(ctx, req.Name, req.Force)
	case "token.create":
		out.Secret, out.Token, err = svc.CreateToken(ctx, req.Name, identity.TokenOpts{ReadOnly: req.ReadOnly, TTL: req.TTL, Note: req.Note})
	case "token.list":
		if req.Name != "" {
			if _, err = svc.User(ctx, req.Name); err != nil {
				break
			}
		}
		out.Tokens, err = svc.Backend().ListTokens(ctx, req.Name)
	case "token.revoke":
		if req.Accessor != "" {
			err = svc.RevokeAccessor(ctx, req.Accessor)
		} else {
			err = svc.RevokeToken(ctx, req.Token)
		}
	default:
		return Response{Error: fmt.Sprintf("unknown admin operation %q", req.Op), Usage: true}
	}
	if err != nil {
		out = Response{Error: err.Error(), Usage: errors.Is(err, identity.ErrUnknownRole)}
	}
	return out
}
