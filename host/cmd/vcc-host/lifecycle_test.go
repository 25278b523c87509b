package main_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestStatusAndDestroy: status lists every component of a running host
// (and exits 3 for a stopped one); destroy refuses while nodes exist,
// naming them, and with nodes gone stops the host and empties its data
// dir; --force says what it leaks.
func TestStatusAndDestroy(t *testing.T) {
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	out, stderr, code := cli(t, h, "status")
	for _, want := range []string{"REST API", "store", "secrets backend", "plugin sim", "serf"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("status: %d %q %s; want a line for %s", code, out, stderr, want)
		}
	}
	js, _, _ := cli(t, h, "status", "--json")
	var comps []struct{ Name, State string }
	if err := json.Unmarshal([]byte(js), &comps); err != nil || comps[0].Name != "REST API" || comps[0].State != "RUNNING" {
		t.Fatalf("status --json: %v %q", err, js)
	}

	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "keep", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	_, stderr, code = cli(t, h, "destroy")
	if code != 1 || !strings.Contains(stderr, "1 node(s) still exist") || !strings.Contains(stderr, "VC keep") {
		t.Fatalf("destroy with nodes: %d %q", code, stderr)
	}
	must[[]sdk.VC](t)(cl.ListUnitGroups(c)) // still serving
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	out, stderr, code = cli(t, h, "destroy")
	if code != 0 || !strings.Contains(out, "the running vcc-host stops and removes its data") {
		t.Fatalf("destroy: %d %q %s", code, out, stderr)
	}
	if left, _ := os.ReadDir(h.Data); len(left) != 0 {
		t.Errorf("destroy left %d entries in the data dir", len(left))
	}
	if _, _, code := cli(t, h, "status"); code != 3 {
		t.Errorf("status of a stopped host: exit %d, want 3", code)
	}
}

func TestDestroyForce(t *testing.T) {
	h := testenv.StartHost(t, "", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "leak", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	h.Stop()
	out, stderr, code := cli(t, h, "destroy", "--force")
	if code != 0 || !strings.Contains(out, "these 2 cloud instance(s) are left running") || !strings.Contains(out, "sim instance sim-") {
		t.Fatalf("destroy --force: %d %q %s", code, out, stderr)
	}
}

// TestEnvFile: a malformed or (with --require-env) missing .env value
// stops start-up, naming the variable, the place and an example.
func TestEnvFile(t *testing.T) {
	env := filepath.Join(t.TempDir(), ".env")
	writeFile(t, env, []byte("VCP_OFFICIAL_REGISTRY_ADDRESS=harbor.example.org\nVCP_VCC_PRIVATE_IPMASK=10.0.2.15\n"), 0o644)
	_, stderr, code := run(t, "serve", "--env-file", env, "--data", t.TempDir(), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, env+":2: VCP_VCC_PRIVATE_IPMASK=\"10.0.2.15\"") || !strings.Contains(stderr, "VCP_VCC_PRIVATE_IPMASK=10.0.2.15/24") {
		t.Errorf("malformed value: %d %q", code, stderr)
	}
	writeFile(t, env, []byte("VCP_OFFICIAL_REGISTRY_ADDRESS=harbor.example.org\n"), 0o644)
	_, stderr, code = run(t, "init", "--env-file", env, "--require-env", "--data", t.TempDir(), "--config", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "VCP_VCC_PRIVATE_IPMASK is not set") {
		t.Errorf("missing value: %d %q", code, stderr)
	}
	writeFile(t, env, []byte("VCP_VCC_PRIVATE_IPMASK=10.0.2.15/24\nGRAFANA_ADMIN_PASSWORD=admin\n"), 0o644)
	if _, stderr, code = run(t, "init", "--env-file", env, "--data", t.TempDir(), "--config", t.TempDir()); code != 1 || !strings.Contains(stderr, "well-known default") {
		t.Errorf("Grafana admin/admin: %d %q", code, stderr)
	}
	writeFile(t, env, []byte("VCP_VCC_PRIVATE_IPMASK=10.0.2.15/24\n"), 0o644)
	out, _, code := run(t, "init", "--env-file", env, "--data", t.TempDir(), "--config", t.TempDir())
	if code != 0 || !strings.Contains(out, "set GRAFANA_ADMIN_PASSWORD in "+env+" (vcc-host init --grafana-password makes one)") {
		t.Errorf("init without a Grafana password: %d %q", code, out)
	}
	out, _, code = run(t, "init", "--grafana-password", "--env-file", env, "--data", t.TempDir(), "--config", t.TempDir())
	if code != 0 || !regexp.MustCompile(`GRAFANA_ADMIN_PASSWORD=[0-9a-f]{20}\n`).MatchString(out) {
		t.Errorf("init --grafana-password: %d %q", code, out)
	}
}

// TestIPPoolFile: init reads the IP pool file a plugin names (sim_pool:
// sim_pool.yml) and refuses an address outside its prefix_len, naming
// file, line and key; with the file right it lists the pool.
func TestIPPoolFile(t *testing.T) {
	cfg := t.TempDir()
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim-pool": testenv.SimPool(t)})
	writeFile(t, filepath.Join(cfg, "vpn_catalog.yml"), []byte("sim_pool:\n  default:\n    private_network_ipmask: 192.168.0.0/16\n"), 0o644)
	pool := filepath.Join(cfg, "sim_pool.yml")
	writeFile(t, pool, []byte("default:\n  prefix_len: 24\n  ip_addresses:\n    - 192.168.10.11\n    - 192.168.20.11\n"), 0o644)
	out, stderr, code := run(t, "init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins)
	if code != 1 || !strings.Contains(out, pool+":5: sim_pool.default.ip_addresses[1]: 192.168.20.11 is outside 192.168.10.0/24 (prefix_len 24)") {
		t.Errorf("init: %d %q %q", code, out, stderr)
	}
	writeFile(t, pool, []byte("default:\n  prefix_len: 24\n  ip_addresses: [192.168.10.11, 192.168.10.12]\n"), 0o644)
	out, stderr, code = run(t, "init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins)
	if code != 0 || !strings.Contains(out, "IP pool sim_pool/default (sim_pool.yml): 2 addresses") {
		t.Errorf("init: %d %q %q", code, out, stderr)
	}
}

// TestLogs: every API call gets a request id (the caller's X-Request-Id
// when well formed), found in the JSON log file under volume/ and in the
// audit line.
func TestLogs(t *testing.T) {
	h := testenv.StartHost(t, "", "--log-level", "info", "--log-json", "--reconcile-interval", "0")
	req, _ := http.NewRequest(http.MethodPost, h.URL+sdk.Prefix+"/vcs", strings.NewReader(`{"name": "logged"}`))
	req.Header.Set("Authorization", "Bearer "+h.Token)
	req.Header.Set("X-Request-Id", "req-42")
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	closeBody(resp)
	if resp.Header.Get("X-Request-Id") != "req-42" {
		t.Errorf("X-Request-Id %q", resp.Header.Get("X-Request-Id"))
	}
	h.Stop()
	logs, _ := os.ReadFile(filepath.Join(h.Data, "logs", "vcc-host.log"))
	found := false
	for _, line := range strings.Split(string(logs), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["request_id"] == "req-42" && entry["@module"] == "vcc-host.api" && entry["status"] == float64(201) {
			found = true
		}
	}
	if !found {
		t.Errorf("the log file has no JSON line for request req-42:\n%s", logs)
	}
	audit, _ := os.ReadFile(filepath.Join(h.Data, "audit", "audit.log"))
	if !strings.Contains(string(audit), `"request_id":"req-42"`) {
		t.Error("the audit line lacks the request id")
	}
}
