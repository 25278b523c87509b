package ec2x

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/proto/provider"
)

// NewVolume is what CreateVolume needs for one disk node.
type NewVolume struct {
	NodeID, Name, Zone, Type, Snapshot string
	SizeGB                             int32
	Tags                               map[string]string
}

// CreateVolume makes an EBS volume, idempotent by node id (EC2's client
// token; a caller that may have asked before looks by tag first).
func (c *Client) CreateVolume(ctx context.Context, v NewVolume) (types.Volume, error) {
	in := &ec2.CreateVolumeInput{
		AvailabilityZone: aws.String(v.Zone), VolumeType: types.VolumeType(v.Type), ClientToken: aws.String(v.NodeID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: awsTags(v.Tags, v.Name)}},
	}
	if v.SizeGB > 0 {
		in.Size = aws.Int32(v.SizeGB)
	}
	if v.Snapshot != "" {
		in.SnapshotId = aws.String(v.Snapshot)
	}
	out, err := c.ec2.CreateVolume(ctx, in)
	if err != nil {
		return types.Volume{}, Diagnose(err, "spec.cloud_image")
	}
	return types.Volume{
		VolumeId: out.VolumeId, AvailabilityZone: out.AvailabilityZone, Size: out.Size, State: out.State,
		VolumeType: out.VolumeType, Tags: out.Tags, Attachments: out.Attachments,
	}, nil
}

func awsTags(m map[string]string, name string) []types.Tag {
	out := []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}
	for k, v := range m {
		if k != "Name" {
			out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
	}
	return out
}

// Volumes finds volumes by id, or by a tag's values (key non-empty).
func (c *Client) Volumes(ctx context.Context, ids []string, tagKey string, tagValues []string) ([]types.Volume, error) {
	in := &ec2.DescribeVolumesInput{}
	if len(ids) > 0 {
		in.VolumeIds = ids
	}
	if tagKey != "" {
		in.Filters = []types.Filter{{Name: aws.String("tag:" + tagKey), Values: tagValues}}
	}
	var out []types.Volume
	p := ec2.NewDescribeVolumesPaginator(c.ec2, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if notFound(err) && len(ids) > 0 {
			return c.volumesOneByOne(ctx, ids)
		}
		if err != nil {
			return nil, Diagnose(err, "")
		}
		out = append(out, page.Volumes...)
	}
	return out, nil
}

// volumesOneByOne looks ids up one at a time: one unknown id fails a
// batch, and a gone volume must not hide the others.
func (c *Client) volumesOneByOne(ctx context.Context, ids []string) ([]types.Volume, error) {
	var out []types.Volume
	for _, id := range ids {
		res, err := c.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, Diagnose(err, "")
		}
		out = append(out, res.Volumes...)
	}
	return out, nil
}

// VolumeStatus is a volume as vcc sees it: available and in-use volumes
// are "running" (usable), the disk part says where it is attached.
func VolumeStatus(v types.Volume) provider.NodeStatus {
	st := provider.NodeStatus{CloudInstanceID: aws.ToString(v.VolumeId), Tags: map[string]string{}}
	for _, t := range v.Tags {
		st.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	st.NodeID, st.CloudInstanceName = st.Tags[provider.TagNodeID], st.Tags["Name"]
	switch v.State {
	case types.VolumeStateCreating:
		st.State = provider.InstancePending
	case types.VolumeStateAvailable, types.VolumeStateInUse:
		st.State = provider.InstanceRunning
	case types.VolumeStateDeleting:
		st.State = provider.InstanceTerminating
	case types.VolumeStateDeleted:
		st.State = provider.InstanceNotFound
	default:
		st.State, st.StateReason = provider.InstanceError, fmt.Sprintf("EBS volume state %q", v.State)
	}
	d := &provider.DiskStatus{SizeGB: int64(aws.ToInt32(v.Size)), Zone: aws.ToString(v.AvailabilityZone), Type: string(v.VolumeType)}
	for _, a := range v.Attachments {
		if a.State == types.VolumeAttachmentStateAttached || a.State == types.VolumeAttachmentStateAttaching {
			d.AttachedTo, d.Device = aws.ToString(a.InstanceId), aws.ToString(a.Device)
		}
	}
	st.Disk = d
	return st
}

// DeleteVolume detaches a volume from whatever holds it, waits until it
// is available, and deletes it; a volume that is gone is done.
func (c *Client) DeleteVolume(ctx context.Context, id string) error {
	vols, err := c.Volumes(ctx, []string{id}, "", nil)
	if err != nil {
		return err
	}
	if len(vols) == 0 || vols[0].State == types.VolumeStateDeleted || vols[0].State == types.VolumeStateDeleting {
		return nil
	}
	if len(vols[0].Attachments) > 0 {
		a := vols[0].Attachments[0] // named in full: moto needs the instance
		in := &ec2.DetachVolumeInput{VolumeId: aws.String(id), InstanceId: a.InstanceId, Device: a.Device}
		if _, err := c.ec2.DetachVolume(ctx, in); err != nil && !notFound(err) && code(err) != "IncorrectState" {
			return Diagnose(err, "")
		}
		if err := c.waitVolume(ctx, id, types.VolumeStateAvailable); err != nil {
			return err
		}
	}
	if _, err := c.ec2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}); err != nil && !notFound(err) {
		return Diagnose(err, "")
	}
	return nil
}

// waitVolume polls a volume until it is in want (gone counts as done).
func (c *Client) waitVolume(ctx context.Context, id string, want types.VolumeState) error {
	wait := 100 * time.Millisecond
	for {
		vols, err := c.Volumes(ctx, []string{id}, "", nil)
		if err != nil {
			return err
		}
		if len(vols) == 0 || (vols[0].State == want && len(vols[0].Attachments) == 0) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Zone checks that an availability zone exists in the client's region.
func (c *Client) Zone(ctx context.Context, zone, field string) error {
	out, err := c.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{zone}})
	switch {
	case err == nil && len(out.AvailabilityZones) > 0:
		return nil
	case err == nil || code(err) == "InvalidParameterValue" || notFound(err):
		return provider.NotFound("zone %s is not a zone of the region", zone).On(field).
			Because("set aws_availability_zone to one of the region's zones, like us-east-1a").Err()
	}
	return Diagnose(err, field)
}

// SnapshotSize returns the size (GB) of an EBS snapshot.
func (c *Client) SnapshotSize(ctx context.Context, id, field string) (int32, error) {
	out, err := c.ec2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	if err == nil && len(out.Snapshots) == 0 {
		err = notFoundError("InvalidSnapshot.NotFound", fmt.Sprintf("the snapshot '%s' does not exist", id))
	}
	if err != nil {
		return 0, Diagnose(err, field)
	}
	return aws.ToInt32(out.Snapshots[0].VolumeSize), nil
}
