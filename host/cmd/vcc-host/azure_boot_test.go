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
	"github.com/vccproject/vcc/proto/providertest/servers"
	"github.com/vccproject/vcc/sdk"
)

// TestAzureBoots: the whole path on a VM that really boots. The ARM
// emulator runs the node's VM as a container of the existing-server image
// at its NIC's address and runs its custom data: Docker starts the Base
// container, whose agent joins the controller's Serf, and the node is
// RUNNING; the VM killed (Azure reports it stopped), the node is
// HOST_ERROR; the delete removes the VM's container.
func TestAzureBoots(t *testing.T) {
	image := servers.ServerImage(t)
	servers.BaseImage(t, testenv.NodeAgent(t), baseTag)
	cidr, gw := freeSubnet(t)
	a := testenv.StartAzureBooting(t, 300*time.Millisecond, image, baseTag, cidr)
	t.Setenv("SSL_CERT_FILE", a.CAFile)
	conf := map[string]string{"vpn_catalog.yml": "azure:\n  default:\n" + a.Catalog()}
	h := testenv.StartHostConfig(t, conf, testenv.AzurePlugins(t), "--reconcile-interval", "0", "--advertise-addr", gw, "--serf-listen", gw+":0")
	for k, v := range a.Credentials() {
		if err := h.Client.PutCredential(context.Background(), "azure", k, v); err != nil {
			t.Fatal(err)
		}
	}
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "boots", ""))
	start := time.Now()
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "azure", Spec: map[string]any{"image": baseTag, "privileged": false}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u"))
	if s := states(u); s["RUNNING"] != 1 {
		t.Fatalf("unit u: %+v", u.Nodes)
	}
	n := u.Nodes[0]
	t.Logf("VM booted, Base container started, agent joined: RUNNING in %v at %s", time.Since(start).Round(100*time.Millisecond), n.CloudInstanceAddress)
	if !strings.HasPrefix(n.CloudInstanceAddress, strings.TrimSuffix(gw, "1")) {
		t.Errorf("node address %q is not on the subnet", n.CloudInstanceAddress)
	}
	a.CrashVM(t, n.CloudInstanceName)
	got, took := waitNode(t, cl, vc.VCID, "u", 1, "HOST_ERROR", 60*time.Second)
	t.Logf("VM killed -> HOST_ERROR in %v: %s", took.Round(100*time.Millisecond), got.StateReason)
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if left := a.Resources(t); len(left) != 0 {
		t.Errorf("left in the emulator: %+v", left)
	}
	time.Sleep(2 * time.Second) // the container's removal runs in the background
	if out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=vcc-test-machines=armemu").Output(); len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("VM containers left: %s", out)
	}
}

// freeSubnet is a 10.232.N.0/24 no Docker network uses, and its first
// address (the gateway the emulator's network gets).
func freeSubnet(t *testing.T) (cidr, gw string) {
	ids, _ := exec.Command("docker", "network", "ls", "-q").Output()
	used, _ := exec.Command("docker", append([]string{"network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, strings.Fields(string(ids))...)...).Output()
	for range 50 {
		n, _ := rand.Int(rand.Reader, big.NewInt(250))
		cidr = fmt.Sprintf("10.232.%d.0/24", n.Int64()+1)
		if !strings.Contains(string(used), cidr) {
			return cidr, fmt.Sprintf("10.232.%d.1", n.Int64()+1)
		}
	}
	t.Fatal("no free 10.232.N.0/24 for a Docker network")
	return
}
