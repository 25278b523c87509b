package oracle

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/plugins/oracle/toycloud"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// TestCreateAndLostAnswers: a server carries the ids, the user's tags
// and a user data that starts the Base container; a create or delete
// whose earlier answer was lost (no FirstAttempt, no instance id) finds
// the server by its tags.
func TestCreateAndLostAnswers(t *testing.T) {
	cl, srv := toycloud.Start(t)
	p, c := New("0.1.0"), context.Background()
	req := provider.NodeRequest{Env: env(srv.URL, toycloud.TestKey), FirstAttempt: true, Spec: json.RawMessage(`{"tags": {"team": "a"}}`),
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 2, VCID: "vc1", UnitName: "web", CloudInstanceName: "VCP-web-2"}}
	st, err := p.CreateNode(c, req)
	if err != nil {
		t.Fatal(err)
	}
	servers := cl.Servers()
	if len(servers) != 1 {
		t.Fatalf("%d servers, want 1", len(servers))
	}
	s := servers[0]
	want := map[string]string{"team": "a", provider.TagControllerID: req.Env.ControllerID, provider.TagNodeID: req.Node.NodeID,
		"vcc:vcid": "vc1", "vcc:unit": "web", "vcc:node_no": "2"}
	if diff := cmp.Diff(want, s.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if s.Name != "VCP-web-2" || s.Size != "small" || s.Image != defaultImage || st.CloudInstanceID != s.ID || st.State != provider.InstancePending {
		t.Errorf("server %+v, status %+v", s, st)
	}
	if !strings.Contains(s.UserData, "vcc-base-"+req.Node.NodeID) {
		t.Errorf("user data does not start the Base container:\n%s", s.UserData)
	}

	req.FirstAttempt = false
	if again, err := p.CreateNode(c, req); err != nil || again.CloudInstanceID != s.ID {
		t.Fatalf("retried create: %+v, %v; want server %s again", again, err, s.ID)
	}
	if err := p.DeleteNode(c, req); err != nil { // no CloudInstanceID: found by tag
		t.Fatal(err)
	}
	if got := cl.Servers(); len(got) != 1 || got[0].Status != "deleting" {
		t.Errorf("after delete: %+v, want the server deleting", got)
	}
}
