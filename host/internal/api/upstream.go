package api

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/sdk"
)

// updateVC renames a VC (PUT /vcs/{vcid}, upstream's update_ugroup_name).
func (s *Server) updateVC(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req sdk.UpdateVCRequest
	if !decode(w, r, &req) {
		return
	}
	typ := req.Type
	if typ == "" {
		typ = req.UGroupType
	}
	vc, err := s.ctrl.RenameVC(caller(r), ps.ByName("vcid"), req.Name, typ)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vcOut(vc))
}

// nodeBackup answers a node's backup document (sdk.NodeBackup).
func (s *Server) nodeBackup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	vcid, unit, id := ps.ByName("vcid"), ps.ByName("unit"), ps.ByName("sub")
	n, err := s.ctrl.GetNode(caller(r), vcid, unit, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uv, err := s.ctrl.GetUnit(caller(r), vcid, unit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vv, err := s.ctrl.GetVC(caller(r), vcid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := unitOut(uv)
	u.Nodes, u.Operations = []sdk.Node{}, nil
	b := sdk.NodeBackup{
		Format: "vcc-node-backup/1", Created: time.Now().UTC(), VC: vcOut(vv.VC), Unit: u, Node: nodeOut(n, uv.Disks[n.NodeID]),
		Restore: sdk.Restore{Method: http.MethodPut, Path: Prefix + "/vcs/" + vcid + "/" + unit, Body: sdk.AddNodesRequest{NumAddNodes: 1}},
	}
	if n.FixedIP != "" {
		b.Restore.Body = sdk.AddNodesRequest{IPAddresses: []string{n.FixedIP}}
	}
	writeJSON(w, http.StatusOK, b)
}

// vcsFail takes upstream's Serf event-handler callback (POST /vcs/fail)
// as an external liveness signal: each named RUNNING node is checked
// with its cloud, as when the controller's own Serf loses it.
func (s *Server) vcsFail(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req sdk.FailReport
	if !decode(w, r, &req) {
		return
	}
	if req.EventType != "member-fail" {
		writeError(w, http.StatusBadRequest, "only member-fail events are taken", sdk.FieldError{Field: "eventtype",
			Message: "must be \"member-fail\" (joins and leaves are seen by the controller's own Serf)"})
		return
	}
	if len(req.Tag) == 0 || len(req.Tag) > 1000 {
		writeError(w, http.StatusBadRequest, "say which nodes failed", sdk.FieldError{Field: "tag", Message: "must list 1 to 1000 Serf node names (node ids)"})
		return
	}
	rep, err := s.ctrl.ReportFailed(r.Context(), req.Tag)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, rep)
}
