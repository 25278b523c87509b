package sakura

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"
	"golang.org/x/crypto/ssh"

	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// recorder is the fake's API with the calls a test looks at noted on
// the way: the fake itself keeps neither user data nor startup scripts
// (an edit copies them into a disk it does not model).
type recorder struct {
	mu       sync.Mutex
	userData []string
	scripts  []string
	edits    []iaas.DiskEditRequest
}

type recServer struct {
	iaas.ServerAPI
	r *recorder
}

func (s recServer) BootWithVariables(ctx context.Context, zone string, id types.ID, v *iaas.ServerBootVariables) error {
	s.r.mu.Lock()
	s.r.userData = append(s.r.userData, v.UserData)
	s.r.mu.Unlock()
	return s.ServerAPI.BootWithVariables(ctx, zone, id, v)
}

type recNote struct {
	iaas.NoteAPI
	r *recorder
}

func (n recNote) Create(ctx context.Context, req *iaas.NoteCreateRequest) (*iaas.Note, error) {
	n.r.mu.Lock()
	n.r.scripts = append(n.r.scripts, req.Content)
	n.r.mu.Unlock()
	return n.NoteAPI.Create(ctx, req)
}

type recDisk struct {
	iaas.DiskAPI
	r *recorder
}

func (d recDisk) Config(ctx context.Context, zone string, id types.ID, req *iaas.DiskEditRequest) error {
	d.r.mu.Lock()
	d.r.edits = append(d.r.edits, *req)
	d.r.mu.Unlock()
	return d.DiskAPI.Config(ctx, zone, id, req)
}

// recording returns a provider whose client for e's credentials notes
// its calls in the returned recorder.
func recording(t *testing.T, e provider.CallEnv) (*Provider, *recorder) {
	p, r := New("0.1.0"), &recorder{}
	a, err := newAPI("t", "s", "test")
	if err != nil {
		t.Fatal(err)
	}
	a.server, a.note, a.disk = recServer{a.server, r}, recNote{a.note, r}, recDisk{a.disk, r}
	if _, err := p.clients.Get(context.Background(), "sakura", e.Credentials, func(context.Context) (*api, error) { return a, nil }); err != nil {
		t.Fatal(err)
	}
	return p, r
}

// inZone lists what the fake holds in zone for controller ctl.
func inZone(t *testing.T, zone, ctl string) ([]*iaas.Server, []*iaas.Disk, []*iaas.Note) {
	t.Helper()
	a, _ := newAPI("t", "s", "test")
	c, f := context.Background(), tagged(tags.Pair(provider.TagControllerID, ctl))
	s, err1 := a.servers(c, zone, f)
	d, err2 := a.disks(c, zone, f)
	n, err3 := a.notes(c, f)
	if err := firstErr(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return s, d, n
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func controllerKey(t *testing.T) (provider.Secret, string) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	return pem.EncodeToMemory(block), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}

// TestCreate: through the startup-script path (the fake's archives have
// no cloud-init), a node is a server named and tagged as the node, with
// its NIC on the catalog's switch at the pool's address, a boot disk of
// the spec's plan and size copied from the archive and edited with the
// address, gateway, netmask, host name and the controller's public key,
// and the Base container's start written as a startup script that is
// gone once the edit took it. A create whose answer was lost finds the
// same server; delete leaves nothing but the attached disk.
func TestCreate(t *testing.T) {
	e := env("tk1a")
	key, pub := controllerKey(t)
	e.ControllerSSHKey = key
	p, r := recording(t, e)
	c := context.Background()
	userDisk := stranger(t, "tk1a", "172.23.1.40")
	if err := iaas.NewDiskOp(nil).DisconnectFromServer(c, "tk1a", types.StringID(userDisk)); err != nil {
		t.Fatal(err)
	}
	req := provider.NodeRequest{Env: e, FirstAttempt: true,
		Spec: json.RawMessage(`{"core": 2, "memory": 4, "sakuracloud_disk_plan": "hdd", "sakuracloud_disk_size": 40, "tags": {"team": "a"}, "disks": ["` + userDisk + `"]}`),
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 2, VCID: "vc1", UnitName: "web", CloudInstanceName: "VCP-web_2", FixedIP: "172.23.1.12"}}
	st, err := p.CreateNode(c, req)
	if err != nil {
		t.Fatal(err)
	}
	servers, disks, notes := inZone(t, "tk1a", e.ControllerID)
	if len(servers) != 1 || len(disks) != 1 || len(notes) != 0 {
		t.Fatalf("%d servers, %d disks, %d scripts; want 1, 1, 0", len(servers), len(disks), len(notes))
	}
	s, d := servers[0], disks[0]
	wantTags := types.Tags{"team=a", "vcc.controller_id=" + e.ControllerID, "vcc.node_id=" + req.Node.NodeID, "vcc.node_no=2", "vcc.unit=web", "vcc.vcid=vc1"}
	if diff := cmp.Diff(wantTags, s.Tags); diff != "" {
		t.Errorf("server tags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantTags, d.Tags); diff != "" {
		t.Errorf("disk tags (-want +got):\n%s", diff)
	}
	nic := s.Interfaces[0]
	if s.Name != "VCP-web_2" || s.CPU != 2 || s.MemoryMB != 4096 || s.HostName != "vcp-web-2" || nic.SwitchID.String() != switches["tk1a"] || nic.UserIPAddress != "172.23.1.12" {
		t.Errorf("server %+v, NIC %+v", s, nic)
	}
	if d.DiskPlanID != types.DiskPlans.HDD || d.SizeMB != 40*1024 || d.ServerID != s.ID || d.SourceArchiveID.IsEmpty() || d.Availability != types.Availabilities.Available {
		t.Errorf("boot disk %+v", d)
	}
	if len(s.Disks) != 2 || !slices.ContainsFunc(s.Disks, func(x *iaas.ServerConnectedDisk) bool { return x.ID.String() == userDisk }) {
		t.Errorf("server disks %+v: want the boot disk and %s", s.Disks, userDisk)
	}
	// Booting: the answer comes once the boot is asked, the host polls.
	if st.CloudInstanceID != s.ID.String() || st.State != provider.InstancePending || st.CloudInstanceAddress != "172.23.1.12" || st.NodeID != req.Node.NodeID {
		t.Errorf("status %+v", st)
	}
	if len(r.edits) != 1 || len(r.scripts) != 1 || len(r.userData) != 0 {
		t.Fatalf("%d edits, %d scripts, %d user data; want 1, 1, 0", len(r.edits), len(r.scripts), len(r.userData))
	}
	ed := r.edits[0]
	if ed.UserIPAddress != "172.23.1.12" || ed.UserSubnet.DefaultRoute != testGateway || ed.UserSubnet.NetworkMaskLen != 24 ||
		len(ed.SSHKeys) != 1 || ed.SSHKeys[0].PublicKey != pub || !ed.DisablePWAuth || len(ed.Notes) != 1 {
		t.Errorf("disk edit %+v", ed)
	}
	if !strings.Contains(r.scripts[0], "vcc-base-"+req.Node.NodeID) {
		t.Errorf("the startup script does not start the Base container:\n%s", r.scripts[0])
	}

	req.FirstAttempt = false // the host lost the answer: no instance id
	if again, err := p.CreateNode(c, req); err != nil || again.CloudInstanceID != s.ID.String() {
		t.Fatalf("repeated create: %+v, %v; want server %s again", again, err, s.ID)
	}
	if len(r.edits) != 1 {
		t.Errorf("the repeated create edited the disk again")
	}
	if err := p.DeleteNode(c, req); err != nil {
		t.Fatal(err)
	}
	if s, d, n := inZone(t, "tk1a", e.ControllerID); len(s)+len(d)+len(n) != 0 {
		t.Errorf("after delete: %d servers, %d disks, %d scripts", len(s), len(d), len(n))
	}
	if ud, err := iaas.NewDiskOp(nil).Read(c, "tk1a", types.StringID(userDisk)); err != nil || !ud.ServerID.IsEmpty() {
		t.Errorf("the attached disk: %+v %v; want it kept and disconnected", ud, err)
	}
}

// TestCreateCloudInit: an archive with cloud-init gets the Base
// container's start as user data at boot, and no startup script.
func TestCreateCloudInit(t *testing.T) {
	c := context.Background()
	ubuntu, err := findArchive(c, mustAPI(t), &catalog{Zone: "is1a"}, &spec{})
	if err != nil {
		t.Fatal(err)
	}
	arc, err := iaas.NewArchiveOp(nil).Create(c, "is1a", &iaas.ArchiveCreateRequest{SourceArchiveID: ubuntu.ID, Name: "Ubuntu cloudimg (test)", Tags: types.Tags{"cloud-init"}})
	if err != nil {
		t.Fatal(err)
	}
	e := env("is1a")
	p, r := recording(t, e)
	node := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: "172.23.1.13"}
	req := provider.NodeRequest{Env: e, FirstAttempt: true, Node: node, Spec: json.RawMessage(`{"cloud_image": "` + arc.ID.String() + `"}`)}
	if _, err := p.CreateNode(c, req); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.DeleteNode(c, req) })
	if len(r.userData) != 1 || len(r.scripts) != 0 || len(r.edits) != 1 || len(r.edits[0].Notes) != 0 || len(r.edits[0].SSHKeys) != 0 {
		t.Fatalf("user data %d, scripts %d, edits %+v; want 1, 0, one edit without script or key", len(r.userData), len(r.scripts), r.edits)
	}
	if !strings.Contains(r.userData[0], "vcc-base-"+node.NodeID) {
		t.Errorf("the user data does not start the Base container:\n%s", r.userData[0])
	}
}

// TestCreateResumes: a create cut after the server was made (a host
// crash), even before its NIC was (the fake makes them in steps), is
// finished by the next attempt, with one server on the switch and one
// disk.
func TestCreateResumes(t *testing.T) {
	e, c := env("tk1b"), context.Background()
	p := New("0.1.0")
	req := provider.NodeRequest{Env: e, Spec: json.RawMessage(`{}`), Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: "172.23.1.14"}}
	_, err := iaas.NewServerOp(nil).Create(c, "tk1b", &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: "cut",
		Tags: tags.Strings(tags.For(e, req.Node, nil))})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.CreateNode(c, req) // FirstAttempt false
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.DeleteNode(c, req) })
	servers, disks, _ := inZone(t, "tk1b", e.ControllerID)
	if len(servers) != 1 || len(disks) != 1 || st.CloudInstanceID != servers[0].ID.String() || len(servers[0].Interfaces) != 1 {
		t.Fatalf("after the resumed create: %d servers, %d disks, status %+v", len(servers), len(disks), st)
	}
	if nic := servers[0].Interfaces[0]; nic.UserIPAddress != "172.23.1.14" || nic.SwitchID.String() != switches["tk1b"] {
		t.Errorf("the resumed server's NIC: %+v", nic)
	}
}

func mustAPI(t *testing.T) *api {
	a, err := newAPI("t", "s", "test")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestBootingState: a create answers once the boot is asked, and the
// describes the host polls with say pending ("booting") until the server
// is up, then running; a server stopped after that boot is stopped, not
// booting again, and is deleted at once.
func TestBootingState(t *testing.T) {
	e, c := env("is1b"), context.Background()
	p := New("0.1.0")
	node := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, FixedIP: "172.23.1.15"}
	req := provider.NodeRequest{Env: e, FirstAttempt: true, Node: node, Spec: json.RawMessage(`{}`)}
	st, err := p.CreateNode(c, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.DeleteNode(c, req) })
	if st.State != provider.InstancePending || st.StateReason != "booting" {
		t.Fatalf("create answered %s (%s), want pending (booting)", st.State, st.StateReason)
	}
	req.Node.CloudInstanceID = st.CloudInstanceID
	describe := func() provider.NodeStatus {
		t.Helper()
		got, err := p.DescribeNodes(c, provider.DescribeRequest{Env: e, Nodes: []provider.NodeRef{req.Node}, StateOnly: true})
		if err != nil || len(got) != 1 {
			t.Fatalf("describe: %+v %v", got, err)
		}
		return got[0]
	}
	until := func(want provider.InstanceState, allowed ...provider.InstanceState) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got := describe()
			if got.State == want {
				return
			}
			if !slices.Contains(allowed, got.State) || time.Now().After(deadline) {
				t.Fatalf("describe says %s (%s) on the way to %s", got.State, got.StateReason, want)
			}
		}
	}
	until(provider.InstanceRunning, provider.InstancePending) // never "stopped" while it boots
	if _, err := p.PowerOff(c, req); err != nil {
		t.Fatal(err)
	}
	until(provider.InstanceStopped, provider.InstanceRunning, provider.InstanceStopping)
	time.Sleep(50 * time.Millisecond)
	if got := describe(); got.State != provider.InstanceStopped {
		t.Errorf("a server shut down after its boot: %s (%s), want stopped", got.State, got.StateReason)
	}
	// The power-off ended the boot: a delete does not wait out bootGrace
	// (2 min) for a boot to finish.
	dctx, cancel := context.WithTimeout(c, bootGrace/4)
	defer cancel()
	if err := p.DeleteNode(dctx, req); err != nil {
		t.Fatalf("delete after power-off: %v", err)
	}
}

// TestDownAfterBoot: a server that went down by itself right after its
// boot is deleted at once, not after the boot grace, whether it was
// powered off first (Sakura answers 409, the plugin success) or not.
func TestDownAfterBoot(t *testing.T) {
	t.Run("powered_off", func(t *testing.T) { downAfterBoot(t, true, "172.23.1.16") })
	t.Run("deleted", func(t *testing.T) { downAfterBoot(t, false, "172.23.1.17") })
}

func downAfterBoot(t *testing.T, byPlugin bool, ip string) {
	e, c := env("is1b"), context.Background()
	p := New("0.1.0")
	req := provider.NodeRequest{Env: e, FirstAttempt: true, Spec: json.RawMessage(`{}`),
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 2, FixedIP: ip}}
	st, err := p.CreateNode(c, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.DeleteNode(c, req) })
	servers := iaas.NewServerOp(nil)
	id := types.StringID(st.CloudInstanceID)
	serverUntil(t, "is1b", id, "up", func(s *iaas.Server) bool { return s.InstanceStatus.IsUp() })
	if err := servers.Shutdown(c, "is1b", id, &iaas.ShutdownOption{Force: true}); err != nil {
		t.Fatal(err)
	}
	serverUntil(t, "is1b", id, "down", func(s *iaas.Server) bool { return s.InstanceStatus == types.ServerInstanceStatuses.Down })
	if byPlugin {
		if _, err := p.PowerOff(c, req); err != nil {
			t.Fatalf("power-off of a server already down: %v", err)
		}
	}
	dctx, cancel := context.WithTimeout(c, bootGrace/4)
	defer cancel()
	if err := p.DeleteNode(dctx, req); err != nil {
		t.Fatalf("delete after power-off: %v", err)
	}
}

// serverUntil reads server id in the fake until ok says it is what.
func serverUntil(t *testing.T, zone string, id types.ID, what string, ok func(*iaas.Server) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		s, err := iaas.NewServerOp(nil).Read(context.Background(), zone, id)
		if err == nil && ok(s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %s never %s: %+v %v", id, what, s, err)
		}
	}
}
