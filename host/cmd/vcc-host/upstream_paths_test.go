package main_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestUpstreamPaths: PUT /vcs/{vcid} renames, GET .../{node_id}/backup
// gives what re-creates the node (and its restore request does), and
// POST /vcs/fail is the super user's external liveness signal, never a
// VC named "fail".
func TestUpstreamPaths(t *testing.T) {
	h := testenv.StartHost(t, "")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "before", "compute"))
	must[*sdk.VC](t)(cl.CreateUnitGroup(c, "taken", "compute"))

	renamed := must[*sdk.VC](t)(cl.RenameUnitGroup(c, vc.VCID, "after"))
	if renamed.Name != "after" || must[*sdk.VC](t)(cl.GetUnitGroup(c, vc.VCID)).Name != "after" {
		t.Errorf("rename answered %+v", renamed)
	}
	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"taken":       {`{"name":"taken"}`, 409, "already has a VC named"},
		"bad_name":    {`{"name":"a b"}`, 400, "name"},
		"other_type":  {`{"name":"x","ugroup_type":"storage"}`, 400, "type"},
		"unknown_key": {`{"name":"x","owner":"bob"}`, 400, "owner"},
	} {
		t.Run("rename_"+name, func(t *testing.T) {
			status, body := call(t, h, "PUT", "/vcs/"+vc.VCID, tc.body, h.Token)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("PUT %s: %d %s", tc.body, status, body)
			}
		})
	}

	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "sim", Spec: map[string]any{"num_nodes": 1, "ip_addresses": []string{"10.208.0.7"}}}))
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web")).Nodes[0]
	b := must[*sdk.NodeBackup](t)(cl.NodeBackup(c, vc.VCID, "web", n.NodeID))
	want := sdk.Restore{Method: "PUT", Path: sdk.Prefix + "/vcs/" + vc.VCID + "/web", Body: sdk.AddNodesRequest{IPAddresses: []string{"10.208.0.7"}}}
	if b.Format != "vcc-node-backup/1" || b.Node.NodeID != n.NodeID || b.VC.Name != "after" || b.Unit.Provider != "sim" || len(b.Unit.Spec) == 0 || len(b.Unit.Nodes) != 0 {
		t.Errorf("backup %+v", b)
	}
	if diff := cmp.Diff(want, b.Restore); diff != "" {
		t.Errorf("restore (-want +got):\n%s", diff)
	}
	settle(t, cl)(cl.DeleteNode(c, vc.VCID, "web", n.NodeID))
	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", b.Restore.Body)) // the restore request as given
	n = must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web")).Nodes[0]
	if n.State != "RUNNING" || n.FixedIP != "10.208.0.7" {
		t.Fatalf("restored node %+v", n)
	}

	report := `{"eventtype":"member-fail","tag":["` + n.NodeID + `","00000000000000000000000000000000"]}`
	if status, body := call(t, h, "POST", "/vcs/fail", report, token(t, h, "admin", "--readonly")); status != 403 {
		t.Errorf("a readonly token's failure report: %d %s", status, body)
	}
	if status, body := call(t, h, "POST", "/vcs/fail", `{"eventtype":"member-join","tag":["x"]}`, h.Token); status != 400 || !strings.Contains(body, "eventtype") {
		t.Errorf("member-join: %d %s", status, body)
	}
	status, body := call(t, h, "POST", "/vcs/fail", report, h.Token)
	var rep struct{ Checking, Unknown []string }
	if err := json.Unmarshal([]byte(body), &rep); status != 202 || err != nil || !cmp.Equal(rep.Checking, []string{n.NodeID}) || !cmp.Equal(rep.Unknown, []string{"00000000000000000000000000000000"}) {
		t.Fatalf("member-fail: %d %s", status, body)
	}
	waitFor(t, 30*time.Second, func() bool {
		s := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web")).Nodes[0]
		return strings.HasSuffix(s.State, "_ERROR") && strings.Contains(s.StateReason, "reported failed (POST /vcs/fail)")
	}, "the reported node to be checked and marked")
	if vcs := must[[]sdk.VC](t)(cl.FindUnitGroups(c, sdk.VCFilter{Name: "fail"})); len(vcs) != 0 {
		t.Errorf("a VC named fail: %+v", vcs)
	}
}
