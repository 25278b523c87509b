package main_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// sakuraReconcile: with the controller stopped (the fake's store has one
// writer: the plugin, here one started by the test), node 3's server is
// deleted behind its back and a server for a node it never had is made
// with its tag; reconcile marks the one and reports the other. Deleting the VC then leaves only
// that stray server and frees the whole pool.
func sakuraReconcile(t *testing.T, h *testenv.Host, store string, sw map[string]string, vcid string, web *sdk.Unit) {
	gone := web.Nodes[2]
	h.Stop()
	var stray string
	t.Run("behind_the_controllers_back", func(t *testing.T) { // its plugin is killed when it ends
		p := providertest.Launch(t, testenv.SakuraPlugin(t), "SAKURACLOUD_FAKE_STORE_PATH="+store)
		env := provider.CallEnv{ControllerID: h.ControllerID, Credentials: provider.Credentials{"token": "t", "secret": "s"},
			CatalogEntry: json.RawMessage(fmt.Sprintf(`{"sakura_local_switch_id": %q, "sakura_private_subnet_gateway_ip": "172.23.1.254", "sakura_zone": "tk1a", "private_network_ipmask": "172.23.1.0/24"}`, sw["tk1a"]))}
		c := ctx(t)
		if err := p.DeleteNode(c, provider.NodeRequest{Env: env, Node: provider.NodeRef{NodeID: gone.NodeID, CloudInstanceID: gone.CloudInstanceID}}); err != nil {
			t.Fatal(err)
		}
		node := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9, CloudInstanceName: "stray", FixedIP: "172.23.1.99"}
		st, err := p.CreateNode(c, provider.NodeRequest{Env: env, Node: node, FirstAttempt: true, Spec: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		stray = st.CloudInstanceID
		waitFor(t, 10*time.Second, func() bool { // its boot done before the plugin goes
			got, err := p.DescribeNodes(c, provider.DescribeRequest{Env: env, Nodes: []provider.NodeRef{node}, StateOnly: true})
			return err == nil && len(got) == 1 && got[0].State == provider.InstanceRunning
		}, "the stray server to run")
	})
	h.Start()
	c, cl := ctx(t), h.Client
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	// The controller reconciles when it starts too: node 3 may be
	// marked by then.
	n3 := must[*sdk.Unit](t)(cl.GetUnit(c, vcid, "web")).Nodes[2]
	if n3.State != "HOST_ERROR" || !strings.Contains(n3.StateReason, "no longer exists in sakura") {
		t.Errorf("node 3 whose server was deleted: %+v (reconcile vanished %v, errors %v)", n3, rep.Vanished, rep.Errors)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].CloudInstanceID != stray {
		t.Errorf("orphans %+v, want the stray server %s; errors %v", rep.Orphans, stray, rep.Errors)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vcid))
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], nil, stray)
	p := sakuraPool(t, cl, "default")
	wantPool(t, p, 5, 0, 5, 0)
}

// TestSakuraCrash: the host killed while a unit of 10 is being made, one
// node at a time, and again while it is being deleted. After each
// restart no address is given twice and every allocated one is its
// node's; the create ends with one server per node on its address, the
// delete with nothing left and the whole pool free.
func TestSakuraCrash(t *testing.T) {
	h, store, sw := sakuraHost(t, 12, "--provider-limit", "1")
	c := ctx(t)
	vc := must[*sdk.VC](t)(h.Client.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "sakura", Spec: map[string]any{"num_nodes": 10}}))
	waitFor(t, 30*time.Second, func() bool { return len(sakuraOf(t, store, h.ControllerID).servers) >= 2 }, "two servers")
	crash(h)
	t.Logf("killed with %d of 10 servers made", len(sakuraOf(t, store, h.ControllerID).servers))
	wantPool(t, sakuraPool(t, h.Client, "default"), 12, 10, 2, 0)
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	big := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big"))
	if s := states(big); s["RUNNING"] != 10 {
		t.Fatalf("after the restart: %v", s)
	}
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], []*sdk.Unit{big})
	byAddress := map[string]bool{}
	for _, n := range big.Nodes {
		if byAddress[n.FixedIP] {
			t.Errorf("%s is given twice", n.FixedIP)
		}
		byAddress[n.FixedIP] = true
	}

	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	waitFor(t, 30*time.Second, func() bool { return len(sakuraOf(t, store, h.ControllerID).servers) <= 8 }, "two servers deleted")
	crash(h)
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	wantPool(t, sakuraPool(t, h.Client, "default"), 12, 0, 12, 0)
	sakuraOf(t, store, h.ControllerID).matches(t, sw["tk1a"], nil)
}

// crash kills the host as a crash would and starts it again once its
// plugin, which notices within 200 ms that its host is gone, has gone
// too: the fake's store must never have two writers.
func crash(h *testenv.Host) {
	h.Kill()
	time.Sleep(time.Second)
	h.Start()
}
