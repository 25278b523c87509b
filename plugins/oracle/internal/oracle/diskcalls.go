package oracle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode makes the node's block volume in the catalog's compartment
// and availability domain, or returns the one an earlier attempt made:
// OCI's opc-retry-token is the node id, and a retry of the host looks the
// node up by its tags first. OCI provisions asynchronously: the volume is
// PROVISIONING (pending) until AVAILABLE (running).
func (p *Disk) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	dc := &diskCatalog{*cat}
	sp, diags := p.Spec(dc, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	if !req.FirstAttempt {
		if v, err := findVolume(ctx, c, cat, req.Env, req.Node); err != nil || v != nil {
			if v == nil {
				return nil, err
			}
			st := volumeStatus(*v, nil)
			return &st, nil
		}
	}
	name := req.Node.CloudInstanceName
	if name == "" {
		name = "vcc-" + req.Node.NodeID
	}
	d := core.CreateVolumeDetails{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, DisplayName: &name,
		SizeInGBs: common.Int64(sp.SizeInGBs), VpusPerGB: common.Int64(sp.VpusPerGB),
		FreeformTags: tags.Dotted(tags.For(req.Env, req.Node, sp.Tags))}
	if sp.Source != "" {
		d.SourceDetails = core.VolumeSourceFromVolumeDetails{Id: &sp.Source}
	}
	token := req.Node.NodeID
	res, err := c.Storage.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: d, OpcRetryToken: &token})
	if ocisdk.HasCode(err, "InvalidatedRetryToken") { // what the token made is purged: made again
		token = req.Node.NodeID + "-again"
		res, err = c.Storage.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: d, OpcRetryToken: &token})
	}
	if err == nil && !liveVolume(res.LifecycleState) {
		// OCI answers a token with what it made for a day, even once
		// deleted: a disk made again launches under a token of its own.
		sum := sha256.Sum256([]byte(req.Node.NodeID + "\x00" + deref(res.Id)))
		token = req.Node.NodeID + "-" + hex.EncodeToString(sum[:8])
		res, err = c.Storage.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: d, OpcRetryToken: &token})
	}
	if err != nil {
		return nil, diskErr("create the block volume", err)
	}
	st := volumeStatus(res.Volume, nil)
	st.NodeID = req.Node.NodeID
	return &st, nil
}

// diskErr is cloudErr, with a source volume OCI cannot find blamed on
// spec.cloud_image.
func diskErr(what string, err error) error {
	if ocisdk.HasCode(err, "RelatedResourceNotAuthorizedOrNotFound") {
		return provider.NotFound("could not %s: the source volume (cloud_image) does not exist or the user may not read it", what).On("spec.cloud_image").Err()
	}
	return cloudErr(what, err)
}

// DescribeNodes lists the controller's volumes in the catalog's AD by
// tag and, unless the host asks for states only, who holds each (one
// ListVolumeAttachments of the compartment's AD).
func (p *Disk) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, n := range req.Nodes {
		asked[n.NodeID] = true
		if n.CloudInstanceID != "" {
			asked[n.CloudInstanceID] = true
		}
	}
	vols, err := listVolumes(ctx, c, cat, "", func(v core.Volume) bool {
		return tags.Owned(v.FreeformTags, req.Env.ControllerID) && (req.AllOfController || asked[tags.NodeID(v.FreeformTags)] || asked[deref(v.Id)])
	})
	if err != nil {
		return nil, err
	}
	var held map[string]core.VolumeAttachment
	if !req.StateOnly && len(vols) > 0 {
		if held, err = holders(ctx, c, cat, nil); err != nil {
			return nil, err
		}
	}
	ans := describe.New(req)
	for _, v := range vols {
		var a *core.VolumeAttachment
		if h, ok := held[deref(v.Id)]; ok {
			a = &h
		}
		if st := volumeStatus(v, a); st.State != provider.InstanceNotFound {
			ans.Add(st)
		}
	}
	return ans.Nodes(), nil
}

// DeleteNode detaches the volume from whatever holds it (the host asks so
// only when none of its nodes does, or the user forced it), waits for the
// detach, and starts the delete: the plugin declares async_delete and the
// host confirms with describes (TERMINATING, then gone). What is gone, or
// was never made, is success.
func (p *Disk) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	id := req.Node.CloudInstanceID
	if id == "" { // the create's answer was lost: delete what it made
		v, err := findVolume(ctx, c, cat, req.Env, req.Node)
		if err != nil || v == nil {
			return err
		}
		id = deref(v.Id)
	}
	if err := detachAll(ctx, c, cat, id); err != nil {
		return err
	}
	_, err = c.Storage.DeleteVolume(ctx, core.DeleteVolumeRequest{VolumeId: &id})
	switch {
	case err == nil, isStatus(err, 404):
		return nil
	case isStatus(err, 409): // already on its way out?
		if v, gerr := c.Storage.GetVolume(ctx, core.GetVolumeRequest{VolumeId: &id}); gerr == nil && !liveVolume(v.LifecycleState) {
			return nil
		}
	}
	return cloudErr("delete block volume "+id, err)
}

// detachAll detaches the volume's attachments and waits until none is
// left: ATTACHED ones are detached, ATTACHING and DETACHING ones waited
// for (OCI refuses to detach what is still attaching).
func detachAll(ctx context.Context, c *client, cat *catalog, volumeID string) error {
	wait := 100 * time.Millisecond
	for {
		held, err := holders(ctx, c, cat, &volumeID)
		if err != nil {
			return err
		}
		a, ok := held[volumeID]
		if !ok {
			return nil
		}
		if a.GetLifecycleState() == core.VolumeAttachmentLifecycleStateAttached {
			_, err := c.Compute.DetachVolume(ctx, core.DetachVolumeRequest{VolumeAttachmentId: a.GetId()})
			if err != nil && !isStatus(err, 404) && !isStatus(err, 409) {
				return cloudErr("detach block volume "+volumeID+" from instance "+deref(a.GetInstanceId()), err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Preflight checks with reads only what would make the create fail: the
// API key and the availability domain, and the volume to clone.
func (p *Disk) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	sp, diags := p.Spec(&diskCatalog{*cat}, req.Spec)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	adErr := checkAD(ctx, c, cat)
	var de *provider.DiagnosticsError
	if errors.As(adErr, &de) && de.HasCode(provider.CodeAuthFailed) {
		return &provider.PreflightResult{Diagnostics: de.Diags}, nil
	}
	checks := []preflight.Check{{Name: "the availability domain", Field: "catalog.oracle_availability_domain", Run: func(context.Context) error {
		return adErr
	}}}
	if sp.Source != "" {
		checks = append(checks, preflight.Check{Name: "the source volume", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			return checkSource(ctx, c, cat, sp)
		}})
	}
	return &provider.PreflightResult{Diagnostics: preflight.Run(ctx, checks...)}, nil
}

// checkSource: the volume to clone exists, is in the AD and no larger
// than the new one.
func checkSource(ctx context.Context, c *client, cat *catalog, sp *diskSpec) error {
	v, err := c.Storage.GetVolume(ctx, core.GetVolumeRequest{VolumeId: &sp.Source})
	switch {
	case isStatus(err, 404):
		return provider.NotFound("block volume %s does not exist (or the user may not read it)", sp.Source).On("spec.cloud_image").Err()
	case err != nil:
		return cloudErr("read block volume "+sp.Source, err)
	case !liveVolume(v.LifecycleState):
		return provider.NotFound("block volume %s is %s", sp.Source, v.LifecycleState).On("spec.cloud_image").Err()
	case deref(v.AvailabilityDomain) != cat.AD:
		return provider.Invalid("block volume %s is in %s, the new volumes in %s: OCI clones within one availability domain", sp.Source, deref(v.AvailabilityDomain), cat.AD).
			On("spec.cloud_image").Err()
	case deref(v.SizeInGBs) > sp.SizeInGBs:
		return provider.Invalid("the clone of a %d GB volume needs size_in_gbs of at least %d, got %d", deref(v.SizeInGBs), deref(v.SizeInGBs), sp.SizeInGBs).
			On("spec.size_in_gbs").Err()
	}
	return nil
}
