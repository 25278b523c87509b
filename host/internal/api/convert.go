package api

import (
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/sdk"
)

func vcOut(vc *model.VC) sdk.VC {
	return sdk.VC{VCID: vc.VCID, VCNo: vc.VCNo, Name: vc.Name, Type: vc.Type, Owner: vc.Owner, State: string(vc.State), Created: vc.Created}
}

func vcViewOut(v *controller.VCView) sdk.VC {
	out := vcOut(v.VC)
	out.Units = make([]sdk.Unit, 0, len(v.Units))
	for _, u := range v.Units {
		out.Units = append(out.Units, unitOut(&u))
	}
	return out
}

func unitOut(v *controller.UnitView) sdk.Unit {
	u := v.Unit
	return sdk.Unit{
		VCID: u.VCID, Name: u.Name, Provider: u.Provider, Flavor: u.Flavor, CatalogEntry: u.CatalogEntry,
		State: string(u.State), LastError: u.LastError, Spec: u.Spec, Created: u.Created, Nodes: nodesOut(v.Nodes, v.Disks),
		Operations: v.OpenOps,
	}
}

// nodesOut converts nodes with their disk facts (nil: none known).
func nodesOut(nodes []*model.Node, facts map[string]controller.DiskFacts) []sdk.Node {
	out := make([]sdk.Node, len(nodes))
	for i, n := range nodes {
		out[i] = nodeOut(n, facts[n.NodeID])
	}
	return out
}

func nodeOut(n *model.Node, f controller.DiskFacts) sdk.Node {
	out := sdk.Node{
		NodeID: n.NodeID, NodeNo: n.NodeNo, State: string(n.State), CloudInstanceID: n.CloudInstanceID,
		CloudInstanceAddress: n.CloudInstanceAddress, CloudInstanceName: n.CloudInstanceName, FixedIP: n.FixedIP,
		StateReason: n.StateReason, ErrorSource: string(n.ErrorSource), Watched: !n.Unwatched,
	}
	if d := n.Disk; d != nil {
		out.Disk = &sdk.NodeDisk{SizeGB: d.SizeGB, Zone: d.Zone, Type: d.Type}
		if h := f.Holder; h != nil {
			out.Disk.Device = d.Device
			out.Disk.AttachedTo = &sdk.DiskHolder{VCID: h.VCID, Unit: h.Unit, NodeID: h.NodeID, NodeNo: h.NodeNo, CloudInstanceID: h.CloudInstanceID}
		}
	}
	for _, d := range f.Disks {
		out.Disks = append(out.Disks, sdk.HeldDisk{NodeID: d.NodeID, VCID: d.VCID, Unit: d.Unit, CloudDiskID: d.CloudDiskID, Device: d.Device, Serial: d.Serial})
	}
	return out
}

func opOut(op *model.Operation) sdk.Operation {
	out := sdk.Operation{
		ID: op.ID, Kind: string(op.Kind), State: string(op.State), Error: op.Error, VCID: op.VCID,
		Unit: op.Unit, NodeIDs: op.NodeIDs, Created: op.Created, Updated: op.Updated, Forget: op.Forget,
	}
	for _, f := range op.Forgotten {
		out.Forgotten = append(out.Forgotten, sdk.ForgottenNode(f))
	}
	return out
}

func selectorIn(s sdk.Selector) controller.Selector {
	return controller.Selector{NodeIDs: s.NodeIDs, NodeNos: s.NodeNos, IPAddresses: s.IPAddresses, Num: s.Num}
}
