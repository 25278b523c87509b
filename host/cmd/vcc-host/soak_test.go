package main_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/sdk"
)

// soakSize is the soak's load: clients and how long they run
// (VCC_SOAK_DURATION lengthens it for a local run).
func soakSize(t *testing.T) (clients int, d time.Duration) {
	d = 20 * time.Second
	if testing.Short() {
		d = 5 * time.Second
	}
	if v, err := time.ParseDuration(os.Getenv("VCC_SOAK_DURATION")); err == nil {
		d = v
	}
	return 20, d
}

// TestConcurrencySoak: clients change their VCs at once, without waiting
// (creates, adds, power actions queued behind boots, deletes over
// them), against a cloud that is slow, boots slowly and fails now and
// then. Every answer is one the API documents for a race (2xx, 404,
// 409); afterwards no operation is left open, the store and the cloud
// hold the same instances, and every node is in a state the cloud
// confirmed. Reconcile never runs: the engine alone must keep the store
// true.
func TestConcurrencySoak(t *testing.T) {
	clients, d := soakSize(t)
	h := testenv.StartHost(t, "sim:\n  default:\n    latency_ms: 30\n    boot_ms: 300\n    failure_rate: 0.02\n", "--reconcile-interval", "0")
	s := &soak{t: t, h: h, answers: map[string]int{}}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.client(i, deadline)
		}()
	}
	wg.Wait()
	s.settle()
	s.check()
	t.Logf("soak: %d clients for %v: answers %v; operations %v; failures %v", clients, d, s.answers, s.opStates, s.reasons)
	s.cleanup()
}

// soak is the shared state of the soak's clients.
type soak struct {
	t        *testing.T
	h        *testenv.Host
	mu       sync.Mutex
	ops      []string
	answers  map[string]int // "METHOD status"
	opStates map[string]int
	reasons  map[string]int // why operations failed, in short
	bad      int
}

// client runs one client's random changes on its own VC until deadline.
func (s *soak) client(i int, deadline time.Time) {
	seed := uint64(time.Now().UnixNano()) + uint64(i)
	c := &soakClient{s: s, cl: s.h.ClientFor(s.h.Token), rnd: rand.New(rand.NewPCG(seed, 7)), name: fmt.Sprintf("soak%d", i)}
	s.t.Logf("client %d: seed %d", i, seed)
	for time.Now().Before(deadline) {
		c.step()
		time.Sleep(time.Duration(c.rnd.IntN(150)) * time.Millisecond) // a user, not a loop
	}
}

type soakClient struct {
	s    *soak
	cl   *sdk.Client
	rnd  *rand.Rand
	name string
	vcid string
	next int // for unit names
}

// step makes one random change (or look) and records the answer.
func (c *soakClient) step() {
	ctx := context.Background()
	if c.vcid == "" {
		c.next++
		vc, err := c.cl.CreateUnitGroup(ctx, fmt.Sprintf("%s-%d", c.name, c.next), "")
		if c.s.record("POST /vcs", err) {
			c.vcid = vc.VCID
		}
		return
	}
	vc, err := c.cl.GetUnitGroup(ctx, c.vcid)
	if !c.s.record("GET /vcs/{vcid}", err) {
		return
	}
	units := vc.Units
	p := c.rnd.Float64()
	switch {
	case p < 0.01:
		c.accepted("DELETE /vcs/{vcid}", func() (*sdk.Accepted, error) { return c.cl.DeleteUnitGroup(ctx, c.vcid) })
		c.vcid = "" // a new one next time
	case len(units) < 3 && p < 0.25:
		c.next++
		spec := map[string]any{"num_nodes": 1 + c.rnd.IntN(3)}
		c.accepted("POST /vcs/{vcid}", func() (*sdk.Accepted, error) {
			return c.cl.CreateUnit(ctx, c.vcid, sdk.CreateUnitRequest{UnitName: fmt.Sprintf("u%d", c.next), Provider: "sim", Spec: spec})
		})
	case len(units) == 0:
	default:
		c.onUnit(ctx, units[c.rnd.IntN(len(units))], p)
	}
}

// onUnit makes one random change to unit u.
func (c *soakClient) onUnit(ctx context.Context, u sdk.Unit, p float64) {
	sel := c.someNodes(u)
	switch {
	case p < 0.35 && len(u.Nodes) < 6:
		c.accepted("PUT /vcs/{vcid}/{unit}", func() (*sdk.Accepted, error) {
			return c.cl.AddNodes(ctx, c.vcid, u.Name, sdk.AddNodesRequest{NumAddNodes: 1 + c.rnd.IntN(2)})
		})
	case p < 0.75:
		action := []string{"power_off", "power_on", "reboot"}[c.rnd.IntN(3)]
		c.accepted("PATCH "+action, func() (*sdk.Accepted, error) { return c.cl.UnitAction(ctx, c.vcid, u.Name, action, sel) })
	case p < 0.81 && len(sel.NodeNos) > 0:
		c.accepted("PATCH delete_nodes", func() (*sdk.Accepted, error) { return c.cl.DeleteNodes(ctx, c.vcid, u.Name, sel) })
	case p < 0.83:
		c.accepted("DELETE /vcs/{vcid}/{unit}", func() (*sdk.Accepted, error) { return c.cl.DeleteUnit(ctx, c.vcid, u.Name, true) })
	default:
		if id := c.s.anyOp(c.rnd); id != "" { // follow an operation a while, as users do
			wctx, cancel := context.WithTimeout(ctx, time.Duration(c.rnd.IntN(500))*time.Millisecond)
			_, _ = c.cl.Wait(wctx, id)
			cancel()
		}
	}
}

// someNodes selects all nodes (empty selector) or a random few by number.
func (c *soakClient) someNodes(u sdk.Unit) sdk.Selector {
	if len(u.Nodes) == 0 || c.rnd.IntN(3) == 0 {
		return sdk.Selector{}
	}
	var sel sdk.Selector
	for _, n := range u.Nodes {
		if c.rnd.IntN(2) == 0 {
			sel.NodeNos = append(sel.NodeNos, n.NodeNo)
		}
	}
	if len(sel.NodeNos) == 0 {
		sel.NodeNos = []int{u.Nodes[0].NodeNo}
	}
	return sel
}

// accepted makes a change and keeps its operation.
func (c *soakClient) accepted(what string, call func() (*sdk.Accepted, error)) {
	acc, err := call()
	if c.s.record(what, err) && acc != nil && acc.OperationID != "" {
		c.s.mu.Lock()
		c.s.ops = append(c.s.ops, acc.OperationID)
		c.s.mu.Unlock()
	}
}

// record counts an answer; a race may answer 404 or 409, anything else
// that is not a success fails the test. It reports success.
func (s *soak) record(what string, err error) bool {
	status := http.StatusOK
	if err != nil {
		status = sdk.StatusOf(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[fmt.Sprintf("%s %d", what, status)]++
	if err != nil && status != http.StatusNotFound && status != http.StatusConflict {
		if s.bad++; s.bad <= 10 {
			s.t.Errorf("%s: %v", what, err)
		}
	}
	return err == nil
}

func (s *soak) anyOp(rnd *rand.Rand) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ops) == 0 {
		return ""
	}
	return s.ops[rnd.IntN(len(s.ops))]
}

// settle waits for every operation to end; one still open after two
// minutes is stuck.
func (s *soak) settle() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.opStates, s.reasons = map[string]int{}, map[string]int{}
	for _, id := range s.ops {
		op, err := s.h.Client.Wait(ctx, id)
		if op == nil {
			s.t.Fatalf("operation %s: %v", id, err)
		}
		if op.State == "pending" || op.State == "running" {
			s.t.Errorf("operation %s (%s) is still %s: stuck", id, op.Kind, op.State)
		}
		s.opStates[op.Kind+" "+op.State]++
		if op.State == "failed" {
			s.reasons[reason(op.Error)]++
		}
	}
}

// reason is the gist of an operation's error: its first node's, without
// ids and numbers.
func reason(msg string) string {
	if _, after, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "node ") || strings.Contains(msg, " nodes failed: node ") {
		msg = after
		if _, a, ok := strings.Cut(msg, ": "); ok {
			msg = a
		}
	}
	msg = regexp.MustCompile(`[0-9a-f]{32}|\d+`).ReplaceAllString(msg, "N")
	return msg[:min(len(msg), 60)]
}

// check compares the store with the cloud, node by node.
func (s *soak) check() {
	cloud := map[string]provider.NodeStatus{}
	for _, st := range simCloud(s.t, s.h) {
		if _, dup := cloud[st.NodeID]; dup {
			s.t.Errorf("node %s has two instances in the cloud", st.NodeID)
		}
		cloud[st.NodeID] = st
	}
	var problems []string
	for _, n := range s.storeNodes() {
		if p := confirmed(n.Node, cloud[n.NodeID]); p != "" {
			problems = append(problems, fmt.Sprintf("node %s (%s/%d): %s", n.NodeID, n.unit, n.NodeNo, p))
		}
		delete(cloud, n.NodeID)
	}
	for id, st := range cloud {
		problems = append(problems, fmt.Sprintf("instance %s of node %s is in the cloud but no node owns it (orphan)", st.CloudInstanceID, id))
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		s.t.Errorf("the store and the cloud disagree at %d points:\n%s", len(problems), strings.Join(problems[:min(len(problems), 20)], "\n"))
	}
}

// confirmed says what is wrong with a node at rest, given its instance
// in the cloud ("" when right).
func confirmed(n sdk.Node, in provider.NodeStatus) string {
	if n.CloudInstanceID != in.CloudInstanceID {
		return fmt.Sprintf("the store has instance %q, the cloud %q", n.CloudInstanceID, in.CloudInstanceID)
	}
	switch n.State {
	case "RUNNING":
		if in.State != provider.InstanceRunning {
			return fmt.Sprintf("RUNNING but the cloud says %q", in.State)
		}
	case "POWER_OFF":
		if in.State != provider.InstanceStopped {
			return fmt.Sprintf("POWER_OFF but the cloud says %q", in.State)
		}
	case "HOST_ERROR":
		if n.StateReason == "" {
			return "HOST_ERROR without a reason"
		}
	default:
		return fmt.Sprintf("%s with no operation under way (cloud: %q)", n.State, in.State)
	}
	return ""
}

// unitNode is a node with its unit's name.
type unitNode struct {
	sdk.Node
	unit string
}

// storeNodes lists every node the controller has.
func (s *soak) storeNodes() []unitNode {
	ctx := context.Background()
	vcs, err := s.h.Client.ListUnitGroups(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []unitNode
	for _, v := range vcs {
		vc, err := s.h.Client.GetUnitGroup(ctx, v.VCID)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, u := range vc.Units {
			for _, n := range u.Nodes {
				out = append(out, unitNode{n, u.Name})
			}
		}
	}
	return out
}

// cleanup deletes every VC: the cloud is then empty.
func (s *soak) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vcs, err := s.h.Client.ListUnitGroups(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, v := range vcs {
		acc, err := s.h.Client.DeleteUnitGroup(ctx, v.VCID)
		if err == nil && acc.OperationID != "" {
			_, err = s.h.Client.Wait(ctx, acc.OperationID)
		}
		if err != nil {
			s.t.Errorf("deleting VC %s: %v", v.VCID, err)
		}
	}
	if left := simCloud(s.t, s.h); len(left) != 0 {
		s.t.Errorf("cleanup left %d instances", len(left))
	}
}
