package controller

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// unitNodes is a unit of four nodes in node_no order, as the store lists
// them; node 3 has no address yet.
func unitNodes() []*model.Node {
	return []*model.Node{
		{NodeID: "n1", VCID: "v1", Unit: "web", NodeNo: 1, State: model.NodeRunning, CloudInstanceAddress: "10.0.0.1"},
		{NodeID: "n2", VCID: "v1", Unit: "web", NodeNo: 2, State: model.NodeRunning, CloudInstanceAddress: "10.0.0.2"},
		{NodeID: "n3", VCID: "v1", Unit: "web", NodeNo: 3, State: model.NodeBooting},
		{NodeID: "n4", VCID: "v1", Unit: "web", NodeNo: 4, State: model.NodeRunning, CloudInstanceAddress: "10.0.0.4"},
	}
}

func TestSelectorPick(t *testing.T) {
	cases := map[string]struct {
		sel     Selector
		want    []string
		wantErr *errView
	}{
		"empty: the whole unit":             {sel: Selector{}, want: []string{"n1", "n2", "n3", "n4"}},
		"by node id, in node_no order":      {sel: Selector{NodeIDs: []string{"n3", "n1"}}, want: []string{"n1", "n3"}},
		"by node number":                    {sel: Selector{NodeNos: []int{2}}, want: []string{"n2"}},
		"by address":                        {sel: Selector{IPAddresses: []string{"10.0.0.4"}}, want: []string{"n4"}},
		"one node named twice, picked once": {sel: Selector{NodeIDs: []string{"n2"}, NodeNos: []int{2, 1}, IPAddresses: []string{"10.0.0.2"}}, want: []string{"n1", "n2"}},
		"num: the newest":                   {sel: Selector{Num: 2}, want: []string{"n3", "n4"}},
		"num: all of them":                  {sel: Selector{Num: 4}, want: []string{"n1", "n2", "n3", "n4"}},
		"num on top of named nodes":         {sel: Selector{NodeNos: []int{4}, Num: 2}, want: []string{"n2", "n3", "n4"}},
		"num past the unit's size": {sel: Selector{Num: 5},
			wantErr: &errView{Status: 400, Msg: "bad selector", Details: []FieldError{{Field: "num", Message: "must be between 1 and the unit's 4 nodes"}}}},
		"negative num": {sel: Selector{Num: -1},
			wantErr: &errView{Status: 400, Msg: "bad selector", Details: []FieldError{{Field: "num", Message: "must be between 1 and the unit's 4 nodes"}}}},
		"every missing node is named, and nothing is picked": {sel: Selector{NodeIDs: []string{"n1", "nX"}, NodeNos: []int{9}, IPAddresses: []string{"10.9.9.9"}},
			wantErr: &errView{Status: 404, Msg: "the unit has no node_id nX, node_no 9, ip_address 10.9.9.9"}},
		"an empty address never matches a node without one": {sel: Selector{IPAddresses: []string{""}},
			wantErr: &errView{Status: 404, Msg: "the unit has no ip_address "}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := tc.sel.pick(unitNodes())
			if diff := cmp.Diff(tc.wantErr, viewErr(t, err, tc.wantErr)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, ids(got)); err == nil && diff != "" {
				t.Errorf("picked (-want +got):\n%s", diff)
			}
		})
	}
}

// storeUnit records VC v1 of alice with unit web of unitNodes().
func storeUnit(t *testing.T, st store.Store) {
	t.Helper()
	err := st.Update(func(tx store.Tx) error {
		if err := tx.PutVC(&model.VC{VCID: "v1", Name: "mine", Owner: "alice", Type: "compute"}); err != nil {
			return err
		}
		if err := tx.PutUnit(&model.Unit{VCID: "v1", Name: "web", Provider: "sim", NextNodeNo: 5}); err != nil {
			return err
		}
		for _, n := range unitNodes() {
			if err := tx.PutNode(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPickNodesAndMarkDeleting: a selector reaches only a unit its caller
// may see, and a delete marks exactly the picked nodes DELETING.
func TestPickNodesAndMarkDeleting(t *testing.T) {
	alice := &auth.Identity{User: "alice", Role: "regular"}
	cases := map[string]struct {
		who       *auth.Identity
		unit      string
		sel       Selector
		wantIDs   []string
		wantErr   *errView
		wantState map[string]model.NodeState // after markDeleting of the picked nodes
	}{
		"the owner picks by number": {who: alice, unit: "web", sel: Selector{NodeNos: []int{2, 3}}, wantIDs: []string{"n2", "n3"},
			wantState: map[string]model.NodeState{"n1": model.NodeRunning, "n2": model.NodeDeleting, "n3": model.NodeDeleting, "n4": model.NodeRunning}},
		"a privileged user picks in anyone's VC": {who: &auth.Identity{User: "root", Role: "super", Privileged: true}, unit: "web", sel: Selector{Num: 1}, wantIDs: []string{"n4"},
			wantState: map[string]model.NodeState{"n1": model.NodeRunning, "n2": model.NodeRunning, "n3": model.NodeBooting, "n4": model.NodeDeleting}},
		"another user does not see the VC": {who: &auth.Identity{User: "bob", Role: "regular"}, unit: "web", sel: Selector{NodeNos: []int{1}},
			wantErr: &errView{Status: 404, Msg: `no VC with vcid "v1"`}},
		"an unknown unit": {who: alice, unit: "db", sel: Selector{NodeNos: []int{1}},
			wantErr: &errView{Status: 404, Msg: `VC v1 has no unit "db"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			storeUnit(t, st)
			err := st.Update(func(tx store.Tx) error {
				_, picked, err := pickNodes(tx, tc.who, "v1", tc.unit, tc.sel)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(tc.wantIDs, ids(picked)); diff != "" {
					t.Errorf("picked (-want +got):\n%s", diff)
				}
				only := map[string]bool{}
				for _, n := range picked {
					only[n.NodeID] = true
				}
				return markDeleting(tx, "v1", tc.unit, only)
			})
			if diff := cmp.Diff(tc.wantErr, viewErr(t, err, tc.wantErr)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err == nil {
				if diff := cmp.Diff(tc.wantState, nodeStates(t, st)); diff != "" {
					t.Errorf("states (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func nodeStates(t *testing.T, st store.Store) map[string]model.NodeState {
	t.Helper()
	out := map[string]model.NodeState{}
	err := st.View(func(tx store.Tx) error {
		nodes, err := tx.Nodes("v1", "web")
		for _, n := range nodes {
			out[n.NodeID] = n.State
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeleteNodesNeedsASelector: deleting "all nodes" by an empty
// selector is refused before anything is read (DELETE the unit instead).
func TestDeleteNodesNeedsASelector(t *testing.T) {
	c := &Controller{} // no store, engine or plugins: none may be reached
	_, _, err := c.DeleteNodes(context.Background(), &auth.Identity{User: "alice"}, "v1", "web", Selector{}, DeleteOptions{})
	want := &errView{Status: 400, Msg: "say which nodes to delete: node_ids, node_nos, ip_addresses or num (to delete the whole unit, DELETE the unit)"}
	if diff := cmp.Diff(want, viewErr(t, err, want)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

// TestAdmit: a power action is admitted when every node's state may
// lead to it and the node has an instance, or its create is under way;
// else nothing is, and each refused node says why.
func TestAdmit(t *testing.T) {
	withInstance := func(s model.NodeState) *model.Node {
		return &model.Node{NodeNo: 1, State: s, CloudInstanceID: "i-1"}
	}
	failedCreate := &model.Node{NodeNo: 2, State: model.NodeHostError, StateReason: "create failed: address taken"}
	creating := &model.Node{NodeNo: 3, State: model.NodeBooting}
	noInstance := "node 2 has no instance (create failed: address taken), so it cannot be powered on, off or rebooted: delete it, and add a new node if needed"
	cases := map[string]struct {
		action string
		enter  model.NodeState
		nodes  []*model.Node
		busy   bool
		want   *errView
	}{
		"running, off":                      {action: "power_off", enter: model.NodeShuttingDown, nodes: []*model.Node{withInstance(model.NodeRunning)}},
		"booting with its create queued":    {action: "power_off", enter: model.NodeShuttingDown, nodes: []*model.Node{creating}, busy: true},
		"off, on":                           {action: "power_on", enter: model.NodeBooting, nodes: []*model.Node{withInstance(model.NodePowerOff)}},
		"booting, no create under way":      {action: "reboot", enter: model.NodeBooting, nodes: []*model.Node{creating}, want: &errView{Status: 409, Msg: "reboot refused, nothing changed: node 3 has no instance, so it cannot be powered on, off or rebooted: delete it, and add a new node if needed"}},
		"no instance after a failed create": {action: "power_on", enter: model.NodeBooting, nodes: []*model.Node{withInstance(model.NodeRunning), failedCreate}, busy: true, want: &errView{Status: 409, Msg: "power_on refused, nothing changed: " + noInstance}},
		"off already": {action: "power_off", enter: model.NodeShuttingDown, nodes: []*model.Node{withInstance(model.NodePowerOff)},
			want: &errView{Status: 409, Msg: "power_off refused, nothing changed: node 1 is POWER_OFF and cannot become SHUTTING_DOWN (from POWER_OFF it may become BOOTING, HOST_ERROR, DELETING)"}},
		"being deleted": {action: "power_on", enter: model.NodeBooting, nodes: []*model.Node{withInstance(model.NodeDeleting)}, busy: true,
			want: &errView{Status: 409, Msg: "power_on refused, nothing changed: node 1 is DELETING and cannot become BOOTING (it is being deleted)"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := admit(tc.action, tc.enter, tc.nodes, tc.busy)
			if diff := cmp.Diff(tc.want, viewErr(t, err, tc.want)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
