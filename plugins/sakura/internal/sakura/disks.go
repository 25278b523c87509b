package sakura

import (
	"context"

	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/wait"
	"github.com/vccproject/vcc/proto/provider"
)

// ready waits until the boot disk is available (a copy or an edit done).
func (b *build) ready(ctx context.Context, what string) error {
	id := b.disk.ID
	return wait.For(ctx, what+" ("+id.String()+")", polls, func(ctx context.Context) (bool, string, error) {
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
