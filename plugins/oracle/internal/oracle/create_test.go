package oracle

import (
	"context"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
)

// TestLaunchDetails: what LaunchInstance gets for a node: its name, tags,
// flex shape size, boot volume, fixed IP on the VNIC, user data with the
// Base container, SSH keys, disks attached at launch at consistent device
// paths; a full describe of the running node reports them.
func TestLaunchDetails(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	vol := w.AddVolume(100)
	req := nodeReq(env(w, srv.URL), `{"shape": "VM.Standard.E4.Flex", "ocpus": 2, "memory_in_gbs": 24, "boot_volume_size_in_gbs": 80,
		"tags": {"team": "a"}, "ssh_public_key": "ssh-ed25519 AAAA user@x", "disks": ["`+vol+`"]}`)
	req.Node.FixedIP = "10.0.1.77"
	st, err := p.CreateNode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// No address yet, though fixed: with disks, the host describes the
	// running node in full, which reports them.
	if st.State != provider.InstancePending || st.CloudInstanceAddress != "" || st.CloudInstanceName != req.Node.CloudInstanceName {
		t.Errorf("create answered %+v", st)
	}
	in := w.Instances()[0]
	ud, _ := base64.StdEncoding.DecodeString(in.Metadata["user_data"])
	switch {
	case in.DisplayName != req.Node.CloudInstanceName:
		t.Errorf("display name %q", in.DisplayName)
	case in.FreeformTags["vcc.node_id"] != req.Node.NodeID || in.FreeformTags["vcc.controller_id"] != req.Env.ControllerID || in.FreeformTags["team"] != "a":
		t.Errorf("tags %v", in.FreeformTags)
	case in.ShapeConfig == nil || in.ShapeConfig.Ocpus != 2 || in.ShapeConfig.MemoryInGBs != 24:
		t.Errorf("shape config %+v", in.ShapeConfig)
	case in.SourceDetails.BootVolumeSizeInGBs != 80 || in.SourceDetails.ImageID != w.ImageID:
		t.Errorf("source %+v, want the newest %s", in.SourceDetails, w.ImageID)
	case !strings.Contains(string(ud), "docker") || in.Metadata["ssh_authorized_keys"] != "ssh-ed25519 AAAA user@x":
		t.Errorf("metadata %v / user data %q", in.Metadata, ud)
	case in.PreemptibleInstanceConfig != nil:
		t.Error("on-demand node launched preemptible")
	}
	if a := w.VolumeAttachments(); len(a) != 1 || a[0].VolumeID != vol || a[0].InstanceID != in.ID || a[0].Device != "/dev/oracleoci/oraclevdb" {
		t.Errorf("volume attachments %+v", a)
	}
	// Its full describe has the VNIC's address once running.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: req.Env, Nodes: []provider.NodeRef{req.Node}})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].State == provider.InstanceRunning {
			if got[0].CloudInstanceAddress != "10.0.1.77" {
				t.Errorf("address %q", got[0].CloudInstanceAddress)
			}
			if want := []provider.DiskAttachment{{CloudDiskID: vol, Device: "/dev/oracleoci/oraclevdb"}}; !reflect.DeepEqual(got[0].AttachedDisks, want) {
				t.Errorf("attached disks %+v, want %+v", got[0].AttachedDisks, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not running: %+v", got[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRetriedCreate: a create repeated after a lost answer, first attempt
// or not, makes no second instance (opc-retry-token is the node id; a
// retry also looks up by tag).
func TestRetriedCreate(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	req := nodeReq(env(w, srv.URL), `{}`)
	a, err := p.CreateNode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.CreateNode(context.Background(), req) // FirstAttempt still true: only the token guards
	if err != nil {
		t.Fatal(err)
	}
	req.FirstAttempt = false
	c, err := p.CreateNode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if a.CloudInstanceID != b.CloudInstanceID || a.CloudInstanceID != c.CloudInstanceID || len(w.Live()) != 1 {
		t.Errorf("instances %s %s %s, %d live", a.CloudInstanceID, b.CloudInstanceID, c.CloudInstanceID, len(w.Live()))
	}
}

// TestPreempted: a preemptible node's instance reclaimed by OCI is an
// error with the reason (the host makes the node HOST_ERROR), in full and
// state-only describes; once the node is deleted it is gone.
func TestPreempted(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	req := nodeReq(env(w, srv.URL), `{"preemptible": true}`)
	st, err := p.CreateNode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	if in := w.Instances()[0]; in.PreemptibleInstanceConfig == nil || in.PreemptibleInstanceConfig.PreemptionAction.Type != "TERMINATE" {
		t.Fatalf("not launched preemptible: %+v", in)
	}
	if _, err := p.PowerOff(context.Background(), req); diagOf(t, err).Code != provider.CodeInvalid {
		t.Errorf("power off of a preemptible node: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if !w.Preempt(st.CloudInstanceID) {
		t.Fatal("emulator did not preempt")
	}
	for _, stateOnly := range []bool{true, false} {
		got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: req.Env, Nodes: []provider.NodeRef{req.Node}, StateOnly: stateOnly})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].State != provider.InstanceError || got[0].StateReason != preemptedReason {
			t.Errorf("state only %v: %+v", stateOnly, got[0])
		}
	}
	if err := p.DeleteNode(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: req.Env, Nodes: []provider.NodeRef{req.Node}, StateOnly: true})
	if err != nil || got[0].State != provider.InstanceNotFound {
		t.Errorf("after delete: %v %+v", err, got)
	}
}

// TestRebootFallsBackToReset: when OCI refuses SOFTRESET, the reboot is a
// RESET.
func TestRebootFallsBackToReset(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := New("test")
	req := nodeReq(env(w, srv.URL), `{}`)
	st, err := p.CreateNode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	time.Sleep(100 * time.Millisecond)
	w.Fail("InstanceAction:SOFTRESET", 1, 400, "InvalidParameter", "The instance did not respond to a soft reset.")
	if _, err := p.Reboot(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := w.Calls("InstanceAction"); n != 2 {
		t.Errorf("%d instance actions, want SOFTRESET then RESET", n)
	}
}

// TestCreateAgainAfterTermination: a node created again once its first
// instance is terminated gets a new instance (OCI answers the node's
// retry token with the terminated one for a day, or refuses it once that
// is purged), and a retry of that create still makes no third.
func TestCreateAgainAfterTermination(t *testing.T) {
	for name, retain := range map[string]time.Duration{"terminated": time.Minute, "purged": time.Millisecond} {
		t.Run(name, func(t *testing.T) {
			w, srv := ociemu.Start(t, func(o *ociemu.Options) { o.Retain = retain })
			p := New("test")
			req := nodeReq(env(w, srv.URL), `{}`)
			first, err := p.CreateNode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			req.Node.CloudInstanceID = first.CloudInstanceID
			if err := p.DeleteNode(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			time.Sleep(150 * time.Millisecond) // TERMINATED (and purged)
			req.Node.CloudInstanceID = ""
			again, err := p.CreateNode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := p.CreateNode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if again.CloudInstanceID == first.CloudInstanceID || retry.CloudInstanceID != again.CloudInstanceID || len(w.Live()) != 1 {
				t.Errorf("first %s, again %s, retry %s, %d live", first.CloudInstanceID, again.CloudInstanceID, retry.CloudInstanceID, len(w.Live()))
			}
		})
	}
}
