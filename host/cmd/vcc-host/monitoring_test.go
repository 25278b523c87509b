package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/providertest"

	"gopkg.in/yaml.v3"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// metricsURL reads the metrics listener's URL from `vcc-host status`.
func metricsURL(t *testing.T, h *testenv.Host) string {
	out, _, code := cli(t, h, "status", "--json")
	var comps []struct{ Name, State, Detail string }
	if err := json.Unmarshal([]byte(out), &comps); err != nil || code != 0 {
		t.Fatalf("status: %d %v", code, err)
	}
	for _, c := range comps {
		if c.Name == "prometheus targets" && c.State == "RUNNING" {
			return strings.TrimSuffix(strings.Fields(c.Detail)[0], "/sd/nodes,")
		}
	}
	t.Fatalf("no running metrics feed in %s", out)
	return ""
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	raw, _ := io.ReadAll(resp.Body)
	if s, ok := out.(*string); ok {
		*s = string(raw)
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: %v: %s", url, err, raw)
	}
}

// TestPrometheus: a real Prometheus (Debian's) scrapes the controller and
// discovers every running node through the controller's HTTP service
// discovery, with the VC's labels; the shipped Prometheus config is valid.
func TestPrometheus(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	providertest.Require(t, err == nil, "prometheus (.ci/run installs Debian's)")
	repo := testenv.RepoRoot(t)
	if out, err := exec.Command(filepath.Join(filepath.Dir(prom), "promtool"), "check", "config", filepath.Join(repo, "config/monitoring/prometheus.yml")).CombinedOutput(); err != nil {
		t.Fatalf("config/monitoring/prometheus.yml: %s", out)
	}
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "monitored", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	m := metricsURL(t, h)

	dir := t.TempDir()
	cfg := fmt.Sprintf("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: vcc\n    static_configs: [{targets: [%q]}]\n"+
		"  - job_name: basecontainers\n    http_sd_configs: [{url: %q, refresh_interval: 1s}]\n", strings.TrimPrefix(m, "http://"), m+"/sd/nodes")
	writeFile(t, filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644)
	ln := must[net.Listener](t)(net.Listen("tcp", "127.0.0.1:0"))
	addr := ln.Addr().String()
	_ = ln.Close() // only a free port was wanted
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	type target struct {
		Labels map[string]string `json:"labels"`
		Health string            `json:"health"`
	}
	var nodes []target
	vccUp := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var res struct {
			Data struct {
				Active []target `json:"activeTargets"`
			} `json:"data"`
		}
		if resp, err := http.Get("http://" + addr + "/api/v1/targets"); err == nil {
			if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
				t.Logf("prometheus targets: %v", err) // not up yet: poll again
			}
			closeBody(resp)
		}
		nodes, vccUp = nil, false
		for _, tg := range res.Data.Active {
			switch tg.Labels["job"] {
			case "vcc":
				vccUp = tg.Health == "up"
			case "basecontainers":
				nodes = append(nodes, tg)
			}
		}
		if vccUp && len(nodes) == 2 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !vccUp || len(nodes) != 2 {
		t.Fatalf("prometheus: controller up %v, %d node targets (want 2)", vccUp, len(nodes))
	}
	for _, n := range nodes {
		if n.Labels["vcid"] != vc.VCID || n.Labels["vc_name"] != "monitored" || n.Labels["unit"] != "web" || n.Labels["provider"] != "sim" ||
			!strings.HasSuffix(n.Labels["instance"], ":18083") {
			t.Errorf("node target labels %v", n.Labels)
		}
	}
	var q struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	deadline = time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		get(t, "http://"+addr+`/api/v1/query?query=vcc_nodes%7Bstate%3D%22RUNNING%22%7D`, &q)
		if len(q.Data.Result) == 1 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(q.Data.Result) != 1 || q.Data.Result[0].Value[1] != "2" {
		t.Errorf("vcc_nodes{state=RUNNING} in Prometheus: %+v", q.Data.Result)
	}
}

// TestGrafanaFiles: the dashboard and the provisioning agree (datasource
// uid), and every vcc_* metric the dashboard queries is one the controller
// exports.
func TestGrafanaFiles(t *testing.T) {
	repo := testenv.RepoRoot(t)
	raw, err := os.ReadFile(filepath.Join(repo, "config/monitoring/grafana/dashboards/vcc.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title      string            `json:"title"`
			Datasource map[string]string `json:"datasource"`
			Targets    []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil || dash.UID != "vcp" || len(dash.Panels) == 0 {
		t.Fatalf("dashboard: %v, uid %q, %d panels", err, dash.UID, len(dash.Panels))
	}
	ds, _ := os.ReadFile(filepath.Join(repo, "config/monitoring/grafana/provisioning/datasources/vcc.yml"))
	var prov struct {
		Datasources []struct{ UID string } `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(ds, &prov); err != nil || len(prov.Datasources) != 1 {
		t.Fatalf("datasource provisioning: %v", err)
	}
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	var exported string
	get(t, metricsURL(t, h)+"/metrics", &exported)
	metric := regexp.MustCompile(`\bvcc_[a-z_]+`)
	for _, p := range dash.Panels {
		if p.Datasource["uid"] != prov.Datasources[0].UID {
			t.Errorf("panel %q uses datasource %q, provisioned is %q", p.Title, p.Datasource["uid"], prov.Datasources[0].UID)
		}
		for _, tg := range p.Targets {
			for _, name := range metric.FindAllString(tg.Expr, -1) {
				if !strings.Contains(exported, "# TYPE "+name+" ") {
					t.Errorf("panel %q queries %s, which the controller does not export", p.Title, name)
				}
			}
		}
	}
}
