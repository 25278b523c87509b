package openstack

import (
	"context"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// cleanupTimeout bounds the clean-up of a refused create.
const cleanupTimeout = 30 * time.Second

// bootSource: the site's, or the spec's image, on a new volume of
// volume_size GB when it is set.
func (p *Provider) bootSource(ctx context.Context, c *Cloud, b *Build) (BootSource, error) {
	if p.h.boot != nil {
		return p.h.boot(ctx, c, b)
	}
	id, err := c.ImageID(ctx, b.Spec.Image(b.Entry))
	if err != nil {
		return BootSource{}, err
	}
	return BootSource{ImageID: id, VolumeSize: b.Spec.VolumeSize}, nil
}

// blockDevices is Nova's block_device_mapping_v2 for a boot source and
// the disks to attach; nil when the server boots from its image alone.
func blockDevices(b BootSource, disks []string) []servers.BlockDevice {
	var out []servers.BlockDevice
	switch {
	case b.VolumeID != "":
		out = append(out, servers.BlockDevice{BootIndex: 0, UUID: b.VolumeID, SourceType: servers.SourceVolume, DestinationType: servers.DestinationVolume})
	case b.SnapshotID != "":
		out = append(out, servers.BlockDevice{BootIndex: 0, UUID: b.SnapshotID, SourceType: servers.SourceSnapshot,
			DestinationType: servers.DestinationVolume, VolumeSize: b.VolumeSize, DeleteOnTermination: true})
	case b.VolumeSize > 0:
		out = append(out, servers.BlockDevice{BootIndex: 0, UUID: b.ImageID, SourceType: servers.SourceImage,
			DestinationType: servers.DestinationVolume, VolumeSize: b.VolumeSize, DeleteOnTermination: true})
	}
	for _, d := range disks {
		out = append(out, servers.BlockDevice{BootIndex: -1, UUID: d, SourceType: servers.SourceVolume, DestinationType: servers.DestinationVolume})
	}
	return out
}

// imageRef is the server's imageRef: empty when it boots from a volume.
func (b BootSource) imageRef() string {
	if b.VolumeID != "" || b.SnapshotID != "" || b.VolumeSize > 0 {
		return ""
	}
	return b.ImageID
}
