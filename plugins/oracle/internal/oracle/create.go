package oracle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode launches the node's instance, or returns the one an earlier
// attempt launched: OCI's opc-retry-token is the node id, so a repeated
// LaunchInstance answers with the first one's instance, and a retry of the
// host looks the node up by its tags first.
func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, sdiags := p.Spec(cat, req.Spec)
	if err := sdiags.Err(); err != nil {
		return nil, err
	}
	if !req.FirstAttempt {
		if st, err := p.findStatus(ctx, c, cat, req.Env, req.Node); err != nil || st != nil {
			return st, err
		}
	}
	bc, err := basecontainer.Parse(req.Spec)
	if err != nil {
		return nil, provider.Invalid("%v", err).On("spec").Err()
	}
	imageID, err := resolveImage(ctx, c, cat, sp.image())
	if err != nil {
		return nil, err
	}
	details := launchDetails(cat, sp, imageID, req)
	details.Metadata["user_data"] = base64.StdEncoding.EncodeToString([]byte(basecontainer.CloudInit(bc, req.Env, req.Node)))
	token := req.Node.NodeID
	res, err := c.Compute.LaunchInstance(ctx, core.LaunchInstanceRequest{LaunchInstanceDetails: details, OpcRetryToken: &token})
	if ocisdk.HasCode(err, "InvalidatedRetryToken") {
		// What the token made is purged: this node is created again.
		token = req.Node.NodeID + "-again"
		res, err = c.Compute.LaunchInstance(ctx, core.LaunchInstanceRequest{LaunchInstanceDetails: details, OpcRetryToken: &token})
	}
	if err == nil && !live(res.LifecycleState) {
		// OCI answers a token for 24 hours with what it made, even once
		// that is terminated: a node created again (its first instance
		// gone) launches under a token of its own, the same on retries.
		sum := sha256.Sum256([]byte(req.Node.NodeID + "\x00" + deref(res.Id)))
		token = req.Node.NodeID + "-" + hex.EncodeToString(sum[:8])
		res, err = c.Compute.LaunchInstance(ctx, core.LaunchInstanceRequest{LaunchInstanceDetails: details, OpcRetryToken: &token})
	}
	if isStatus(err, 409) && strings.Contains(err.Error(), "retry token") {
		// The token was used with another request (the spec or the
		// controller's address changed since): what it made is the node's.
		if st, ferr := p.findStatus(ctx, c, cat, req.Env, req.Node); ferr != nil || st != nil {
			return st, ferr
		}
	}
	if err != nil {
		return nil, cloudErr("launch the instance", err)
	}
	addr := req.Node.FixedIP
	if len(sp.Disks) > 0 {
		// No address yet: the host then describes the node in full once
		// it runs, which reports its disks with their devices.
		addr = ""
	}
	st := p.statusOf(res.Instance, addr)
	return &st, nil
}

// launchDetails is the LaunchInstance of a node: its name, tags, shape,
// image and boot volume, its VNIC in the catalog's subnet with its fixed
// IP, its disks attached at launch, and preemptible capacity if asked.
func launchDetails(cat *catalog, sp *spec, imageID string, req provider.NodeRequest) core.LaunchInstanceDetails {
	name := req.Node.CloudInstanceName
	if name == "" {
		name = "vcc-" + req.Node.NodeID
	}
	tagged := tags.Dotted(tags.For(req.Env, req.Node, sp.Tags))
	d := core.LaunchInstanceDetails{
		AvailabilityDomain: &cat.AD, CompartmentId: &cat.Compartment, Shape: &sp.Shape, DisplayName: &name,
		FreeformTags:  tagged,
		SourceDetails: core.InstanceSourceViaImageDetails{ImageId: &imageID, BootVolumeSizeInGBs: &sp.BootVolumeGB},
		CreateVnicDetails: &core.CreateVnicDetails{SubnetId: &cat.Subnet, DisplayName: &name, FreeformTags: tagged,
			AssignPublicIp: common.Bool(false)},
		Metadata: map[string]string{},
	}
	if req.Node.FixedIP != "" {
		d.CreateVnicDetails.PrivateIp = &req.Node.FixedIP
	}
	if flexible(sp.Shape) {
		d.ShapeConfig = &core.LaunchInstanceShapeConfigDetails{Ocpus: common.Float32(float32(sp.Ocpus)), MemoryInGBs: common.Float32(float32(sp.MemoryInGBs))}
	}
	if keys := sp.sshKeys(); keys != "" {
		d.Metadata["ssh_authorized_keys"] = keys
	}
	if sp.Preemptible {
		d.PreemptibleInstanceConfig = &core.PreemptibleInstanceConfigDetails{
			PreemptionAction: core.TerminatePreemptionAction{PreserveBootVolume: common.Bool(false)}}
	}
	// The disks are attached as the instance provisions (a volume OCI
	// refuses fails the launch: no instance is left half-equipped), each
	// at a consistent device path the node can rely on.
	for i, vol := range sp.Disks {
		d.LaunchVolumeAttachments = append(d.LaunchVolumeAttachments, core.LaunchAttachParavirtualizedVolumeDetails{
			VolumeId: common.String(vol), DisplayName: common.String(name), Device: common.String(consistentDevice(i))})
	}
	return d
}
