package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/provider"
)

var unitNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// UnitRequest asks for a new unit.
type UnitRequest struct {
	Name     string
	Provider string
	Flavor   string
	Spec     map[string]json.RawMessage
	// Credentials maps credential keys to vault:// references.
	Credentials map[string]string
}

// CreateUnit validates the request (flavor, catalog entry, the plugin's
// ValidateSpec) before any cloud call, then records the unit, its nodes
// (BOOTING) and the operation that creates them.
func (c *Controller) CreateUnit(ctx context.Context, who *auth.Identity, vcid string, req UnitRequest) (*UnitView, *model.Operation, error) {
	if !unitNameRE.MatchString(req.Name) || len(req.Name) > 64 {
		return nil, nil, invalid("bad unit name", FieldError{Field: "unit_name", Message: "must be 1 to 64 letters, digits, '_' or '-'"})
	}
	info, err := c.plugins.Info(req.Provider)
	if err != nil {
		return nil, nil, invalid("unknown provider", FieldError{Field: "provider", Message: err.Error()})
	}
	flavor := req.Flavor
	flavors := c.flavorSet().Resolve(info.Name, info)
	if flavor == "" {
		if _, ok := flavors["default"]; ok {
			flavor = "default"
		}
	}
	r, err := resolveSpec(info, flavor, flavors, req.Spec)
	if err != nil {
		return nil, nil, err
	}
	if r.numNodes < 0 {
		return nil, nil, invalid("negative node count", FieldError{Field: "spec." + r.countField,
			Message: fmt.Sprintf("must be 0 or more, got %d", r.numNodes)})
	}
	if r.numNodes > c.cfg.MaxNodesPerRequest {
		return nil, nil, invalid("too many nodes", FieldError{Field: "spec." + r.countField,
			Message: fmt.Sprintf("must be between 0 and %d per request (add more with PUT afterwards)", c.cfg.MaxNodesPerRequest)})
	}
	if _, hasImage := info.SpecSchema.Lookup("image"); hasImage && c.cfg.Registry != "" && len(r.spec["image"]) == 0 {
		r.spec["image"], _ = json.Marshal(c.cfg.Registry + "/" + basecontainer.DefaultImage)
	}
	if err := c.checkVCKind(who, vcid, info); err != nil {
		return nil, nil, err
	}
	unit := &model.Unit{
		VCID: vcid, Name: req.Name, Provider: info.Name, Flavor: flavor, CatalogEntry: r.catalogEntry,
		Spec: r.json(), State: model.UnitBooting, Created: time.Now().UTC(), NextNodeNo: 1, CredentialUser: who.User,
		CredentialRefs: req.Credentials,
	}
	var asked []string
	_ = json.Unmarshal(r.spec["disks"], &asked)
	if unit.Disks, err = c.resolveDisks(ctx, who, info, asked, r.numNodes); err != nil {
		return nil, nil, err
	}
	if len(unit.Disks) > 0 {
		unit.Spec = withDisks(unit.Spec, unit.Disks)
	}
	if err := c.takeRefs(ctx, info, unit); err != nil {
		return nil, nil, err
	}
	if err := c.checkCredentials(ctx, unit); err != nil {
		return nil, nil, err
	}
	if err := c.validateWithPlugin(ctx, unit); err != nil {
		return nil, nil, err
	}
	draw := c.poolDraw(info, unit.CatalogEntry, "spec.num_nodes", "spec.ip_addresses")
	if err := draw.checkAsked(r.ips); err != nil {
		return nil, nil, err
	}
	if err := c.preflight(ctx, unit, r.ips, r.numNodes); err != nil {
		return nil, nil, err
	}
	var view *UnitView
	var op *model.Operation
	err = c.st.Update(func(tx store.Tx) error {
		vc, err := c.openVC(tx, who, vcid)
		if err != nil {
			return err
		}
		if err := c.checkKind(vc, info); err != nil {
			return err
		}
		if err := stillFree(tx, unit.Disks); err != nil {
			return err
		}
		if _, err := tx.Unit(vcid, req.Name); err == nil {
			return conflict("VC %s already has a unit %q", vcid, req.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		u := *unit
		if draw == nil {
			if err := checkIPsFree(tx, who, &u, r.ips, "spec.ip_addresses"); err != nil {
				return err
			}
		}
		nodes, err := c.addNodes(tx, &u, r.numNodes, r.ips, draw)
		if err != nil {
			return err
		}
		if err := tx.PutUnit(&u); err != nil {
			return err
		}
		view = &UnitView{Unit: &u, Nodes: nodes}
		op, err = c.newOp(tx, who, model.OpCreateNodes, vcid, req.Name, ids(nodes), false)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	c.eng.Submit(op)
	return view, op, nil
}

// validateWithPlugin resolves the unit's catalog entry and has the
// plugin check the spec; no cloud call is made.
func (c *Controller) validateWithPlugin(ctx context.Context, u *model.Unit) error {
	cat := c.Catalog()
	if _, ok := cat.Lookup(u.Provider, u.CatalogEntry); !ok {
		return invalid("unknown catalog entry", FieldError{Field: "spec.private_network",
			Message: fmt.Sprintf("%s has no entry %q for provider %s (entries: %s)", cat.File, u.CatalogEntry, u.Provider, strings.Join(cat.Names(u.Provider), ", "))})
	}
	env, err := c.CallEnv(ctx, u)
	if err != nil {
		return err
	}
	p, err := c.plugins.Provider(u.Provider)
	if err != nil {
		return err
	}
	diags, err := p.ValidateSpec(ctx, env, u.Spec)
	if err != nil {
		return fmt.Errorf("validate spec with plugin %s: %w", u.Provider, err)
	}
	if diags.HasError() {
		return invalid("the spec was refused by provider "+u.Provider, fromDiags(diags)...)
	}
	return nil
}

// openVC loads a VC that accepts changes.
func (c *Controller) openVC(tx store.Tx, who *auth.Identity, vcid string) (*model.VC, error) {
	vc, err := loadVC(tx, who, vcid)
	if err != nil {
		return nil, err
	}
	if vc.Deleting {
		return nil, conflict("VC %s is being deleted", vcid)
	}
	return vc, nil
}

// addNodes records n new BOOTING nodes (or one per fixed IP) in tx; a
// provider that draws from an IP pool gets each node's address leased in
// the same transaction (draw non-nil).
func (c *Controller) addNodes(tx store.Tx, u *model.Unit, n int, ips []string, draw *poolDraw) ([]*model.Node, error) {
	if len(ips) > 0 {
		n = len(ips)
	}
	now := time.Now().UTC()
	nodes := make([]*model.Node, 0, n)
	for i := 0; i < n; i++ {
		node := &model.Node{
			NodeID: model.NewID(), VCID: u.VCID, Unit: u.Name, NodeNo: u.NextNodeNo,
			State: model.NodeBooting, Created: now, Updated: now,
			CloudInstanceName: instanceName(c.id, u.VCID, u.NextNodeNo),
		}
		if len(ips) > 0 {
			node.FixedIP = ips[i]
		}
		u.NextNodeNo++
		nodes = append(nodes, node)
	}
	if draw != nil {
		if err := draw.allocate(tx, nodes, ips); err != nil {
			return nil, err
		}
	}
	for _, node := range nodes {
		if err := tx.PutNode(node); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

// AddNodes adds n nodes (or one per fixed IP) to a unit.
func (c *Controller) AddNodes(ctx context.Context, who *auth.Identity, vcid, unit string, n int, ips []string) ([]*model.Node, *model.Operation, error) {
	if len(ips) > 0 {
		if n != 0 && n != len(ips) {
			return nil, nil, invalid("num_add_nodes and ip_addresses disagree", FieldError{Field: "num_add_nodes",
				Message: fmt.Sprintf("%d nodes asked but %d ip_addresses given; give one or the other", n, len(ips))})
		}
		if err := checkIPs(ips, "ip_addresses"); err != nil {
			return nil, nil, err
		}
		n = len(ips)
	}
	if n < 1 || n > c.cfg.MaxNodesPerRequest {
		return nil, nil, invalid("bad node count", FieldError{Field: "num_add_nodes", Message: fmt.Sprintf("must be between 1 and %d, got %d", c.cfg.MaxNodesPerRequest, n)})
	}
	var u *model.Unit
	if err := c.st.View(func(tx store.Tx) (err error) { u, err = loadUnit(tx, who, vcid, unit); return err }); err != nil {
		return nil, nil, err
	}
	info, err := c.plugins.Info(u.Provider)
	if err != nil {
		return nil, nil, conflict("the provider of unit %s cannot take new nodes now: %v", unit, err)
	}
	if info.Has(provider.CapDisks) {
		if err := refuseAddresses(map[string]bool{"ip_addresses": len(ips) > 0}); err != nil {
			return nil, nil, err
		}
	}
	if len(u.Disks) > 0 {
		if err := c.checkDiskNodeAdd(ctx, who, info, u, n); err != nil {
			return nil, nil, err
		}
	}
	draw := c.poolDraw(info, u.CatalogEntry, "num_add_nodes", "ip_addresses")
	if err := draw.checkAsked(ips); err != nil {
		return nil, nil, err
	}
	if len(ips) > 0 {
		var spec map[string]json.RawMessage
		_ = json.Unmarshal(u.Spec, &spec)
		spec["ip_addresses"], _ = json.Marshal(ips)
		spec["num_nodes"], _ = json.Marshal(n) // the nodes of this request
		check := *u
		check.Spec, _ = json.Marshal(spec)
		if err := c.validateWithPlugin(ctx, &check); err != nil {
			return nil, nil, err
		}
		if err := c.preflight(ctx, &check, ips, n); err != nil {
			return nil, nil, err
		}
	}
	var nodes []*model.Node
	var op *model.Operation
	err = c.st.Update(func(tx store.Tx) error {
		if _, err := c.openVC(tx, who, vcid); err != nil {
			return err
		}
		u, err := loadUnit(tx, who, vcid, unit)
		if err != nil {
			return err
		}
		if u.Deleting {
			return conflict("unit %s is being deleted", unit)
		}
		if err := stillFree(tx, u.Disks); err != nil {
			return err
		}
		if draw == nil {
			if err := checkIPsFree(tx, who, u, ips, "ip_addresses"); err != nil {
				return err
			}
		}
		if nodes, err = c.addNodes(tx, u, n, ips, draw); err != nil {
			return err
		}
		if err := tx.PutUnit(u); err != nil {
			return err
		}
		op, err = c.newOp(tx, who, model.OpCreateNodes, vcid, unit, ids(nodes), false)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	c.eng.Submit(op)
	return nodes, op, nil
}

// DeleteUnit deletes a unit; with nodes left it needs Force.
func (c *Controller) DeleteUnit(_ context.Context, who *auth.Identity, vcid, unit string, opts DeleteOptions) (*model.Operation, error) {
	var op *model.Operation
	err := c.st.Update(func(tx store.Tx) error {
		u, err := loadUnit(tx, who, vcid, unit)
		if err != nil {
			return err
		}
		nodes, err := tx.Nodes(vcid, unit)
		if err != nil {
			return err
		}
		if len(nodes) > 0 && !opts.Force {
			held, err := heldDisks(tx, nodes)
			if err != nil {
				return err
			}
			if len(held) > 0 {
				return conflict("unit %s still has %d disks, some attached: %s; delete those nodes first (their disks stay), or delete the unit with ?force=true to detach and delete every disk", unit, len(nodes), strings.Join(held, "; "))
			}
			return conflict("unit %s still has %d nodes: delete them first, or delete the unit with ?force=true", unit, len(nodes))
		}
		u.Deleting, u.State = true, model.UnitDeleting
		if err := tx.PutUnit(u); err != nil {
			return err
		}
		if err := markDeleting(tx, vcid, unit, nil); err != nil {
			return err
		}
		op, err = c.newOp(tx, who, model.OpDeleteUnit, vcid, unit, ids(nodes), opts.Forget)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.eng.Preempt(vcid, unit, nil) // a delete wins over waits for the unit's nodes
	c.eng.Submit(op)
	return op, nil
}

func ids(nodes []*model.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.NodeID
	}
	return out
}

// errUnsupported is a provider lacking a capability an action needs.
func errUnsupported(info *provider.Info, action string, c provider.Capability) error {
	return badRequest("provider %s cannot %s: it lacks the %q capability (`GET /vcp/v1/occtr/plugins` lists what each provider can do)", info.Name, action, c)
}
