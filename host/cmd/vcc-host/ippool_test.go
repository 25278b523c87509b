package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// poolConf is a sim_pool catalog entry and its IP pool of the first n
// addresses from 10.20.0.11 up.
func poolConf(latencyMS, n int) map[string]string {
	return map[string]string{
		"vpn_catalog.yml": fmt.Sprintf("sim_pool:\n  default:\n    private_network_ipmask: 10.20.0.0/24\n    latency_ms: %d\n", latencyMS),
		"sim_pool.yml":    poolFile(n),
	}
}

func poolFile(n int) string {
	var addrs []string
	for i := 0; i < n; i++ {
		addrs = append(addrs, fmt.Sprintf("10.20.0.%d", 11+i))
	}
	return "default:\n  prefix_len: 24\n  ip_addresses: [" + strings.Join(addrs, ", ") + "]\n"
}

// startPoolHost runs a host with the sim_pool plugin (the simulated
// cloud without DHCP) and a pool of n addresses.
func startPoolHost(t *testing.T, latencyMS, n int, extra ...string) *testenv.Host {
	return testenv.StartHostConfig(t, poolConf(latencyMS, n), map[string]string{"vcc-provider-sim-pool": testenv.SimPool(t)},
		append([]string{"--reconcile-interval", "0"}, extra...)...)
}

// poolCloud lists what the sim_pool cloud holds for h's controller.
func poolCloud(t *testing.T, h *testenv.Host) []provider.NodeStatus {
	t.Helper()
	p := providertest.Launch(t, testenv.SimPool(t))
	entry := fmt.Sprintf(`{"sim_state_dir": %q}`, h.PluginData("sim_pool"))
	got, err := p.DescribeNodes(ctx(t), provider.DescribeRequest{
		Env: provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: json.RawMessage(entry)}, AllOfController: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sitePool checks the pool's invariant at this moment and returns the
// pool as GET /ip_pools shows it: every node has its own address of the
// pool, every allocated address belongs to a live node, and every
// instance of the cloud belongs to a node and stands on its address.
func sitePool(t *testing.T, h *testenv.Host, cl *sdk.Client) sdk.IPPool {
	t.Helper()
	c := ctx(t)
	pools := must[[]sdk.IPPool](t)(cl.Privileged().IPPools(c)) // holders gone too
	if len(pools) != 1 || pools[0].Provider != "sim_pool" || pools[0].Entry != "default" || pools[0].File != "sim_pool.yml" {
		t.Fatalf("pools %+v, want sim_pool/default", pools)
	}
	pool := pools[0]
	nodes := map[string]string{} // address -> node id
	for _, vc := range must[[]sdk.VC](t)(cl.ListUnitGroups(c)) {
		for _, u := range must[*sdk.VC](t)(cl.GetUnitGroup(c, vc.VCID)).Units {
			for _, n := range u.Nodes {
				if !strings.HasPrefix(n.FixedIP, "10.20.0.") {
					t.Errorf("node %d of %s has no pool address: %q", n.NodeNo, u.Name, n.FixedIP)
				}
				if other, dup := nodes[n.FixedIP]; dup {
					t.Errorf("%s is given to node %s and to node %s", n.FixedIP, other, n.NodeID)
				}
				nodes[n.FixedIP] = n.NodeID
			}
		}
	}
	allocated := map[string]string{}
	for _, a := range pool.Allocations {
		allocated[a.Address] = a.NodeID
	}
	if diff := cmp.Diff(nodes, allocated, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("nodes' addresses (-) and the pool's allocations (+) differ:\n%s", diff)
	}
	if pool.Used+pool.Outside != len(nodes) || pool.Free != pool.Size-pool.Used {
		t.Errorf("pool counts %+v for %d nodes", pool, len(nodes))
	}
	byNode := map[string]string{}
	for addr, id := range nodes {
		byNode[id] = addr
	}
	onAddr := map[string]string{}
	for _, in := range poolCloud(t, h) {
		if addr, ok := byNode[in.NodeID]; !ok || in.CloudInstanceAddress != addr {
			t.Errorf("instance %s of node %s stands on %s; its node's address is %q", in.CloudInstanceID, in.NodeID, in.CloudInstanceAddress, addr)
		}
		if other, dup := onAddr[in.CloudInstanceAddress]; dup {
			t.Errorf("instances of nodes %s and %s both stand on %s", other, in.NodeID, in.CloudInstanceAddress)
		}
		onAddr[in.CloudInstanceAddress] = in.NodeID
	}
	return pool
}

// wantPool compares the counts of a pool.
func wantPool(t *testing.T, p sdk.IPPool, size, used, free, outside int) {
	t.Helper()
	if diff := cmp.Diff([]int{size, used, free, outside}, []int{p.Size, p.Used, p.Free, p.Outside}); diff != "" {
		t.Errorf("pool size, used, free, outside (-want +got): %s", diff)
	}
}

// apiErr checks err is an API error of status naming field and saying
// each of says.
func apiErr(t *testing.T, err error, status int, field string, says ...string) {
	t.Helper()
	var ae *sdk.APIError
	if !asAPIError(err, &ae) || ae.Status != status || !hasField(ae.Body.Details, field) {
		t.Errorf("got %v, want %d blaming %s", err, status, field)
		return
	}
	for _, s := range says {
		if !strings.Contains(ae.Error(), s) {
			t.Errorf("%q does not say %q", ae.Error(), s)
		}
	}
}

// TestIPPoolRace: the site-pool story. Two units race for the last
// addresses: one wins, the other gets a 400 naming the pool and how many
// it lacks, and nothing of it is recorded. Asked addresses are honoured
// when free and in the pool, refused on their field otherwise. A reload
// that shrinks the pool under an allocated address keeps it allocated and
// says so; deleting everything frees the whole pool. A regular user sees
// the counts but only its own holders. Every response matches the
// OpenAPI document.
func TestIPPoolRace(t *testing.T) {
	h := startPoolHost(t, 0, 5)
	c := ctx(t)
	cl, v := validated(t, h)
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "pool", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "first", Provider: "sim_pool", Spec: map[string]any{"num_nodes": 2}}))
	wantPool(t, sitePool(t, h, cl), 5, 2, 3, 0)

	units := []string{"a", "b"}
	errs := make([]error, len(units))
	accs := make([]*sdk.Accepted, len(units))
	var wg sync.WaitGroup
	for i, name := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			accs[i], errs[i] = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: "sim_pool", Spec: map[string]any{"num_nodes": 2}})
		}()
	}
	wg.Wait()
	won, lost := 0, 1
	if errs[0] != nil {
		won, lost = 1, 0
	}
	if errs[won] != nil {
		t.Fatalf("neither unit got the last addresses: %v / %v", errs[0], errs[1])
	}
	apiErr(t, errs[lost], http.StatusBadRequest, "spec.num_nodes", "IP pool sim_pool/default (sim_pool.yml)", "it lacks 1")
	settle(t, cl)(accs[won], nil)
	if _, err := cl.GetUnit(c, vc.VCID, units[lost]); sdk.StatusOf(err) != http.StatusNotFound {
		t.Errorf("the refused unit %s: %v, want 404 (nothing recorded)", units[lost], err)
	}
	wantPool(t, sitePool(t, h, cl), 5, 4, 1, 0)

	winner := units[won]
	_, err := cl.AddNodes(c, vc.VCID, winner, sdk.AddNodesRequest{IPAddresses: []string{"10.20.0.11"}})
	apiErr(t, err, http.StatusBadRequest, "ip_addresses[0]", "already allocated")
	_, err = cl.AddNodes(c, vc.VCID, winner, sdk.AddNodesRequest{IPAddresses: []string{"10.20.0.99"}})
	apiErr(t, err, http.StatusBadRequest, "ip_addresses[0]", "not in IP pool sim_pool/default")
	settle(t, cl)(cl.AddNodes(c, vc.VCID, winner, sdk.AddNodesRequest{IPAddresses: []string{"10.20.0.15"}}))
	_, err = cl.AddNodes(c, vc.VCID, winner, sdk.AddNodesRequest{NumAddNodes: 1})
	apiErr(t, err, http.StatusBadRequest, "num_add_nodes", "has 0 free address(es) but 1 node(s) need one: it lacks 1")
	wantPool(t, sitePool(t, h, cl), 5, 5, 0, 0)

	if out, _, code := cli(t, h, "users", "add", "bob", "regular"); code != 0 {
		t.Fatal(out)
	}
	token, _, _ := cli(t, h, "token", "create", "bob")
	bob := must[[]sdk.IPPool](t)(h.ClientFor(strings.TrimSpace(token)).IPPools(c))
	if len(bob) != 1 || bob[0].Used != 5 || len(bob[0].Allocations) != 0 {
		t.Errorf("bob sees %+v, want the counts and none of admin's holders", bob)
	}

	h.WriteConfig("sim_pool.yml", poolFile(4)) // 10.20.0.15 is held
	h.Reload()
	waitFor(t, 10*time.Second, func() bool { return must[[]sdk.IPPool](t)(cl.IPPools(c))[0].Size == 4 }, "the shrunk pool to be in force")
	p := sitePool(t, h, cl)
	wantPool(t, p, 4, 4, 0, 1)
	if last := p.Allocations[len(p.Allocations)-1]; last.Address != "10.20.0.15" || last.InPool {
		t.Errorf("the address outside the shrunk pool: %+v", last)
	}
	if out, _, _ := cli(t, h, "status"); !strings.Contains(out, "sim_pool/default 4 of 4 used") || !strings.Contains(out, "1 address(es) held outside sim_pool.yml") {
		t.Errorf("status does not show the pool:\n%s", out)
	}

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	p = must[[]sdk.IPPool](t)(cl.IPPools(c))[0]
	wantPool(t, p, 4, 0, 4, 0)
	if len(p.Allocations) != 0 || len(poolCloud(t, h)) != 0 {
		t.Errorf("after deleting everything: %+v, %d instances", p.Allocations, len(poolCloud(t, h)))
	}
	for _, want := range []string{"GET /ip_pools 200", "POST /vcs/{vcid} 400", "PUT /vcs/{vcid}/{unit} 400"} {
		if !v.seen[want] {
			t.Errorf("the session never produced %q", want)
		}
	}
}

// TestIPPoolCrash: kill -9 of the host after the addresses were allocated
// (with their nodes) and before the cloud made the instances, then again
// in the middle of deleting them. After each restart no address is given
// twice and every allocated one belongs to a live node; after
// convergence the pool's last addresses can all be had (none leaked),
// and deleting everything leaves it wholly free.
func TestIPPoolCrash(t *testing.T) {
	h := startPoolHost(t, 300, 12, "--provider-limit", "1")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "crash", ""))
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "big", Provider: "sim_pool", Spec: map[string]any{"num_nodes": 10}}))
	// The creates run one at a time, 300 ms each: most are not made yet.
	time.Sleep(100 * time.Millisecond)
	h.Kill()
	t.Logf("killed with %d of 10 instances made", len(poolCloud(t, h)))
	h.Start()
	wantPool(t, sitePool(t, h, h.Client), 12, 10, 2, 0)
	must[*sdk.Operation](t)(h.Client.Wait(c, acc.OperationID))
	if u := must[*sdk.Unit](t)(h.Client.GetUnit(c, vc.VCID, "big")); states(u)["RUNNING"] != 10 {
		t.Fatalf("after the restart: %v", states(u))
	}
	wantPool(t, sitePool(t, h, h.Client), 12, 10, 2, 0)

	settle(t, h.Client)(h.Client.AddNodes(c, vc.VCID, "big", sdk.AddNodesRequest{NumAddNodes: 2}))
	_, err := h.Client.AddNodes(c, vc.VCID, "big", sdk.AddNodesRequest{NumAddNodes: 1})
	apiErr(t, err, http.StatusBadRequest, "num_add_nodes", "it lacks 1")
	wantPool(t, sitePool(t, h, h.Client), 12, 12, 0, 0)

	del := must[*sdk.Accepted](t)(h.Client.DeleteUnit(c, vc.VCID, "big", true))
	time.Sleep(1200 * time.Millisecond) // a few deletes in
	h.Kill()
	h.Start()
	sitePool(t, h, h.Client)
	must[*sdk.Operation](t)(h.Client.Wait(c, del.OperationID))
	p := sitePool(t, h, h.Client)
	wantPool(t, p, 12, 0, 12, 0)
	if len(poolCloud(t, h)) != 0 {
		t.Errorf("%d instances left after the delete", len(poolCloud(t, h)))
	}
}
