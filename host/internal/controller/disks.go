package controller

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// Storage units hold disks: the nodes of a disk provider (capability
// "disks"). A compute unit names disks in spec.disks, by the disk node's
// id or by a cloud volume id; the host resolves them to volume ids (what
// the compute plugin attaches) and checks them before anything is made.
// A disk is held by every node of a unit that names it, until the node is
// gone: the holders come from the store, not from the cloud, so a delete
// of a disk can be refused or forced before any cloud call.

const storageType, computeType = "storage", "compute"

var nodeIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// family is what must agree between a node and its disks: the provider
// whose credentials both use (a spot plugin and a disk plugin of one
// cloud share their compute plugin's family).
func family(info *provider.Info) string {
	if info.CredentialsFamily != "" {
		return info.CredentialsFamily
	}
	return info.Name
}

// checkKind refuses a provider in a VC of the other type.
func (c *Controller) checkKind(vc *model.VC, info *provider.Info) error {
	disks := info.Has(provider.CapDisks)
	switch {
	case vc.Type == storageType && !disks:
		return invalid("not a disk provider", FieldError{Field: "provider", Message: fmt.Sprintf(
			"VC %s is a storage UnitGroup: its units hold disks, made by a disk provider (%s), not by %s; create compute units in a compute VC",
			vc.Name, strings.Join(c.diskProviders(), ", "), info.Name)})
	case vc.Type != storageType && disks:
		return invalid("a disk provider in a compute VC", FieldError{Field: "provider", Message: fmt.Sprintf(
			"%s makes disks: create its unit in a storage UnitGroup (create_ugroup(name, ugroup_type='storage')), then attach the disks with a compute spec's disks", info.Name)})
	}
	return nil
}

// diskProviders names the loaded disk providers.
func (c *Controller) diskProviders() []string {
	var out []string
	for _, name := range c.plugins.Names() {
		if info, err := c.plugins.Info(name); err == nil && info.Has(provider.CapDisks) {
			out = append(out, info.Name)
		}
	}
	if len(out) == 0 {
		return []string{"none is installed"}
	}
	return out
}

// refuseAddresses refuses fixed IPs and MACs for a storage unit, as
// upstream does: disks have no address.
func refuseAddresses(fields map[string]bool) error {
	var errs []FieldError
	for _, f := range []string{"spec.ip_addresses", "spec.mac_addresses", "ip_addresses", "mac_addresses"} {
		if fields[f] {
			errs = append(errs, FieldError{Field: f, Message: "a storage unit holds disks, which have no address: remove it (fixed IPs belong to compute units)"})
		}
	}
	if len(errs) > 0 {
		return invalid("fixed addresses in a storage unit", errs...)
	}
	return nil
}

// Holder is a compute node that holds a disk.
type Holder struct {
	VCID, Unit, NodeID string
	NodeNo             int
	CloudInstanceID    string
}

func (h Holder) String() string {
	s := fmt.Sprintf("node %d (%s) of unit %s in VC %s", h.NodeNo, h.NodeID, h.Unit, h.VCID)
	if h.CloudInstanceID != "" {
		s += ", instance " + h.CloudInstanceID
	}
	return s
}

// holders maps cloud volume ids to the nodes holding them: every node of
// a unit whose spec names the volume, DELETING ones included (the volume
// is attached until the instance is gone).
func holders(tx store.Tx) (map[string]Holder, error) {
	out := map[string]Holder{}
	vcs, err := tx.VCs()
	if err != nil {
		return nil, err
	}
	for _, vc := range vcs {
		if vc.Type == storageType {
			continue
		}
		units, err := tx.Units(vc.VCID)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			if len(u.Disks) == 0 {
				continue
			}
			nodes, err := tx.Nodes(u.VCID, u.Name)
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				for _, d := range u.Disks {
					out[d.CloudDiskID] = Holder{VCID: n.VCID, Unit: n.Unit, NodeID: n.NodeID, NodeNo: n.NodeNo, CloudInstanceID: n.CloudInstanceID}
				}
			}
		}
	}
	return out, nil
}

// diskNode is a disk node found for a spec.disks entry.
type diskNode struct {
	node *model.Node
	unit *model.Unit
}

// diskNodes indexes the disk nodes who may see, by node id and volume id.
func diskNodes(tx store.Tx, who *auth.Identity) (map[string]diskNode, error) {
	out := map[string]diskNode{}
	vcs, err := tx.VCs()
	if err != nil {
		return nil, err
	}
	for _, vc := range vcs {
		if vc.Type != storageType || !visible(who, vc) {
			continue
		}
		units, err := tx.Units(vc.VCID)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			nodes, err := tx.Nodes(u.VCID, u.Name)
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				out[n.NodeID] = diskNode{n, u}
				if n.CloudInstanceID != "" {
					out[n.CloudInstanceID] = diskNode{n, u}
				}
			}
		}
	}
	return out, nil
}

// heldDisks lists the held disks among nodes of a storage unit.
func heldDisks(tx store.Tx, nodes []*model.Node) ([]string, error) {
	held, err := holders(tx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range nodes {
		if h, ok := held[n.CloudInstanceID]; ok && n.CloudInstanceID != "" {
			out = append(out, fmt.Sprintf("disk node %d (%s) is attached to %s", n.NodeNo, n.CloudInstanceID, h))
		}
	}
	return out, nil
}

// refuseHeld refuses deleting attached disks unless forced; forced, the
// disk provider detaches each before deleting it.
func refuseHeld(tx store.Tx, vc *model.VC, nodes []*model.Node, force bool) error {
	if vc.Type != storageType || force {
		return nil
	}
	held, err := heldDisks(tx, nodes)
	if err != nil || len(held) == 0 {
		return err
	}
	return conflict("attached disks are not deleted: %s; delete those nodes first (their disks stay), or add ?force=true to detach the disks and delete them", strings.Join(held, "; "))
}

// checkVCKind checks, before any plugin call, that the VC takes units of
// this provider.
func (c *Controller) checkVCKind(who *auth.Identity, vcid string, info *provider.Info) error {
	return c.st.View(func(tx store.Tx) error {
		vc, err := loadVC(tx, who, vcid)
		if err != nil {
			return err
		}
		return c.checkKind(vc, info)
	})
}

func invalidStatus(status int, msg string, details ...FieldError) *Error {
	e := invalid(msg, details...)
	e.Status = status
	return e
}

// DiskFacts is what a node's view shows of disks: a disk node's holder, or
// the disks a compute node holds.
type DiskFacts struct {
	Holder *Holder
	Disks  []HeldDisk
}

// HeldDisk is a disk a compute node holds, with the device it was
// attached as.
type HeldDisk struct {
	model.DiskRef
	Device, Serial string
}

// DiskFacts gathers the disk facts of nodes in one read.
func (c *Controller) DiskFacts(nodes []*model.Node) map[string]DiskFacts {
	out := map[string]DiskFacts{}
	_ = c.st.View(func(tx store.Tx) error {
		out = diskFacts(tx, nodes)
		return nil
	})
	return out
}

func diskFacts(tx store.Tx, nodes []*model.Node) map[string]DiskFacts {
	out := map[string]DiskFacts{}
	var held map[string]Holder
	units := map[string]*model.Unit{}
	for _, n := range nodes {
		if n.Disk != nil {
			if held == nil {
				held, _ = holders(tx)
			}
			f := DiskFacts{}
			if h, ok := held[n.CloudInstanceID]; ok && n.CloudInstanceID != "" {
				f.Holder = &h
			}
			out[n.NodeID] = f
			continue
		}
		key := n.VCID + "/" + n.Unit
		u, ok := units[key]
		if !ok {
			u, _ = tx.Unit(n.VCID, n.Unit)
			units[key] = u
		}
		if u == nil || len(u.Disks) == 0 {
			continue
		}
		f := DiskFacts{}
		for _, d := range u.Disks {
			hd := HeldDisk{DiskRef: d}
			for _, a := range n.Attached {
				if a.CloudDiskID == d.CloudDiskID {
					hd.Device, hd.Serial = a.Device, a.Serial
				}
			}
			f.Disks = append(f.Disks, hd)
		}
		out[n.NodeID] = f
	}
	return out
}
