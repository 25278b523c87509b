package sdk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Health checks that the controller answers.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, Prefix+"/health", nil, nil)
}

// Version returns the controller's and plugins' versions.
func (c *Client) Version(ctx context.Context) (*Version, error) {
	var v Version
	return &v, c.do(ctx, http.MethodGet, Prefix+"/version", nil, &v)
}

// Authority tells what the token may do.
func (c *Client) Authority(ctx context.Context) (*Authority, error) {
	var a Authority
	return &a, c.do(ctx, http.MethodGet, Prefix+"/accounts/authority", nil, &a)
}

// Plugins lists the provider plugins.
func (c *Client) Plugins(ctx context.Context) ([]Plugin, error) {
	var out struct{ Plugins []Plugin }
	return out.Plugins, c.do(ctx, http.MethodGet, Prefix+"/plugins", nil, &out)
}

// Flavors lists the flavors of provider (all when empty).
func (c *Client) Flavors(ctx context.Context, provider string) ([]Flavor, error) {
	var out struct{ Flavors []Flavor }
	return out.Flavors, c.do(ctx, http.MethodGet, Prefix+"/flavors?provider="+esc(provider), nil, &out)
}

// IPPools lists the host-managed IP pools: size, use, and who holds
// which address (of the VCs the caller may see).
func (c *Client) IPPools(ctx context.Context) ([]IPPool, error) {
	var out struct{ Pools []IPPool }
	return out.Pools, c.do(ctx, http.MethodGet, Prefix+"/ip_pools", nil, &out)
}

// CreateUnitGroup makes an empty VC.
func (c *Client) CreateUnitGroup(ctx context.Context, name, typ string) (*VC, error) {
	var vc VC
	return &vc, c.do(ctx, http.MethodPost, Prefix+"/vcs", CreateVCRequest{Name: name, Type: typ}, &vc)
}

// ListUnitGroups lists the caller's VCs.
func (c *Client) ListUnitGroups(ctx context.Context) ([]VC, error) {
	return c.FindUnitGroups(ctx, VCFilter{})
}

// VCFilter selects VCs by exact name, state and type (empty: any).
type VCFilter struct {
	Name, State, Type string
}

// FindUnitGroups lists the caller's VCs that match every field of f.
func (c *Client) FindUnitGroups(ctx context.Context, f VCFilter) ([]VC, error) {
	v := url.Values{}
	for k, val := range map[string]string{"name": f.Name, "state": f.State, "type": f.Type} {
		if val != "" {
			v.Set(k, val)
		}
	}
	path := Prefix + "/vcs"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out struct{ VCs []VC }
	return out.VCs, c.do(ctx, http.MethodGet, path, nil, &out)
}

// Provider describes one provider: its spec fields, credential keys,
// flavors and catalog entries.
func (c *Client) Provider(ctx context.Context, name string) (*ProviderInfo, error) {
	var p ProviderInfo
	return &p, c.do(ctx, http.MethodGet, Prefix+"/providers/"+esc(name), nil, &p)
}

// GetUnitGroup returns a VC with its units and nodes.
func (c *Client) GetUnitGroup(ctx context.Context, vcid string) (*VC, error) {
	var vc VC
	return &vc, c.do(ctx, http.MethodGet, Prefix+"/vcs/"+esc(vcid), nil, &vc)
}

// ChangeOwner gives a VC to another existing user (super users only;
// another user's VC needs Privileged). Its units then use the new
// owner's stored credentials.
func (c *Client) ChangeOwner(ctx context.Context, vcid, owner string) (*VC, error) {
	var vc VC
	return &vc, c.do(ctx, http.MethodPatch, Prefix+"/vcs/"+esc(vcid), ChangeOwnerRequest{Owner: owner}, &vc)
}

// RenameUnitGroup gives a VC a new name (upstream's update_ugroup_name).
func (c *Client) RenameUnitGroup(ctx context.Context, vcid, name string) (*VC, error) {
	var vc VC
	return &vc, c.do(ctx, http.MethodPut, Prefix+"/vcs/"+esc(vcid), UpdateVCRequest{Name: name}, &vc)
}

// NodeBackup returns a node's backup document (GET .../{node_id}/backup):
// what re-creates it, as JSON.
func (c *Client) NodeBackup(ctx context.Context, vcid, unit, nodeID string) (*NodeBackup, error) {
	var b NodeBackup
	return &b, c.do(ctx, http.MethodGet, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+"/"+esc(nodeID)+"/backup", nil, &b)
}

// DeleteUnitGroup deletes a VC and everything in it (cleanup). The
// operation is nil when the VC was empty and went at once.
func (c *Client) DeleteUnitGroup(ctx context.Context, vcid string, opts ...DeleteOption) (*Accepted, error) {
	return c.accepted(ctx, http.MethodDelete, Prefix+"/vcs/"+esc(vcid)+query(opts), nil)
}

// CreateUnit adds a unit; its nodes are created asynchronously.
func (c *Client) CreateUnit(ctx context.Context, vcid string, req CreateUnitRequest) (*Accepted, error) {
	req.Spec = withDiskIDs(req.Spec)
	return c.accepted(ctx, http.MethodPost, Prefix+"/vcs/"+esc(vcid), req)
}

// GetUnit returns a unit with its nodes.
func (c *Client) GetUnit(ctx context.Context, vcid, unit string) (*Unit, error) {
	var u Unit
	return &u, c.do(ctx, http.MethodGet, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit), nil, &u)
}

// AddNodes adds nodes by count, or one per fixed IP.
func (c *Client) AddNodes(ctx context.Context, vcid, unit string, req AddNodesRequest) (*Accepted, error) {
	return c.accepted(ctx, http.MethodPut, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit), req)
}

// DeleteNodes deletes the selected nodes of a unit.
func (c *Client) DeleteNodes(ctx context.Context, vcid, unit string, sel Selector, opts ...DeleteOption) (*Accepted, error) {
	return c.accepted(ctx, http.MethodPatch, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+"/delete_nodes"+query(opts), sel)
}

// DeleteNode deletes one node.
func (c *Client) DeleteNode(ctx context.Context, vcid, unit, nodeID string, opts ...DeleteOption) (*Accepted, error) {
	return c.accepted(ctx, http.MethodDelete, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+"/"+esc(nodeID)+query(opts), nil)
}

// DeleteUnit deletes a unit; force also deletes its nodes.
func (c *Client) DeleteUnit(ctx context.Context, vcid, unit string, force bool, opts ...DeleteOption) (*Accepted, error) {
	if force {
		opts = append(opts, func(v url.Values) { v.Set("force", "true") })
	}
	return c.accepted(ctx, http.MethodDelete, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+query(opts), nil)
}

// DeleteOption tunes a delete call.
type DeleteOption func(url.Values)

// Forget makes a delete drop the nodes whose instances cannot be deleted
// (a server gone for good, a closed account, a removed plugin) instead of
// failing; the operation's Forgotten lists them, to clean up by hand.
func Forget() DeleteOption { return func(v url.Values) { v.Set("forget", "true") } }

// Force deletes disks of a storage unit that nodes hold, detaching them
// first (DeleteUnit takes force as its own argument).
func Force() DeleteOption { return func(v url.Values) { v.Set("force", "true") } }

func query(opts []DeleteOption) string {
	v := url.Values{}
	for _, o := range opts {
		o(v)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// PowerOff powers off the selected nodes (all when sel is empty).
func (c *Client) PowerOff(ctx context.Context, vcid, unit string, sel Selector) (*Accepted, error) {
	return c.UnitAction(ctx, vcid, unit, "power_off", sel)
}

// PowerOn powers on the selected nodes (all when sel is empty).
func (c *Client) PowerOn(ctx context.Context, vcid, unit string, sel Selector) (*Accepted, error) {
	return c.UnitAction(ctx, vcid, unit, "power_on", sel)
}

// UnitAction runs any unit action (power_on, power_off, reboot, watch,
// unwatch, clear_processing, delete_nodes, ...).
func (c *Client) UnitAction(ctx context.Context, vcid, unit, action string, sel Selector) (*Accepted, error) {
	return c.accepted(ctx, http.MethodPatch, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+"/"+esc(action), sel)
}

// NodeAction runs an action on one node.
func (c *Client) NodeAction(ctx context.Context, vcid, unit, nodeID, action string) (*Accepted, error) {
	return c.accepted(ctx, http.MethodPatch, Prefix+"/vcs/"+esc(vcid)+"/"+esc(unit)+"/"+esc(nodeID)+"/"+esc(action), nil)
}

func (c *Client) accepted(ctx context.Context, method, path string, in any) (*Accepted, error) {
	var a Accepted
	return &a, c.do(ctx, method, path, in, &a)
}

// Operation returns an operation.
func (c *Client) Operation(ctx context.Context, id string) (*Operation, error) {
	var op Operation
	return &op, c.do(ctx, http.MethodGet, Prefix+"/operations/"+esc(id), nil, &op)
}

// Wait follows an operation (by long polls, not busy polling) until it
// finishes or ctx ends. A failed operation is returned with an error.
func (c *Client) Wait(ctx context.Context, id string) (*Operation, error) {
	for {
		var op Operation
		if err := c.do(ctx, http.MethodGet, Prefix+"/operations/"+esc(id)+"?wait=30s", nil, &op); err != nil {
			return nil, err
		}
		if op.State == "failed" {
			return &op, fmt.Errorf("operation %s (%s) failed: %s", op.ID, op.Kind, op.Error)
		}
		if op.Done() {
			return &op, nil
		}
		select {
		case <-ctx.Done():
			return &op, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Reconcile compares the controller's state with the clouds now.
func (c *Client) Reconcile(ctx context.Context) (*ReconcileReport, error) {
	var r ReconcileReport
	return &r, c.do(ctx, http.MethodPost, Prefix+"/reconcile", nil, &r)
}

// LastReconcile returns the report of the last reconcile pass.
func (c *Client) LastReconcile(ctx context.Context) (*ReconcileReport, error) {
	var r ReconcileReport
	return &r, c.do(ctx, http.MethodGet, Prefix+"/reconcile", nil, &r)
}

// PutCredential stores one of the caller's cloud credentials.
func (c *Client) PutCredential(ctx context.Context, provider, key, value string) error {
	return c.do(ctx, http.MethodPut, Prefix+"/credentials/"+esc(provider)+"/"+esc(key), map[string]string{"value": value}, nil)
}

// Credential reads one of the caller's cloud credentials.
func (c *Client) Credential(ctx context.Context, provider, key string) (string, error) {
	var cr Credential
	return cr.Value, c.do(ctx, http.MethodGet, Prefix+"/credentials/"+esc(provider)+"/"+esc(key), nil, &cr)
}

// Credentials lists the caller's credentials, without values.
func (c *Client) Credentials(ctx context.Context) ([]Credential, error) {
	var out struct{ Credentials []Credential }
	return out.Credentials, c.do(ctx, http.MethodGet, Prefix+"/credentials", nil, &out)
}

// DeleteCredential removes one of the caller's cloud credentials.
func (c *Client) DeleteCredential(ctx context.Context, provider, key string) error {
	return c.do(ctx, http.MethodDelete, Prefix+"/credentials/"+esc(provider)+"/"+esc(key), nil, nil)
}

// withDiskIDs lets spec["disks"] hold a storage unit's nodes ([]Node,
// []*Node, as GetUnit returns them), sent as their node ids, which the
// controller resolves; strings (node ids, cloud volume ids) pass as they
// are.
func withDiskIDs(spec map[string]any) map[string]any {
	var ids []string
	switch v := spec["disks"].(type) {
	case []Node:
		for _, n := range v {
			ids = append(ids, n.NodeID)
		}
	case []*Node:
		for _, n := range v {
			ids = append(ids, n.NodeID)
		}
	default:
		return spec
	}
	out := make(map[string]any, len(spec))
	for k, v := range spec {
		out[k] = v
	}
	out["disks"] = ids
	return out
}
