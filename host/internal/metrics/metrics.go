// Package metrics serves the controller's own metrics in Prometheus' text
// format and the targets Prometheus should scrape on the nodes (HTTP
// service discovery), on a separate plain-HTTP listener meant for
// loopback (Prometheus runs beside the controller, as upstream).
package metrics

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"

	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// Server is the metrics and discovery handler.
type Server struct {
	Ctrl    *controller.Controller
	Plugins *pluginmgr.Manager
	Version string
	// NodePort is where each node's Base container exposes its metrics.
	NodePort int
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/metrics":
		s.metrics(w)
	case "/sd/nodes":
		s.targets(w)
	default:
		http.Error(w, "paths: /metrics, /sd/nodes", http.StatusNotFound)
	}
}

// hostStates are the node states whose host is up and worth scraping.
var hostStates = map[model.NodeState]bool{
	model.NodeRunning: true, model.NodeSuspending: true, model.NodeResuming: true, model.NodeContainerError: true,
}

// Group is one HTTP service-discovery entry.
type Group struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

func (s *Server) targets(w http.ResponseWriter) {
	vcs, units, nodes, err := s.Ctrl.Inventory()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	vcName := map[string]string{}
	for _, vc := range vcs {
		vcName[vc.VCID] = vc.Name
	}
	prov := map[string]string{}
	for _, u := range units {
		prov[u.VCID+"/"+u.Name] = u.Provider
	}
	out := []Group{}
	for _, n := range nodes {
		if !hostStates[n.State] || n.CloudInstanceAddress == "" || n.Unwatched {
			continue
		}
		out = append(out, Group{
			Targets: []string{net.JoinHostPort(n.CloudInstanceAddress, fmt.Sprint(s.NodePort))},
			Labels: map[string]string{
				"vcid": n.VCID, "vc_name": vcName[n.VCID], "unit": n.Unit, "node_id": n.NodeID,
				"node_no": fmt.Sprint(n.NodeNo), "provider": prov[n.VCID+"/"+n.Unit], "container_group": vcName[n.VCID],
			},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Targets[0] < out[j].Targets[0] })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) metrics(w http.ResponseWriter) {
	vcs, units, nodes, err := s.Ctrl.Inventory()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	gauge := func(name, help string) { fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name) }
	gauge("vcc_build_info", "the controller's version")
	fmt.Fprintf(&b, "vcc_build_info{version=%q,controller_id=%q} 1\n", s.Version, s.Ctrl.ID())
	count := func(name, help string, keys map[string]int) {
		gauge(name, help)
		ks := make([]string, 0, len(keys))
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "%s{%s} %d\n", name, k, keys[k])
		}
	}
	byVC := map[string]int{}
	for _, vc := range vcs {
		byVC[fmt.Sprintf("state=%q", vc.State)]++
	}
	count("vcc_vcs", "VCs by state", byVC)
	prov := map[string]string{}
	byUnit := map[string]int{}
	for _, u := range units {
		prov[u.VCID+"/"+u.Name] = u.Provider
		byUnit[fmt.Sprintf("provider=%q,state=%q", u.Provider, u.State)]++
	}
	count("vcc_units", "units by provider and state", byUnit)
	byNode := map[string]int{}
	for _, n := range nodes {
		byNode[fmt.Sprintf("provider=%q,state=%q", prov[n.VCID+"/"+n.Unit], n.State)]++
	}
	count("vcc_nodes", "nodes by provider and state", byNode)
	up, crashes := map[string]int{}, map[string]int{}
	for _, st := range s.Plugins.Statuses() {
		if st.State == "shadowed" {
			continue
		}
		v := 0
		if st.State == pluginmgr.StateRunning {
			v = 1
		}
		up[fmt.Sprintf("plugin=%q", st.Name)] = v
		crashes[fmt.Sprintf("plugin=%q", st.Name)] = st.Crashes
	}
	count("vcc_plugin_up", "1 when the provider plugin runs", up)
	count("vcc_plugin_crashes", "plugin process deaths since the controller started", crashes)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
