package oracle

import (
	"context"
	"fmt"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// volumeStates maps OCI's block volume states onto the protocol's: an
// AVAILABLE volume is a running disk, a TERMINATED one is gone.
var volumeStates = map[core.VolumeLifecycleStateEnum]provider.InstanceState{
	core.VolumeLifecycleStateProvisioning: provider.InstancePending,
	core.VolumeLifecycleStateRestoring:    provider.InstancePending,
	core.VolumeLifecycleStateAvailable:    provider.InstanceRunning,
	core.VolumeLifecycleStateTerminating:  provider.InstanceTerminating,
	core.VolumeLifecycleStateTerminated:   provider.InstanceNotFound,
}

func liveVolume(s core.VolumeLifecycleStateEnum) bool {
	return s != core.VolumeLifecycleStateTerminating && s != core.VolumeLifecycleStateTerminated
}

// performance names a volume's VPUs per GB as OCI's console does.
func performance(vpus int64) string {
	switch vpus {
	case 0:
		return "lower_cost"
	case 10:
		return "balanced"
	case 20:
		return "higher_performance"
	}
	return fmt.Sprintf("ultra_high_performance_%d", vpus)
}

// volumeStatus reports a volume; a is the attachment holding it, if any.
func volumeStatus(v core.Volume, a *core.VolumeAttachment) provider.NodeStatus {
	st := provider.NodeStatus{NodeID: tags.NodeID(v.FreeformTags), CloudInstanceID: deref(v.Id), CloudInstanceName: deref(v.DisplayName),
		Tags: undotted(v.FreeformTags)}
	var ok bool
	if st.State, ok = volumeStates[v.LifecycleState]; !ok {
		st.State, st.StateReason = provider.InstanceError, "OCI reports block volume state "+string(v.LifecycleState)
	}
	st.Disk = &provider.DiskStatus{SizeGB: deref(v.SizeInGBs), Zone: deref(v.AvailabilityDomain), Type: performance(deref(v.VpusPerGB))}
	if a != nil {
		st.Disk.AttachedTo, st.Disk.Device = deref((*a).GetInstanceId()), deref((*a).GetDevice())
	}
	return st
}

// listVolumes pages through the compartment's volumes in the catalog's
// AD (OCI filters by name but not by tag: keep filters tags).
func listVolumes(ctx context.Context, c *client, cat *catalog, name string, keep func(core.Volume) bool) ([]core.Volume, error) {
	req := core.ListVolumesRequest{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, Limit: common.Int(1000)}
	if name != "" {
		req.DisplayName = &name
	}
	var out []core.Volume
	for {
		res, err := c.Storage.ListVolumes(ctx, req)
		if err != nil {
			return nil, cloudErr("list the compartment's block volumes", err)
		}
		for _, v := range res.Items {
			if keep(v) {
				out = append(out, v)
			}
		}
		if res.OpcNextPage == nil {
			return out, nil
		}
		req.Page = res.OpcNextPage
	}
}

// findVolume looks up the node's live volume by its tags (and its name);
// nil when there is none. Another controller's volume never counts.
func findVolume(ctx context.Context, c *client, cat *catalog, env provider.CallEnv, node provider.NodeRef) (*core.Volume, error) {
	list, err := listVolumes(ctx, c, cat, node.CloudInstanceName, func(v core.Volume) bool {
		return tags.Owned(v.FreeformTags, env.ControllerID) && tags.NodeID(v.FreeformTags) == node.NodeID && liveVolume(v.LifecycleState)
	})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// holding: an attachment in these states holds its volume.
func holding(a core.VolumeAttachment) bool {
	s := a.GetLifecycleState()
	return s == core.VolumeAttachmentLifecycleStateAttaching || s == core.VolumeAttachmentLifecycleStateAttached ||
		s == core.VolumeAttachmentLifecycleStateDetaching
}

// volumeAttachments pages through the volume attachments of the
// compartment's AD, of one volume or instance if given.
func volumeAttachments(ctx context.Context, c *client, cat *catalog, volumeID, instanceID *string) ([]core.VolumeAttachment, error) {
	req := core.ListVolumeAttachmentsRequest{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, VolumeId: volumeID,
		InstanceId: instanceID, Limit: common.Int(1000)}
	var out []core.VolumeAttachment
	for {
		res, err := c.Compute.ListVolumeAttachments(ctx, req)
		if err != nil {
			return nil, cloudErr("list the compartment's volume attachments", err)
		}
		out = append(out, res.Items...)
		if res.OpcNextPage == nil {
			return out, nil
		}
		req.Page = res.OpcNextPage
	}
}

// holders maps each volume of the compartment's AD (or the one given)
// to the attachment holding it.
func holders(ctx context.Context, c *client, cat *catalog, volumeID *string) (map[string]core.VolumeAttachment, error) {
	list, err := volumeAttachments(ctx, c, cat, volumeID, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]core.VolumeAttachment{}
	for _, a := range list {
		if holding(a) {
			out[deref(a.GetVolumeId())] = a
		}
	}
	return out, nil
}

// consistentDevice is the consistent device path OCI offers for the
// i-th attached volume (/dev/oracleoci/oraclevdb, c, ... z, then aa ...;
// oraclevda is the boot volume), which images supporting consistent
// device paths link to the volume's block device.
func consistentDevice(i int) string {
	if i < 25 {
		return "/dev/oracleoci/oraclevd" + string(rune('b'+i))
	}
	return "/dev/oracleoci/oraclevda" + string(rune('a'+i-25))
}

// attachedDisks lists the volumes attached to the instances (one call:
// the instance's attachments if there is one, the AD's otherwise).
func attachedDisks(ctx context.Context, c *client, cat *catalog, instanceIDs []string) (map[string][]provider.DiskAttachment, error) {
	var only *string
	if len(instanceIDs) == 1 {
		only = &instanceIDs[0]
	}
	list, err := volumeAttachments(ctx, c, cat, nil, only)
	if err != nil {
		return nil, err
	}
	out := map[string][]provider.DiskAttachment{}
	for _, a := range list {
		s := a.GetLifecycleState()
		if s == core.VolumeAttachmentLifecycleStateAttaching || s == core.VolumeAttachmentLifecycleStateAttached {
			in := deref(a.GetInstanceId())
			out[in] = append(out[in], provider.DiskAttachment{CloudDiskID: deref(a.GetVolumeId()), Device: deref(a.GetDevice())})
		}
	}
	return out, nil
}
