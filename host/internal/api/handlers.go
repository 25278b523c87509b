package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/bootstrap"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/providerplugin"
	"github.com/vccproject/vcc/sdk"
)

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) getVersion(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	v := sdk.Version{Version: s.opts.Version, Commit: s.opts.Commit, UpstreamVersion: UpstreamVersion, ProtocolVersion: providerplugin.ProtocolVersion, ControllerID: s.ctrl.ID(), Plugins: map[string]string{}}
	for _, st := range s.plugins.Statuses() {
		if st.State != "shadowed" {
			v.Plugins[st.Name] = st.Version
		}
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) authority(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	who := caller(r)
	writeJSON(w, http.StatusOK, sdk.Authority{Role: who.Access(), UserName: who.User, UserRole: who.Role})
}

func (s *Server) vpnCatalog(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	out := map[string]map[string]json.RawMessage{}
	for prov, entries := range s.ctrl.Catalog().Entries {
		out[prov] = map[string]json.RawMessage{}
		for name, e := range entries {
			out[prov][name] = e.Values
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// ipPools shows every host-managed IP pool; who holds an address only
// for the VCs the caller may see.
func (s *Server) ipPools(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	pools, err := s.ctrl.IPPoolViews(caller(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pools": pools})
}

func (s *Server) flavors(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	out := []sdk.Flavor{}
	for prov, fl := range s.ctrl.Flavors(r.URL.Query().Get("provider")) {
		for name, vals := range fl {
			out = append(out, sdk.Flavor{Provider: prov, Name: name, Values: vals})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Provider < out[j].Provider || out[i].Provider == out[j].Provider && out[i].Name < out[j].Name
	})
	writeJSON(w, http.StatusOK, map[string]any{"flavors": out})
}

func (s *Server) listPlugins(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	out := []sdk.Plugin{}
	for _, st := range s.plugins.Statuses() {
		caps := make([]string, len(st.Capabilities))
		for i, c := range st.Capabilities {
			caps[i] = string(c)
		}
		out = append(out, sdk.Plugin{Name: st.Name, Version: st.Version, Protocol: st.Protocol, State: string(st.State),
			Simulator: st.Simulator, Capabilities: caps, Reason: st.Reason})
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": out})
}

// getOperation answers at once, or with ?wait=30s when the operation
// finishes (long poll).
func (s *Server) getOperation(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	d, ok := waitParam(w, r)
	if !ok {
		return
	}
	op, err := s.ctrl.GetOp(caller(r), ps.ByName("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d > 0 && op.Open() {
		longRequest(w, d+writeSlack)
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		if waited, err := s.ctrl.Engine().Wait(ctx, op.ID); err == nil {
			op = waited
		}
	}
	writeJSON(w, http.StatusOK, opOut(op))
}

// listVCs lists the caller's VCs, only those matching every filter given
// (?name=, ?state=, ?type=): notebooks look a UnitGroup up by name.
func (s *Server) listVCs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	f, ok := vcFilter(w, r)
	if !ok {
		return
	}
	vcs, err := s.ctrl.ListVCs(caller(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []sdk.VC{}
	for _, vc := range vcs {
		if f.match(vc) {
			out = append(out, vcOut(vc))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"vcs": out})
}

func (s *Server) createVC(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req sdk.CreateVCRequest
	if !decode(w, r, &req) {
		return
	}
	vc, err := s.ctrl.CreateVC(caller(r), req.Name, req.Type)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, vcOut(vc))
}

func (s *Server) getVC(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	v, err := s.ctrl.GetVC(caller(r), ps.ByName("vcid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vcViewOut(v))
}

func (s *Server) createUnit(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req struct {
		UnitName string                     `json:"unit_name"`
		Provider string                     `json:"provider"`
		Flavor   string                     `json:"flavor"`
		Spec     map[string]json.RawMessage `json:"spec"`
		// Credentials maps credential keys to vault:// references.
		Credentials map[string]string `json:"credentials"`
	}
	if !decode(w, r, &req) {
		return
	}
	view, op, err := s.ctrl.CreateUnit(r.Context(), caller(r), ps.ByName("vcid"),
		controller.UnitRequest{Name: req.UnitName, Provider: req.Provider, Flavor: req.Flavor, Spec: req.Spec, Credentials: req.Credentials})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := unitOut(view)
	w.Header().Set(opHeader, op.ID)
	writeJSON(w, http.StatusAccepted, sdk.Accepted{OperationID: op.ID, Unit: &u})
}

func (s *Server) changeOwner(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req sdk.ChangeOwnerRequest
	if !decode(w, r, &req) {
		return
	}
	vc, err := s.ctrl.ChangeOwner(r.Context(), caller(r), ps.ByName("vcid"), req.Owner)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vcOut(vc))
}

func (s *Server) deleteVC(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	opts, ok := deleteOptions(w, r)
	if !ok {
		return
	}
	op, err := s.ctrl.DeleteVC(r.Context(), caller(r), ps.ByName("vcid"), opts)
	s.accepted(w, r, op, nil, err)
}

func (s *Server) getUnit(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	v, err := s.ctrl.GetUnit(caller(r), ps.ByName("vcid"), ps.ByName("unit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unitOut(v))
}

func (s *Server) addNodes(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req sdk.AddNodesRequest
	if !decode(w, r, &req) || !checkLists(w, map[string]int{"ip_addresses": len(req.IPAddresses)}) {
		return
	}
	nodes, op, err := s.ctrl.AddNodes(r.Context(), caller(r), ps.ByName("vcid"), ps.ByName("unit"), req.NumAddNodes, req.IPAddresses)
	s.accepted(w, r, op, nodes, err)
}

func (s *Server) deleteUnit(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	opts, ok := deleteOptions(w, r)
	if !ok {
		return
	}
	op, err := s.ctrl.DeleteUnit(r.Context(), caller(r), ps.ByName("vcid"), ps.ByName("unit"), opts)
	s.accepted(w, r, op, nil, err)
}

// unitAction runs an action on the unit's nodes, all or those the body
// selects; delete_nodes deletes the selected ones.
func (s *Server) unitAction(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var sel sdk.Selector
	if r.ContentLength != 0 && !decode(w, r, &sel) {
		return
	}
	if !checkLists(w, map[string]int{"node_ids": len(sel.NodeIDs), "node_nos": len(sel.NodeNos), "ip_addresses": len(sel.IPAddresses)}) {
		return
	}
	s.action(w, r, ps.ByName("vcid"), ps.ByName("unit"), ps.ByName("sub"), selectorIn(sel))
}

func (s *Server) nodeAction(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	s.action(w, r, ps.ByName("vcid"), ps.ByName("unit"), ps.ByName("action"), controller.Selector{NodeIDs: []string{ps.ByName("sub")}})
}

func (s *Server) action(w http.ResponseWriter, r *http.Request, vcid, unit, action string, sel controller.Selector) {
	var (
		nodes []*model.Node
		op    *model.Operation
		err   error
	)
	switch action {
	case "clear_processing":
		// Answered with the id of the operation it stopped, which
		// finishes as failed ("cleared by clear_processing").
		if _, err := s.ctrl.GetUnit(caller(r), vcid, unit); err != nil {
			s.fail(w, r, err)
			return
		}
		id, err := s.ctrl.ClearProcessing(vcid, unit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, sdk.Accepted{OperationID: id})
		return
	case "delete_nodes":
		opts, ok := deleteOptions(w, r)
		if !ok {
			return
		}
		nodes, op, err = s.ctrl.DeleteNodes(r.Context(), caller(r), vcid, unit, sel, opts)
	default:
		nodes, op, err = s.ctrl.Action(r.Context(), caller(r), vcid, unit, action, sel)
	}
	if err == nil && op == nil {
		writeJSON(w, http.StatusOK, sdk.Accepted{Nodes: nodesOut(nodes, s.ctrl.DiskFacts(nodes))})
		return
	}
	s.accepted(w, r, op, nodes, err)
}

func (s *Server) getNode(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	n, err := s.ctrl.GetNode(caller(r), ps.ByName("vcid"), ps.ByName("unit"), ps.ByName("sub"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nodeOut(n, s.ctrl.DiskFacts([]*model.Node{n})[n.NodeID]))
}

func (s *Server) deleteNode(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	vcid, unit, id := ps.ByName("vcid"), ps.ByName("unit"), ps.ByName("sub")
	if _, err := s.ctrl.GetNode(caller(r), vcid, unit, id); err != nil {
		s.fail(w, r, err)
		return
	}
	opts, ok := deleteOptions(w, r)
	if !ok {
		return
	}
	nodes, op, err := s.ctrl.DeleteNodes(r.Context(), caller(r), vcid, unit, controller.Selector{NodeIDs: []string{id}}, opts)
	s.accepted(w, r, op, nodes, err)
}

// accepted answers a change: 202 with the operation, or 204 when there
// was nothing to do.
func (s *Server) accepted(w http.ResponseWriter, r *http.Request, op *model.Operation, nodes []*model.Node, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if op == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	out := sdk.Accepted{OperationID: op.ID}
	w.Header().Set(opHeader, op.ID)
	if nodes != nil {
		out.Nodes = nodesOut(nodes, nil)
	}
	writeJSON(w, http.StatusAccepted, out)
}

// lastReconcile shows the last pass's report as far as it concerns
// the caller's VCs (every VC with privileged).
func (s *Server) lastReconcile(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	rep := s.ctrl.LastReconcile()
	if rep == nil {
		writeError(w, http.StatusNotFound, "no reconcile pass has run yet; a super user may POST to run one")
		return
	}
	writeJSON(w, http.StatusOK, s.ctrl.ReportFor(caller(r), rep))
}

// reconcile runs a pass (super users only: it acts on every VC) and
// shows its report as lastReconcile does.
func (s *Server) reconcile(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	rep := s.ctrl.Reconcile(r.Context(), s.opts.DeleteOrphans)
	writeJSON(w, http.StatusOK, s.ctrl.ReportFor(caller(r), rep))
}

func (s *Server) publicKey(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]string{"public_key": s.opts.PublicKey})
}

// onpremBootstrap serves the script that prepares an existing server, so
// a site can run `curl ... | sudo sh` instead of a page of manual steps.
func (s *Server) onpremBootstrap(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	o := bootstrap.Options{User: r.URL.Query().Get("user"), SSHPort: 20022, PublicKey: s.opts.PublicKey}
	if o.User == "" {
		o.User = "vcp"
	}
	if p := r.URL.Query().Get("ssh_port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad ssh_port", sdk.FieldError{Field: "ssh_port", Message: "must be a port number, e.g. 20022"})
			return
		}
		o.SSHPort = n
	}
	script, err := bootstrap.Script(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/x-shellscript")
	_, _ = io.WriteString(w, script) // a client gone mid-body has no one to tell
}
