package sakura

import (
	"context"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/wait"
	"github.com/vccproject/vcc/proto/provider"
)

// ready waits until the boot disk is available (a copy or an edit done).
func (b *build) ready(ctx context.Context, what string) error {
	id := b.disk.ID
	return wait.For(ctx, what+" ("+id.String()+")", polls(), func(ctx context.Context) (bool, string, error) {
		d, err := b.a.disk.Read(ctx, b.cat.Zone, id)
		switch {
		case err != nil:
			return false, "", cloudErr("read disk "+id.String(), err)
		case d.Availability == types.Availabilities.Failed:
			return false, "", provider.Capacity("Sakura Cloud failed %s of disk %s", what, id).Err()
		}
		b.disk = d
		return d.Availability == types.Availabilities.Available, string(d.Availability), nil
	})
}

// attach connects the spec's existing disks the server lacks.
func (b *build) attach(ctx context.Context) error {
	for i, id := range b.sp.Disks {
		if b.connected(types.StringID(id)) {
			continue
		}
		if err := b.a.disk.ConnectToServer(ctx, b.cat.Zone, types.StringID(id), b.server.ID); err != nil {
			d := diagnose("connect disk "+id, err)
			return d.On("spec.disks[" + itoa(i) + "]").Err()
		}
	}
	return nil
}

func (b *build) connected(id types.ID) bool {
	for _, d := range b.server.Disks {
		if d.ID == id {
			return true
		}
	}
	return false
}

// ensureNIC gives a server found without its NIC on the switch one. The
// cloud makes a server and its NICs in one call, the fake in several
// steps that a killed test plugin can cut.
func (b *build) ensureNIC(ctx context.Context) error {
	sw := types.StringID(b.cat.SwitchID)
	if len(b.server.Interfaces) > 0 && b.server.Interfaces[0].SwitchID == sw {
		return nil
	}
	var id types.ID
	if len(b.server.Interfaces) > 0 {
		id = b.server.Interfaces[0].ID
	} else {
		nic, err := b.a.nic.Create(ctx, b.cat.Zone, &iaas.InterfaceCreateRequest{ServerID: b.server.ID})
		if err != nil {
			return cloudErr("add a NIC to server "+b.server.ID.String(), err)
		}
		id = nic.ID
	}
	if err := b.a.nic.ConnectToSwitch(ctx, b.cat.Zone, id, sw); err != nil {
		return cloudErr("connect NIC "+id.String()+" to switch "+b.cat.SwitchID, err)
	}
	s, err := b.a.server.Read(ctx, b.cat.Zone, b.server.ID)
	if err != nil {
		return cloudErr("read server "+b.server.ID.String(), err)
	}
	b.server = s
	return nil
}
