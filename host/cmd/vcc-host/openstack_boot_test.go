package main_test

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest/servers"
	"github.com/vccproject/vcc/sdk"
)

// TestOpenStackBoots: nodes that really boot. The emulator runs each
// server as a container of the "existing server" image (sshd and its own
// dockerd) at the server's fixed IP on a Docker network of the catalog's
// subnet, and runs the server's user data there: Docker starts the Base
// container, its agent joins the controller's Serf, and only then is the
// node RUNNING. Killing the VM behind the controller's back makes its
// server SHUTOFF (Nova's power sync) and the node HOST_ERROR; cleanup
// removes the VMs.
func TestOpenStackBoots(t *testing.T) {
	image := servers.ServerImage(t)
	servers.BaseImage(t, testenv.NodeAgent(t), baseTag)
	var emu *testenv.OSEmu
	var subnet string
	for try := 0; emu == nil; try++ {
		// A /24 no other Docker network of this machine uses.
		subnet = fmt.Sprintf("10.%d.%d.0/24", 200+rand.IntN(50), rand.IntN(250))
		if try == 5 {
			t.Fatal("no free /24 for the emulator's Docker network")
		}
		emu = testenv.TryStartOSEmu(t, "-vm-image", image, "-vm-load", baseTag, "-subnet", subnet)
	}
	gw := strings.TrimSuffix(subnet, "0/24") + "1"
	entry := fmt.Sprintf("    auth_url: %s\n    network_uuid: %s\n    tenant_name: %s\n    private_network_ipmask: %s\n    default_image: %s\n",
		emu.AuthURL(), testenv.OSNetworkID, testenv.OSProject, subnet, testenv.OSImageName)
	h := testenv.StartHostWith(t, "openstack:\n  default:\n"+entry, map[string]string{"vcc-provider-openstack": testenv.OpenStackPlugin(t)},
		"--reconcile-interval", "0", "--advertise-addr", gw, "--serf-listen", gw+":0")
	c, cl := ctx(t), h.Client
	for k, v := range openstackKey {
		if err := cl.PutCredential(c, "openstack", k, v); err != nil {
			t.Fatal(err)
		}
	}
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "boots", ""))
	ip := strings.TrimSuffix(subnet, "0/24") + "21"
	start := time.Now()
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "openstack",
		Spec: map[string]any{"flavor_name": "m1.small", "ip_addresses": []string{ip}, "image": baseTag, "privileged": false}}))
	n, _ := waitNode(t, cl, vc.VCID, "u", 1, "RUNNING", 3*time.Minute)
	t.Logf("node RUNNING (agent joined) %v after the create", time.Since(start).Round(100*time.Millisecond))
	if n.CloudInstanceAddress != ip {
		t.Errorf("node address %s, want %s", n.CloudInstanceAddress, ip)
	}
	vm := (&servers.Machines{Prefix: "osemu"}).Container(n.CloudInstanceID)
	out, err := exec.Command("docker", "exec", vm, "docker", "ps", "--format", "{{.Names}}").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vcc-base-"+n.NodeID) {
		t.Fatalf("the VM runs no Base container: %v %s", err, out)
	}
	if out, err := exec.Command("docker", "kill", vm).CombinedOutput(); err != nil {
		t.Fatalf("docker kill %s: %v %s", vm, err, out)
	}
	n, took := waitNode(t, cl, vc.VCID, "u", 1, "HOST_ERROR", time.Minute)
	t.Logf("VM killed -> HOST_ERROR in %v: %s", took.Round(100*time.Millisecond), n.StateReason)
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	waitFor(t, 30*time.Second, func() bool { return exec.Command("docker", "inspect", vm).Run() != nil }, "the VM to be removed")
}
