package sakura

import (
	"context"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"
)

// makeServer makes the server, down, with one NIC on the local switch.
func (b *build) makeServer(ctx context.Context) (*iaas.Server, error) {
	s, err := b.a.server.Create(ctx, b.cat.Zone, &iaas.ServerCreateRequest{
		CPU: b.sp.cores(), MemoryMB: b.sp.Memory * 1024, Commitment: types.Commitments.Standard,
		ConnectedSwitches: []*iaas.ConnectedSwitch{{ID: types.StringID(b.cat.SwitchID), Scope: types.Scopes.User}},
		InterfaceDriver:   types.InterfaceDrivers.VirtIO,
		Name:              b.name(), Description: b.description(), Tags: b.tags,
	})
	return s, cloudErr("create the server", err)
}

func (b *build) description() string {
	return "vcc node " + b.node.NodeID + " of unit " + b.node.UnitName + " (VC " + b.node.VCID + ")"
}

// makeDisk copies the archive into the boot disk, connected to the server;
// the copy runs on in the cloud.
func (b *build) makeDisk(ctx context.Context, img *iaas.Archive) (*iaas.Disk, error) {
	d, err := b.a.disk.Create(ctx, b.cat.Zone, &iaas.DiskCreateRequest{
		DiskPlanID: diskPlanIDs[b.sp.DiskPlan], Connection: types.DiskConnections.VirtIO, SourceArchiveID: img.ID,
		ServerID: b.server.ID, SizeMB: b.sp.DiskSize * 1024, Name: b.name(), Description: b.description(), Tags: b.tags,
	}, nil, types.ID(0))
	return d, cloudErr("create the boot disk from archive "+img.ID.String(), err)
}
