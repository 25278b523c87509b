package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// resolveDisks turns a compute spec's disks (disk node ids or volume ids)
// into the volumes to attach, checking before anything is made that each
// disk node exists, is available (RUNNING), is of the node's provider
// family, lies in the same zone as the others, and is held by no node
// (the store's holders and, asked now, the cloud's). The zone of the
// node itself is the compute plugin's to check (its Preflight), as only
// it knows where its catalog entry puts the node.
func (c *Controller) resolveDisks(ctx context.Context, who *auth.Identity, info *provider.Info, asked []string, numNodes int) ([]model.DiskRef, error) {
	if len(asked) == 0 {
		return nil, nil
	}
	if !info.Has(provider.CapAttachDisks) {
		return nil, invalid("the provider cannot attach disks", FieldError{Field: "spec.disks",
			Message: fmt.Sprintf("provider %s lacks the %q capability: remove disks, or use a provider that has it (GET /vcp/v1/occtr/plugins)", info.Name, provider.CapAttachDisks)})
	}
	if numNodes > 1 {
		return nil, invalid("disks on more than one node", FieldError{Field: "spec.disks",
			Message: fmt.Sprintf("a disk attaches to one node, but the unit would have %d: make a unit of one node for the disks", numNodes)})
	}
	var refs []model.DiskRef
	var found []diskNode
	var errs []FieldError
	conflicts := false
	err := c.st.View(func(tx store.Tx) error {
		index, err := diskNodes(tx, who)
		if err != nil {
			return err
		}
		held, err := holders(tx)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for i, a := range asked {
			field := fmt.Sprintf("spec.disks[%d]", i)
			dn, ok := index[a]
			ref := model.DiskRef{CloudDiskID: a}
			switch {
			case ok:
				ref = model.DiskRef{NodeID: dn.node.NodeID, VCID: dn.node.VCID, Unit: dn.node.Unit, CloudDiskID: dn.node.CloudInstanceID}
			case nodeIDRE.MatchString(a):
				errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("no disk node %s in your storage UnitGroups (give a disk node's id or a cloud volume id)", a)})
				continue
			}
			if j, dup := seen[ref.CloudDiskID]; dup && ref.CloudDiskID != "" {
				errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("the same disk as spec.disks[%d]", j)})
				continue
			}
			seen[ref.CloudDiskID] = i
			if h, ok := held[ref.CloudDiskID]; ok {
				conflicts = true
				errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("disk %s is attached to %s: delete that node first (its disks stay), or pick another disk", a, h)})
				continue
			}
			if ok {
				if msg := c.diskUnusable(dn, info); msg != "" {
					conflicts = conflicts || dn.node.State != model.NodeRunning
					errs = append(errs, FieldError{Field: field, Message: msg})
					continue
				}
				found = append(found, dn)
			}
			refs = append(refs, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(errs) == 0 {
		errs = c.describeDisks(ctx, found, asked)
		conflicts = len(errs) > 0
	}
	if len(errs) == 0 {
		errs = sameZone(found, asked)
	}
	if len(errs) > 0 {
		e := invalid("the disks cannot be attached", errs...)
		if conflicts {
			e.Status = 409
		}
		return nil, e
	}
	return refs, nil
}

// diskUnusable says why a disk node cannot be attached to a node of info.
func (c *Controller) diskUnusable(dn diskNode, info *provider.Info) string {
	n := dn.node
	if n.State != model.NodeRunning || n.CloudInstanceID == "" {
		return fmt.Sprintf("disk node %d of unit %s is %s, not available (RUNNING): wait for it, or pick another", n.NodeNo, n.Unit, n.State)
	}
	dinfo, err := c.plugins.Info(dn.unit.Provider)
	if err != nil {
		return fmt.Sprintf("the provider of disk node %d (%s) is not loaded: %v", n.NodeNo, dn.unit.Provider, err)
	}
	if family(dinfo) != family(info) {
		return fmt.Sprintf("disk node %d is a %s disk (%s) and cannot be attached to a %s node (%s): use a disk of the same cloud",
			n.NodeNo, dinfo.Name, family(dinfo), info.Name, family(info))
	}
	return ""
}

// describeDisks asks each disk's provider about it now: it must exist and
// be attached to nothing (the store does not see attachments made
// outside vcc). The fresh facts are recorded on the disk nodes.
func (c *Controller) describeDisks(ctx context.Context, found []diskNode, asked []string) []FieldError {
	var errs []FieldError
	for i, dn := range found {
		st, err := c.describeDisk(ctx, dn)
		field := fieldOf(asked, dn)
		switch {
		case err != nil:
			errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("cannot look disk %s up now: %v", dn.node.CloudInstanceID, err)})
		case st == nil || st.State == provider.InstanceNotFound:
			errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("disk %s no longer exists in the cloud: delete its node", dn.node.CloudInstanceID)})
		case st.Disk != nil && st.Disk.AttachedTo != "":
			errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("disk %s is attached to instance %s (outside this request): detach it first, or pick another", dn.node.CloudInstanceID, st.Disk.AttachedTo)})
		}
		if st != nil && st.Disk != nil {
			found[i].node.Disk = diskOf(st.Disk)
			c.recordDisk(dn.node.NodeID, st.Disk)
		}
	}
	return errs
}

func (c *Controller) describeDisk(ctx context.Context, dn diskNode) (*provider.NodeStatus, error) {
	p, err := c.plugins.Provider(dn.unit.Provider)
	if err != nil {
		return nil, err
	}
	env, err := c.CallEnv(ctx, dn.unit)
	if err != nil {
		return nil, err
	}
	got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: env, Nodes: []provider.NodeRef{engine.NodeRef(dn.node)}, Spec: dn.unit.Spec})
	if err != nil {
		return nil, err
	}
	for i := range got {
		if got[i].NodeID == dn.node.NodeID {
			return &got[i], nil
		}
	}
	return nil, nil
}

// recordDisk stores what a disk's provider said of it.
func (c *Controller) recordDisk(nodeID string, d *provider.DiskStatus) {
	_ = c.st.Update(func(tx store.Tx) error {
		n, err := tx.Node(nodeID)
		if err != nil {
			return err
		}
		n.Disk = diskOf(d)
		return tx.PutNode(n)
	})
}

func diskOf(d *provider.DiskStatus) *model.Disk {
	return &model.Disk{SizeGB: d.SizeGB, Zone: d.Zone, Type: d.Type, AttachedTo: d.AttachedTo, Device: d.Device}
}

// sameZone refuses disks of one node in different zones.
func sameZone(found []diskNode, asked []string) []FieldError {
	zones := map[string][]string{}
	for _, dn := range found {
		if dn.node.Disk != nil && dn.node.Disk.Zone != "" {
			zones[dn.node.Disk.Zone] = append(zones[dn.node.Disk.Zone], fieldOf(asked, dn))
		}
	}
	if len(zones) < 2 {
		return nil
	}
	var parts []string
	for z, fs := range zones {
		parts = append(parts, fmt.Sprintf("%s in %s", strings.Join(fs, ", "), z))
	}
	sort.Strings(parts)
	return []FieldError{{Field: "spec.disks", Message: "the disks are in different zones (" + strings.Join(parts, "; ") + "): a node lives in one zone, so all its disks must"}}
}

// fieldOf is the spec.disks entry that named a disk node.
func fieldOf(asked []string, dn diskNode) string {
	for i, a := range asked {
		if a == dn.node.NodeID || a == dn.node.CloudInstanceID {
			return fmt.Sprintf("spec.disks[%d]", i)
		}
	}
	return "spec.disks"
}

// withDisks puts the resolved volume ids into a spec.
func withDisks(spec json.RawMessage, refs []model.DiskRef) json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(spec, &m)
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.CloudDiskID
	}
	m["disks"], _ = json.Marshal(ids)
	out, _ := json.Marshal(m)
	return out
}

// stillFree re-checks, in the transaction that records the nodes, that no
// node took the disks since they were checked.
func stillFree(tx store.Tx, refs []model.DiskRef) error {
	if len(refs) == 0 {
		return nil
	}
	held, err := holders(tx)
	if err != nil {
		return err
	}
	for i, r := range refs {
		if h, ok := held[r.CloudDiskID]; ok {
			return invalidStatus(409, "the disks cannot be attached", FieldError{Field: fmt.Sprintf("spec.disks[%d]", i),
				Message: fmt.Sprintf("disk %s was just attached to %s", r.CloudDiskID, h)})
		}
	}
	return nil
}

// checkDiskNodeAdd admits a node to a unit that holds disks: one node,
// once the unit has none, and the disks checked again as on create.
func (c *Controller) checkDiskNodeAdd(ctx context.Context, who *auth.Identity, info *provider.Info, u *model.Unit, n int) error {
	var count int
	if err := c.st.View(func(tx store.Tx) error {
		nodes, err := tx.Nodes(u.VCID, u.Name)
		count = len(nodes)
		return err
	}); err != nil {
		return err
	}
	if count > 0 || n > 1 {
		return conflict("unit %s attaches disks (%s), and a disk attaches to one node: the unit has %d node(s) and %d more were asked; make another unit for more nodes",
			u.Name, strings.Join(cloudIDs(u.Disks), ", "), count, n)
	}
	_, err := c.resolveDisks(ctx, who, info, cloudIDs(u.Disks), n)
	return err
}

func cloudIDs(refs []model.DiskRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.CloudDiskID
	}
	return out
}
