package ec2x

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/vccproject/vcc/proto/provider"
)

// Launch describes one instance to start.
type Launch struct {
	NodeID, ControllerID, Name string
	// Image is an AMI id (ami-...) or an AMI name published by one of
	// ImageOwners (default: DefaultImageOwners).
	Image            string
	ImageOwners      []string
	InstanceType     string
	SubnetID         string
	SecurityGroupID  string
	AvailabilityZone string
	FixedIP          string
	VolumeSize       int32
	VolumeType       string
	Tags             map[string]string
	UserData         string
	// Spot, when set, makes it a spot instance.
	Spot *Spot
}

// Spot options, as upstream's spec fields.
type Spot struct {
	Type     string // one-time or persistent
	MaxPrice string // empty: the on-demand price caps it
}

// live filters out instances that are gone.
var live = types.Filter{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped", "shutting-down"}}

// ByNodes finds the live instances tagged with these node ids.
func (c *Client) ByNodes(ctx context.Context, nodeIDs []string) (map[string]types.Instance, error) {
	out := map[string]types.Instance{}
	for start := 0; start < len(nodeIDs); start += 200 {
		batch := nodeIDs[start:min(start+200, len(nodeIDs))]
		err := c.describe(ctx, []types.Filter{{Name: aws.String("tag:" + provider.TagNodeID), Values: batch}, live}, func(in types.Instance) {
			out[tag(in, provider.TagNodeID)] = in
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ByIDs finds the live instances with these ids (a lookup EC2 answers
// faster than a tag filter), keyed by their vcc node tag.
func (c *Client) ByIDs(ctx context.Context, ids []string) (map[string]types.Instance, error) {
	out := map[string]types.Instance{}
	keep := func(in types.Instance) {
		if in.State == nil || in.State.Name != types.InstanceStateNameTerminated {
			out[tag(in, provider.TagNodeID)] = in
		}
	}
	for start := 0; start < len(ids); start += 200 {
		batch := ids[start:min(start+200, len(ids))]
		res, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: batch})
		if notFound(err) {
			// One id is unknown (long gone): ask again by filter, which
			// skips unknown ids.
			err = c.describe(ctx, []types.Filter{{Name: aws.String("instance-id"), Values: batch}, live}, keep)
			if err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, Diagnose(err, "")
		}
		for _, r := range res.Reservations {
			for _, in := range r.Instances {
				keep(in)
			}
		}
	}
	return out, nil
}

// Find looks nodes up: by instance id when the controller knows it, by
// node tag otherwise.
func (c *Client) Find(ctx context.Context, nodes []provider.NodeRef) (map[string]types.Instance, error) {
	var ids, untagged []string
	for _, n := range nodes {
		if n.CloudInstanceID != "" {
			ids = append(ids, n.CloudInstanceID)
		} else {
			untagged = append(untagged, n.NodeID)
		}
	}
	found, err := c.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(untagged) > 0 {
		more, err := c.ByNodes(ctx, untagged)
		if err != nil {
			return nil, err
		}
		for k, v := range more {
			found[k] = v
		}
	}
	return found, nil
}

// ByController finds every live instance tagged with the controller id.
func (c *Client) ByController(ctx context.Context, controllerID string) ([]types.Instance, error) {
	var out []types.Instance
	err := c.describe(ctx, []types.Filter{{Name: aws.String("tag:" + provider.TagControllerID), Values: []string{controllerID}}, live}, func(in types.Instance) {
		out = append(out, in)
	})
	return out, err
}

func (c *Client) describe(ctx context.Context, filters []types.Filter, fn func(types.Instance)) error {
	p := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Diagnose(err, "")
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				fn(in)
			}
		}
	}
	return nil
}

func tag(in types.Instance, key string) string {
	for _, t := range in.Tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// Run starts the instance. The node id is the ClientToken (EC2's own
// idempotency); callers look the node's tag up first as well, since not
// every EC2-compatible endpoint honours ClientToken.
func (c *Client) Run(ctx context.Context, l Launch) (types.Instance, error) {
	ami, root, err := c.ResolveImage(ctx, l.Image, l.ImageOwners)
	if err != nil {
		return types.Instance{}, err
	}
	// l.Tags carries the vcc ids (kit/tags); Name is what the console shows.
	tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(l.Name)}}
	for k, v := range l.Tags {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	in := &ec2.RunInstancesInput{
		ImageId: aws.String(ami), InstanceType: types.InstanceType(l.InstanceType),
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String(l.NodeID),
		SubnetId: aws.String(l.SubnetID), SecurityGroupIds: []string{l.SecurityGroupID},
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(l.UserData))),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: tags},
			{ResourceType: types.ResourceTypeVolume, Tags: tags},
		},
	}
	if l.FixedIP != "" {
		in.PrivateIpAddress = aws.String(l.FixedIP)
	}
	if l.AvailabilityZone != "" {
		in.Placement = &types.Placement{AvailabilityZone: aws.String(l.AvailabilityZone)}
	}
	if l.VolumeSize > 0 && root != "" {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String(root), Ebs: &types.EbsBlockDevice{
			VolumeSize: aws.Int32(l.VolumeSize), VolumeType: types.VolumeType(l.VolumeType), DeleteOnTermination: aws.Bool(true)}}}
	}
	if l.Spot != nil {
		opts := &types.SpotMarketOptions{SpotInstanceType: types.SpotInstanceTypeOneTime, InstanceInterruptionBehavior: types.InstanceInterruptionBehaviorTerminate}
		if l.Spot.Type == "persistent" {
			opts.SpotInstanceType, opts.InstanceInterruptionBehavior = types.SpotInstanceTypePersistent, types.InstanceInterruptionBehaviorStop
		}
		if l.Spot.MaxPrice != "" {
			opts.MaxPrice = aws.String(l.Spot.MaxPrice)
		}
		in.InstanceMarketOptions = &types.InstanceMarketOptionsRequest{MarketType: types.MarketTypeSpot, SpotOptions: opts}
	}
	out, err := c.ec2.RunInstances(ctx, in)
	if err != nil {
		return types.Instance{}, Diagnose(err, "")
	}
	return out.Instances[0], nil
}

// TerminateID ends the instance with this id. A spot instance is looked
// up first, to cancel its persistent request (which would launch a new
// one).
func (c *Client) TerminateID(ctx context.Context, id string, spot bool) error {
	if !spot {
		return c.Terminate(ctx, types.Instance{InstanceId: aws.String(id)})
	}
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if notFound(err) || (err == nil && len(out.Reservations) == 0) {
		return nil
	}
	if err != nil {
		return Diagnose(err, "")
	}
	return c.Terminate(ctx, out.Reservations[0].Instances[0])
}

// Terminate starts ending an instance; an instance already gone is fine.
// A persistent spot request is cancelled first, or AWS would launch a new
// instance. It does not wait: the host confirms the end with one
// DescribeNodes for all of a unit's deleted nodes (capability
// async_delete), which is what keeps 100 deletions from making 100
// pollers.
func (c *Client) Terminate(ctx context.Context, in types.Instance) error {
	id := aws.ToString(in.InstanceId)
	if req := aws.ToString(in.SpotInstanceRequestId); req != "" {
		if _, err := c.ec2.CancelSpotInstanceRequests(ctx, &ec2.CancelSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{req}}); err != nil && !notFound(err) {
			return Diagnose(err, "")
		}
	}
	if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		if notFound(err) {
			return nil
		}
		return Diagnose(err, "")
	}
	return nil
}

// Start and Stop change an instance's power.
func (c *Client) Start(ctx context.Context, id string) error {
	_, err := c.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	return Diagnose(err, "")
}

func (c *Client) Stop(ctx context.Context, id string) error {
	_, err := c.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	return Diagnose(err, "")
}

func (c *Client) Reboot(ctx context.Context, id string) error {
	_, err := c.ec2.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}})
	return Diagnose(err, "")
}

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func notFound(err error) bool { return strings.HasSuffix(code(err), ".NotFound") }

// Status reports an instance as vcc sees it. A spot instance reclaimed by
// AWS is an error with the reason.
func Status(in types.Instance) provider.NodeStatus {
	st := provider.NodeStatus{
		NodeID: tag(in, provider.TagNodeID), CloudInstanceID: aws.ToString(in.InstanceId),
		CloudInstanceName: tag(in, "Name"), CloudInstanceAddress: aws.ToString(in.PrivateIpAddress), Tags: map[string]string{},
	}
	for _, t := range in.Tags {
		st.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var name types.InstanceStateName
	if in.State != nil {
		name = in.State.Name
	}
	st.State = State(name)
	st.AttachedDisks = attached(in)
	if in.StateReason != nil {
		code := aws.ToString(in.StateReason.Code)
		st.StateReason = aws.ToString(in.StateReason.Message)
		if strings.HasPrefix(code, "Server.SpotInstance") && name != types.InstanceStateNameRunning {
			st.State = provider.InstanceError
			st.StateReason = "spot instance reclaimed by AWS: " + st.StateReason
		}
	}
	return st
}

// attached lists the EBS volumes of an instance besides its root volume,
// with the device AWS attached each as and the name it has under
// /dev/disk/by-id on Nitro instances (NVMe, serial = the id without '-').
func attached(in types.Instance) []provider.DiskAttachment {
	var out []provider.DiskAttachment
	root := aws.ToString(in.RootDeviceName)
	for _, m := range in.BlockDeviceMappings {
		dev := aws.ToString(m.DeviceName)
		if m.Ebs == nil || dev == root || dev == "" {
			continue
		}
		id := aws.ToString(m.Ebs.VolumeId)
		out = append(out, provider.DiskAttachment{CloudDiskID: id, Device: dev,
			Serial: "nvme-Amazon_Elastic_Block_Store_" + strings.Replace(id, "-", "", 1)})
	}
	return out
}

// states maps EC2 instance states to vcc's (a terminated instance is
// gone).
var states = map[types.InstanceStateName]provider.InstanceState{
	types.InstanceStateNamePending:      provider.InstancePending,
	types.InstanceStateNameRunning:      provider.InstanceRunning,
	types.InstanceStateNameStopping:     provider.InstanceStopping,
	types.InstanceStateNameStopped:      provider.InstanceStopped,
	types.InstanceStateNameShuttingDown: provider.InstanceTerminating,
	types.InstanceStateNameTerminated:   provider.InstanceNotFound,
}

// State is an EC2 instance state as vcc sees it; one it does not know is
// an error.
func State(name types.InstanceStateName) provider.InstanceState {
	if st, ok := states[name]; ok {
		return st
	}
	return provider.InstanceError
}

// AttachDisks attaches existing EBS volumes to an instance as /dev/sdf,
// /dev/sdg, ... once it runs. A volume already attached to this instance
// is left as it is, so a retried create attaches nothing twice.
func (c *Client) AttachDisks(ctx context.Context, instanceID string, volumes []string) error {
	if len(volumes) == 0 {
		return nil
	}
	if err := c.waitState(ctx, instanceID, types.InstanceStateNameRunning); err != nil {
		return err
	}
	out, err := c.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: volumes})
	if err != nil {
		return Diagnose(err, "spec.disks")
	}
	attached := map[string]string{}
	for _, v := range out.Volumes {
		for _, a := range v.Attachments {
			attached[aws.ToString(v.VolumeId)] = aws.ToString(a.InstanceId)
		}
	}
	for i, vol := range volumes {
		switch owner := attached[vol]; {
		case owner == instanceID:
			continue
		case owner != "":
			return provider.Diagnostics{{Severity: provider.SeverityError, Field: fmt.Sprintf("spec.disks[%d]", i),
				Summary: fmt.Sprintf("volume %s is attached to %s", vol, owner), Detail: "detach it first, or give another volume"}}.Err()
		}
		device := fmt.Sprintf("/dev/sd%c", 'f'+i)
		if _, err := c.ec2.AttachVolume(ctx, &ec2.AttachVolumeInput{InstanceId: aws.String(instanceID), VolumeId: aws.String(vol), Device: aws.String(device)}); err != nil {
			return Diagnose(err, fmt.Sprintf("spec.disks[%d]", i))
		}
	}
	return nil
}

// waitState polls an instance until it is in want, soon at first, then
// less often; an instance EC2 no longer knows counts as terminated.
func (c *Client) waitState(ctx context.Context, id string, want types.InstanceStateName) error {
	wait := 100 * time.Millisecond
	for {
		out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		gone := notFound(err) || (err == nil && len(out.Reservations) == 0)
		if gone && want == types.InstanceStateNameTerminated {
			return nil
		}
		if err != nil {
			return Diagnose(err, "")
		}
		if len(out.Reservations) > 0 && out.Reservations[0].Instances[0].State.Name == want {
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

// States reports the state of instances by id with DescribeInstanceStatus,
// a far lighter answer than DescribeInstances (no network, volume or tag
// detail: against moto a seventh of the work for 100 instances). An id
// EC2 does not know is left out of the answer.
func (c *Client) States(ctx context.Context, ids []string) (map[string]types.InstanceStateName, error) {
	out := map[string]types.InstanceStateName{}
	for start := 0; start < len(ids); start += 100 { // the call's limit
		batch := ids[start:min(start+100, len(ids))]
		res, err := c.ec2.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: batch, IncludeAllInstances: aws.Bool(true)})
		if notFound(err) || Denied(code(err)) {
			// An unknown id fails the whole batch, and a narrow IAM
			// policy may not allow this call: look the batch up the slow
			// way, which skips unknown ids.
			found, err := c.ByIDs(ctx, batch)
			if err != nil {
				return nil, err
			}
			for _, in := range found {
				out[aws.ToString(in.InstanceId)] = in.State.Name
			}
			continue
		}
		if err != nil {
			return nil, Diagnose(err, "")
		}
		for _, s := range res.InstanceStatuses {
			if s.InstanceState != nil {
				out[aws.ToString(s.InstanceId)] = s.InstanceState.Name
			}
		}
	}
	return out, nil
}
