package ociemu_test

import (
	"context"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
)

func storage(t *testing.T, w *ociemu.World, url string) core.BlockstorageClient {
	t.Helper()
	cp := common.NewRawConfigurationProvider(w.Tenancy(), w.UserOCID, w.Region(), w.Fingerprint, w.PrivateKey, nil)
	b, err := core.NewBlockstorageClientWithConfigurationProvider(cp)
	if err != nil {
		t.Fatal(err)
	}
	b.Host = url
	return b
}

// eventually polls get until it returns want, for up to 5 s.
func eventually[T comparable](t *testing.T, what string, want T, get func() T) {
	t.Helper()
	var got T
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got = get(); got == want {
			return
		}
	}
	t.Fatalf("%s: %v, want %v", what, got, want)
}

// TestVolumeLifecycle: CreateVolume under a retry token (a repeat answers
// the same volume, another body under it is a Conflict), PROVISIONING →
// AVAILABLE, a clone of it, attachments ATTACHING → ATTACHED with their
// device, a volume attached elsewhere refused with Conflict as a device
// in use, a detach DETACHING → DETACHED, a delete refused while attached,
// then TERMINATING → TERMINATED.
func TestVolumeLifecycle(t *testing.T) {
	w, srv := ociemu.Start(t)
	ctx := context.Background()
	bs, c := storage(t, w, srv.URL), sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	details := core.CreateVolumeDetails{CompartmentId: common.String(w.Tenancy()), AvailabilityDomain: common.String(w.ADs()[0]),
		DisplayName: common.String("disk-1"), SizeInGBs: common.Int64(60), FreeformTags: map[string]string{"vcc.node_id": "n1"}}
	token := common.String("n1")
	v, err := bs.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: details, OpcRetryToken: token})
	if err != nil || v.LifecycleState != core.VolumeLifecycleStateProvisioning || *v.SizeInGBs != 60 || *v.VpusPerGB != 10 {
		t.Fatalf("create: %+v %v", v, err)
	}
	again, err := bs.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: details, OpcRetryToken: token})
	if err != nil || *again.Id != *v.Id {
		t.Fatalf("repeated create: %v %v, want %s", again.Id, err, *v.Id)
	}
	other := details
	other.SizeInGBs = common.Int64(70)
	if _, err := bs.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: other, OpcRetryToken: token}); !hasCode(err, 409, "Conflict") {
		t.Errorf("another create under the token: %v", err)
	}
	state := func(id string) func() core.VolumeLifecycleStateEnum {
		return func() core.VolumeLifecycleStateEnum {
			got, err := bs.GetVolume(ctx, core.GetVolumeRequest{VolumeId: &id})
			if err != nil {
				return core.VolumeLifecycleStateEnum("gone: " + err.Error())
			}
			return got.LifecycleState
		}
	}
	eventually(t, "volume", core.VolumeLifecycleStateAvailable, state(*v.Id))

	clone := details
	clone.DisplayName, clone.SizeInGBs = common.String("clone"), nil
	clone.SourceDetails = core.VolumeSourceFromVolumeDetails{Id: v.Id}
	cl, err := bs.CreateVolume(ctx, core.CreateVolumeRequest{CreateVolumeDetails: clone})
	if err != nil || *cl.SizeInGBs != 60 {
		t.Fatalf("clone: %+v %v", cl, err)
	}
	if src, ok := cl.SourceDetails.(core.VolumeSourceFromVolumeDetails); !ok || *src.Id != *v.Id {
		t.Errorf("clone's source %#v", cl.SourceDetails)
	}

	ins := make([]string, 2)
	for i := range ins {
		in, err := c.compute.LaunchInstance(ctx, launch(w, "", "i"+string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		ins[i] = *in.Id
	}
	attach := func(in, vol, dev string) (core.VolumeAttachment, error) {
		res, err := c.compute.AttachVolume(ctx, core.AttachVolumeRequest{AttachVolumeDetails: core.AttachParavirtualizedVolumeDetails{
			InstanceId: &in, VolumeId: &vol, Device: &dev}})
		return res.VolumeAttachment, err
	}
	a, err := attach(ins[0], *v.Id, "/dev/oracleoci/oraclevdb")
	if err != nil || a.GetLifecycleState() != core.VolumeAttachmentLifecycleStateAttaching || *a.GetDevice() != "/dev/oracleoci/oraclevdb" {
		t.Fatalf("attach: %+v %v", a, err)
	}
	attState := func() core.VolumeAttachmentLifecycleStateEnum {
		res, err := c.compute.GetVolumeAttachment(ctx, core.GetVolumeAttachmentRequest{VolumeAttachmentId: a.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetLifecycleState()
	}
	eventually(t, "attachment", core.VolumeAttachmentLifecycleStateAttached, attState)
	if _, err := attach(ins[1], *v.Id, "/dev/oracleoci/oraclevdb"); !hasCode(err, 409, "Conflict") {
		t.Errorf("a volume attached elsewhere: %v", err)
	}
	eventually(t, "clone", core.VolumeLifecycleStateAvailable, state(*cl.Id))
	if _, err := attach(ins[0], *cl.Id, "/dev/oracleoci/oraclevdb"); !hasCode(err, 409, "Conflict") {
		t.Errorf("a device in use: %v", err)
	}
	if _, err := attach(ins[0], *cl.Id, "/dev/sdf"); !hasCode(err, 400, "InvalidParameter") {
		t.Errorf("a device OCI does not offer: %v", err)
	}
	if _, err := bs.DeleteVolume(ctx, core.DeleteVolumeRequest{VolumeId: v.Id}); !hasCode(err, 409, "Conflict") {
		t.Errorf("delete of an attached volume: %v", err)
	}
	if _, err := c.compute.DetachVolume(ctx, core.DetachVolumeRequest{VolumeAttachmentId: a.GetId()}); err != nil {
		t.Fatal(err)
	}
	if got := attState(); got != core.VolumeAttachmentLifecycleStateDetaching {
		t.Errorf("after detach: %s", got)
	}
	eventually(t, "detached", core.VolumeAttachmentLifecycleStateDetached, attState)
	if _, err := bs.DeleteVolume(ctx, core.DeleteVolumeRequest{VolumeId: v.Id}); err != nil {
		t.Fatal(err)
	}
	if got := state(*v.Id)(); got != core.VolumeLifecycleStateTerminating {
		t.Errorf("after delete: %s", got)
	}
	eventually(t, "deleted", core.VolumeLifecycleStateTerminated, state(*v.Id))
}

// TestTerminateDetaches: an instance's volumes (attached at launch with
// their devices) go DETACHING as it terminates and DETACHED once it is.
func TestTerminateDetaches(t *testing.T) {
	w, srv := ociemu.Start(t)
	ctx := context.Background()
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	vol := w.AddVolume(50)
	req := launch(w, "", "t")
	req.LaunchVolumeAttachments = []core.LaunchAttachVolumeDetails{core.LaunchAttachParavirtualizedVolumeDetails{
		VolumeId: &vol, Device: common.String("/dev/oracleoci/oraclevdb")}}
	in, err := c.compute.LaunchInstance(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	states := func() string {
		a := w.VolumeAttachments()
		if len(a) == 0 {
			return "none"
		}
		return a[0].LifecycleState + " " + a[0].Device
	}
	if got := states(); got != "ATTACHING /dev/oracleoci/oraclevdb" {
		t.Errorf("at launch: %s", got)
	}
	waitState(t, c, *in.Id, core.InstanceLifecycleStateRunning)
	eventually(t, "running", "ATTACHED /dev/oracleoci/oraclevdb", states)
	if _, err := c.compute.TerminateInstance(ctx, core.TerminateInstanceRequest{InstanceId: in.Id}); err != nil {
		t.Fatal(err)
	}
	if got := states(); got != "DETACHING /dev/oracleoci/oraclevdb" {
		t.Errorf("terminating: %s", got)
	}
	eventually(t, "terminated", "none", states)
}

func hasCode(err error, status int, c string) bool {
	s, got := code(err)
	return s == status && got == c
}
