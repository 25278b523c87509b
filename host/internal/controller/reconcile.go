package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/sdk"
)

// group is the nodes of one provider, catalog entry and credential owner
// (different users may hold different cloud accounts).
type group struct{ prov, entry, user string }

// reconciler remembers the last report.
type reconciler struct {
	mu   sync.Mutex
	last *sdk.ReconcileReport
	// vcOf is the VC of every node the last pass looked at, so its
	// report can be shown to each caller in part (ReportFor).
	vcOf map[string]string
	run  sync.Mutex // one pass at a time
}

// LastReconcile is the report of the last pass, whole (for the
// controller's own status; callers get ReportFor), nil before the first.
func (c *Controller) LastReconcile() *sdk.ReconcileReport {
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	return c.rec.last
}

// Reconcile compares the store with what the clouds report. Units with
// an operation under way are left alone. It adopts instances the store
// lacks (a crash between the cloud's answer and the store write), marks
// nodes whose instance vanished out of band HOST_ERROR, follows instances
// stopped out of band, and reports instances tagged with this controller
// that no node owns (orphans), deleting them when deleteOrphans is set.
func (c *Controller) Reconcile(ctx context.Context, deleteOrphans bool) *sdk.ReconcileReport {
	c.rec.run.Lock()
	defer c.rec.run.Unlock()
	rep := &sdk.ReconcileReport{Time: time.Now().UTC(), Adopted: []string{}, Vanished: []string{}, Drifted: []string{},
		Replaced: []string{}, Orphans: []sdk.Orphan{}, Errors: []string{}}
	groups := map[group][]*model.Node{}
	vcOf := map[string]string{}
	err := c.st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(_ *model.VC, u *model.Unit, nodes []*model.Node) error {
			if !c.eng.Busy(u.VCID, u.Name) && !c.eng.Busy(u.VCID, "") {
				k := group{u.Provider, u.CatalogEntry, u.CredentialUser}
				groups[k] = append(groups[k], nodes...)
				for _, n := range nodes {
					vcOf[n.NodeID] = n.VCID
				}
			}
			return nil
		})
	})
	if err != nil {
		rep.Errors = append(rep.Errors, "read store: "+err.Error())
		return c.keep(rep, vcOf)
	}
	// Every catalog entry of a provider that can list by controller and
	// needs no credentials is searched for orphans, used or not.
	cat := c.Catalog()
	for _, name := range c.plugins.Names() {
		info, err := c.plugins.Info(name)
		if err != nil || !info.Has(provider.CapListByController) || needsCredentials(info) {
			continue
		}
		for _, entry := range cat.Names(name) {
			if !groupExists(groups, name, entry) {
				groups[group{name, entry, ""}] = nil
			}
		}
	}
	keys := make([]group, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].prov+"/"+keys[i].entry+"/"+keys[i].user < keys[j].prov+"/"+keys[j].entry+"/"+keys[j].user
	})
	for _, k := range keys {
		if err := c.reconcileGroup(ctx, k, groups[k], deleteOrphans, rep); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s.%s: %v", k.prov, k.entry, err))
		}
	}
	c.replaceLost(ctx, rep)
	for _, o := range rep.Orphans {
		c.log.Warn("orphan instance", "provider", o.Provider, "entry", o.CatalogEntry, "instance", o.CloudInstanceID, "node_id", o.NodeID, "deleted", o.Deleted)
	}
	return c.keep(rep, vcOf)
}

func (c *Controller) keep(rep *sdk.ReconcileReport, vcOf map[string]string) *sdk.ReconcileReport {
	c.rec.mu.Lock()
	c.rec.last, c.rec.vcOf = rep, vcOf
	c.rec.mu.Unlock()
	return rep
}

func (c *Controller) reconcileGroup(ctx context.Context, k group, nodes []*model.Node, deleteOrphans bool, rep *sdk.ReconcileReport) error {
	p, err := c.plugins.Provider(k.prov)
	if err != nil {
		return err
	}
	info, err := c.plugins.Info(k.prov)
	if err != nil {
		return err
	}
	env, err := c.CallEnv(ctx, &model.Unit{Provider: k.prov, CatalogEntry: k.entry, CredentialUser: k.user})
	if err != nil {
		return err
	}
	req := provider.DescribeRequest{Env: env, AllOfController: info.Has(provider.CapListByController)}
	for _, n := range nodes {
		req.Nodes = append(req.Nodes, engine.NodeRef(n))
	}
	got, err := p.DescribeNodes(ctx, req)
	if err != nil {
		return err
	}
	byNode := map[string]*provider.NodeStatus{}
	for i := range got {
		byNode[got[i].NodeID] = &got[i]
	}
	for _, n := range nodes {
		st := byNode[n.NodeID]
		delete(byNode, n.NodeID)
		c.reconcileNode(n, st, k.prov, rep)
	}
	// What is left is tagged with us but not asked for: an orphan unless
	// a node was recorded for it meanwhile (records precede cloud calls).
	for _, st := range byNode {
		if st.State == provider.InstanceNotFound || c.nodeExists(st.NodeID) || reported(rep, st.CloudInstanceID) {
			continue
		}
		o := sdk.Orphan{Provider: k.prov, CatalogEntry: k.entry, NodeID: st.NodeID, CloudInstanceID: st.CloudInstanceID, Address: st.CloudInstanceAddress}
		if deleteOrphans {
			err := p.DeleteNode(ctx, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: st.NodeID, CloudInstanceID: st.CloudInstanceID, CloudInstanceName: st.CloudInstanceName}})
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("delete orphan %s: %v", st.CloudInstanceID, err))
			}
			o.Deleted = err == nil
		}
		rep.Orphans = append(rep.Orphans, o)
	}
	return nil
}

func (c *Controller) nodeExists(id string) bool {
	err := c.st.View(func(tx store.Tx) error { _, err := tx.Node(id); return err })
	return !errors.Is(err, store.ErrNotFound)
}

// drift is where reconcile reports a change it made to a node.
type drift int

const (
	inLine   drift = iota // the record agrees with the cloud: no change
	vanished              // the instance is gone or in error: HOST_ERROR
	drifted               // the instance's state moved outside vcc
	adopted               // an instance the record lacked (a cut create)
)

// decideNode is reconcile's rule for one node: n as read (snapshot), st as
// the cloud reports it (nil: not listed). It returns how the record must
// change (applied in a transaction to the node as it is then) and the list
// that reports it. agentReady tells whether a node may be RUNNING as far
// as its agent goes (true when liveness does not apply to it).
func decideNode(n *model.Node, st *provider.NodeStatus, prov string, agentReady func(*model.Node) bool) (func(*model.Node) error, drift) {
	var change func(*model.Node) error
	var list drift
	switch {
	case (st == nil || st.State == provider.InstanceNotFound) && n.CloudInstanceID == "" && passing(n.State):
		// No operation will bring it anywhere (its unit has none).
		change = func(n *model.Node) error {
			n.SetError(model.SourceReconcile, fmt.Sprintf("no instance in %s and no operation under way: its create never completed; delete the node or add a new one", prov))
			n.State = model.NodeHostError
			return nil
		}
		list = vanished
	case st == nil || st.State == provider.InstanceNotFound:
		if n.CloudInstanceID == "" || n.State == model.NodeDeleting || n.State == model.NodeHostError {
			return nil, inLine
		}
		change = func(n *model.Node) error {
			n.SetError(model.SourceReconcile, fmt.Sprintf("instance %s no longer exists in %s (deleted outside vcc?); delete the node or add a new one", n.CloudInstanceID, prov))
			n.State = model.NodeHostError
			return nil
		}
		list = vanished
	case st.State == provider.InstanceError && n.State != model.NodeHostError && n.State != model.NodeDeleting:
		reason := st.StateReason
		change = func(n *model.Node) error {
			n.State = model.NodeHostError
			n.SetError(model.SourceReclaim, "the cloud reports the instance in error: "+reason)
			return nil
		}
		list = vanished
	case st.State == provider.InstanceRunning && n.State == model.NodeHostError && n.CloudInstanceID == st.CloudInstanceID &&
		n.ErrorSource == model.SourceReclaim && agentReady(n):
		// Back after an interruption (a persistent spot instance the cloud
		// restarted): only errors the cloud reported (reclaims) are undone here.
		change = func(n *model.Node) error {
			n.State = model.NodeRunning
			n.ClearError()
			return nil
		}
		list = drifted
	case n.CloudInstanceID == "":
		change = func(n *model.Node) error {
			n.CloudInstanceID, n.CloudInstanceAddress = st.CloudInstanceID, st.CloudInstanceAddress
			if st.State == provider.InstanceRunning && n.State == model.NodeBooting && agentReady(n) {
				n.State = model.NodeRunning
			}
			return nil
		}
		list = adopted
	case passing(n.State) && st.State == provider.InstanceRunning && agentReady(n),
		passing(n.State) && st.State == provider.InstanceStopped:
		// Left half-way with no operation under way: what the cloud says.
		to := map[provider.InstanceState]model.NodeState{provider.InstanceRunning: model.NodeRunning, provider.InstanceStopped: model.NodePowerOff}[st.State]
		change = func(n *model.Node) error {
			n.State = to
			n.ClearError()
			return nil
		}
		list = drifted
	case st.State == provider.InstanceStopped && n.State == model.NodeRunning && st.BaseContainer == provider.ContainerExited:
		// An existing server's Base container stopped by itself: the
		// container failed; liveness undoes it when the agent is back.
		change = func(n *model.Node) error {
			// liveness undoes it when the agent is back
			n.State = model.NodeContainerError
			n.SetError(model.SourceLiveness, "the Base container exited outside vcc")
			return nil
		}
		list = drifted
	case st.State == provider.InstanceStopped && n.State == model.NodeRunning:
		change = func(n *model.Node) error {
			n.State = model.NodePowerOff
			n.SetError(model.SourceReconcile, "stopped outside vcc")
			return nil
		}
		list = drifted
	default:
		return nil, inLine
	}
	return change, list
}

// reconcileNode brings one node's record in line with the cloud.
func (c *Controller) reconcileNode(n *model.Node, st *provider.NodeStatus, prov string, rep *sdk.ReconcileReport) {
	change, kind := decideNode(n, st, prov, func(n *model.Node) bool {
		return !c.awaitsAgent(prov, n) || c.cfg.Liveness.Alive(n.NodeID)
	})
	var list *[]string
	switch kind {
	case inLine:
		c.refreshDisk(n, st)
		return
	case vanished:
		list = &rep.Vanished
	case drifted:
		list = &rep.Drifted
	case adopted:
		list = &rep.Adopted
	}
	err := c.st.Update(func(tx store.Tx) error {
		cur, err := tx.Node(n.NodeID)
		if err != nil {
			return err
		}
		if cur.State != n.State || cur.CloudInstanceID != n.CloudInstanceID || c.eng.Busy(n.VCID, n.Unit) {
			return errChanged // someone else moved it, or asked to, since the snapshot
		}
		if err := change(cur); err != nil {
			return err
		}
		cur.Updated = time.Now().UTC()
		return tx.PutNode(cur)
	})
	if err == nil {
		*list = append(*list, n.NodeID)
	} else if !errors.Is(err, errChanged) && !errors.Is(err, store.ErrNotFound) {
		rep.Errors = append(rep.Errors, fmt.Sprintf("node %s: %v", n.NodeID, err))
	}
}

var errChanged = errors.New("node changed meanwhile")

// passing states are those a node is in only while an operation works
// on it.
func passing(s model.NodeState) bool {
	return s == model.NodeBooting || s == model.NodeShuttingDown
}

// replaceLost replaces, in units that ask for it (spec auto_replace), the
// nodes this pass found lost: the node is deleted and a new one added,
// with the same fixed IP if it had one (one from the pool if the lost
// node's came from one).
func (c *Controller) replaceLost(ctx context.Context, rep *sdk.ReconcileReport) {
	for _, id := range rep.Vanished {
		var n *model.Node
		var u *model.Unit
		err := c.st.View(func(tx store.Tx) error {
			var err error
			if n, err = tx.Node(id); err != nil {
				return err
			}
			u, err = tx.Unit(n.VCID, n.Unit)
			return err
		})
		if err != nil {
			continue
		}
		var spec struct {
			AutoReplace bool `json:"auto_replace"`
		}
		if json.Unmarshal(u.Spec, &spec) != nil || !spec.AutoReplace {
			continue
		}
		who := &auth.Identity{User: u.CredentialUser, Role: "super", Privileged: true}
		if _, _, err := c.DeleteNodes(ctx, who, n.VCID, n.Unit, Selector{NodeIDs: []string{id}}, DeleteOptions{}); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("node %s: replace: %v", id, err))
			continue
		}
		var ips []string
		if n.FixedIP != "" && n.IPPool == "" {
			// A pool address stays with the lost node until it is
			// deleted; the new node draws another.
			ips = []string{n.FixedIP}
		}
		if _, _, err := c.AddNodes(ctx, who, n.VCID, n.Unit, 1, ips); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("node %s: replace: %v", id, err))
			continue
		}
		rep.Replaced = append(rep.Replaced, id)
		c.log.Info("replaced a lost node", "vcid", n.VCID, "unit", n.Unit, "node", id)
	}
}

// RunReconciler reconciles now and then every interval until ctx ends.
func (c *Controller) RunReconciler(ctx context.Context, every time.Duration, deleteOrphans bool) {
	c.Reconcile(ctx, deleteOrphans)
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Reconcile(ctx, deleteOrphans)
		}
	}
}

func needsCredentials(info *provider.Info) bool {
	for _, k := range info.CredentialKeys {
		if k.Required {
			return true
		}
	}
	return false
}

func groupExists(groups map[group][]*model.Node, prov, entry string) bool {
	for k := range groups {
		if k.prov == prov && k.entry == entry {
			return true
		}
	}
	return false
}

// reported: two catalog entries may reach the same account.
func reported(rep *sdk.ReconcileReport, instanceID string) bool {
	for _, o := range rep.Orphans {
		if o.CloudInstanceID == instanceID {
			return true
		}
	}
	return false
}

// refreshDisk records what a disk's provider says of it now (its holder
// as the cloud sees it, its size), for a disk node whose record is in
// line otherwise.
func (c *Controller) refreshDisk(n *model.Node, st *provider.NodeStatus) {
	if n.Disk == nil || st == nil || st.Disk == nil || *diskOf(st.Disk) == *n.Disk {
		return
	}
	c.recordDisk(n.NodeID, st.Disk)
}
