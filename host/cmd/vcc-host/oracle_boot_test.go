package main_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/servers"
	"github.com/vccproject/vcc/sdk"
)

// ociNetwork makes a Docker network whose subnet plays the emulated OCI
// subnet (a free 10.231.N.0/24), removed with the machines on it when the
// test ends; it returns its name, CIDR and gateway (the host's address on
// it, where the controller's Serf listens: OCI's virtual router address).
func ociNetwork(t *testing.T) (name, cidr, gw string) {
	providertest.Require(t, exec.Command("docker", "version").Run() == nil, "the Docker engine")
	for range 10 {
		n, _ := rand.Int(rand.Reader, big.NewInt(250))
		name = fmt.Sprintf("vcc-test-oci-%d", n.Int64())
		cidr, gw = fmt.Sprintf("10.231.%d.0/24", n.Int64()), fmt.Sprintf("10.231.%d.1", n.Int64())
		if exec.Command("docker", "network", "create", "--subnet", cidr, "--gateway", gw, name).Run() == nil {
			t.Cleanup(func() {
				ids, _ := exec.Command("docker", "ps", "-aq", "--filter", "network="+name).Output()
				if f := strings.Fields(string(ids)); len(f) > 0 {
					_ = exec.Command("docker", append([]string{"rm", "-f", "-v"}, f...)...).Run()
				}
				_ = exec.Command("docker", "network", "rm", name).Run()
			})
			return name, cidr, gw
		}
	}
	t.Fatal("no free 10.231.N.0/24 for a Docker network")
	return
}

// TestOracleBoots: nodes that really boot. The emulator runs the instance
// as a container of the existing-server image on the subnet, at its VNIC
// address, and runs its user data there: Docker starts the Base container,
// whose agent joins the controller's Serf, and only then is the node
// RUNNING; power off stops the machine and power on brings the node back
// RUNNING (the Base container restarts, its agent rejoins); cutting the
// VM's power makes it HOST_ERROR; cleanup removes the machine.
func TestOracleBoots(t *testing.T) {
	img := servers.ServerImage(t)
	servers.BaseImage(t, testenv.NodeAgent(t), baseTag)
	network, cidr, gw := ociNetwork(t)
	e := testenv.StartOracleEmulator(t, "-subnet", cidr, "-machines-network", network, "-machines-image", img, "-machines-base-image", baseTag)
	h := testenv.StartHostWith(t, "oracle:\n  default:\n"+e.CatalogEntry(), map[string]string{"vcc-provider-oracle": testenv.OraclePlugin(t)},
		"--reconcile-interval", "0", "--advertise-addr", gw, "--serf-listen", gw+":0")
	c, cl := ctx(t), h.Client
	for k, v := range map[string]string{"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": e.PrivateKey} {
		if err := cl.PutCredential(context.Background(), "oracle", k, v); err != nil {
			t.Fatal(err)
		}
	}
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "boots", ""))
	start := time.Now()
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "vm", Provider: "oracle",
		Spec: map[string]any{"num_nodes": 1, "image": baseTag, "privileged": false}}))
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "vm")).Nodes[0]
	if n.State != "RUNNING" {
		t.Fatalf("node: %+v", n)
	}
	t.Logf("instance launched, booted, Base container started, agent joined: RUNNING in %v", time.Since(start).Round(100*time.Millisecond))
	vm := (&servers.Machines{Prefix: "ociemu"}).Container(n.CloudInstanceID)
	if out, _ := exec.Command("docker", "exec", vm, "hostname", "-I").Output(); !strings.Contains(string(out), n.CloudInstanceAddress) {
		t.Errorf("the machine's addresses %q lack the node's %s", out, n.CloudInstanceAddress)
	}
	if st := baseState(vm, n.NodeID); st != "running" {
		t.Errorf("the Base container in the machine: %q", st)
	}

	// Power off stops the machine; power on starts it again, and the Base
	// container (its restart policy) and agent come back by themselves.
	settle(t, cl)(cl.PowerOff(c, vc.VCID, "vm", sdk.Selector{NodeNos: []int{1}}))
	if s := states(must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "vm"))); s["POWER_OFF"] != 1 {
		t.Fatalf("after power off: %v", s)
	}
	if out, _ := exec.Command("docker", "inspect", "-f", "{{.State.Running}}", vm).Output(); strings.TrimSpace(string(out)) != "false" {
		t.Errorf("the powered off machine runs: %q", out)
	}
	start = time.Now()
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "vm", sdk.Selector{NodeNos: []int{1}}))
	waitNode(t, cl, vc.VCID, "vm", 1, "RUNNING", 60*time.Second)
	waitFor(t, 60*time.Second, func() bool { return baseState(vm, n.NodeID) == "running" }, "the Base container to run again in the machine")
	t.Logf("power on -> machine up, Base container back: RUNNING in %v", time.Since(start).Round(100*time.Millisecond))

	e.Crash(t, n.CloudInstanceID)
	lost, took := waitNode(t, cl, vc.VCID, "vm", 1, "HOST_ERROR", 60*time.Second)
	t.Logf("VM power cut -> HOST_ERROR in %v: %s", took.Round(100*time.Millisecond), lost.StateReason)
	if !strings.Contains(lost.StateReason, "does not answer") {
		t.Errorf("reason: %q", lost.StateReason)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	waitFor(t, 20*time.Second, func() bool { return exec.Command("docker", "container", "inspect", vm).Run() != nil }, "the machine to be removed")
}

// baseState is the state of node's Base container in machine vm.
func baseState(vm, node string) string {
	out, _ := exec.Command("docker", "exec", vm, "docker", "ps", "-a", "--filter", "label=vcc.node_id="+node, "--format", "{{.State}}").Output()
	return strings.TrimSpace(string(out))
}
