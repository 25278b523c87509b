package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

const goodCatalog = "cci_version: '1.0'\nsim:\n  default: {}\n"

// TestInitAndReload: init names the file, line and key of each problem and
// loads nothing; it is idempotent; a running host reloads on init (and on
// SIGHUP), and keeps its config when the new one is bad; serve refuses to
// start on a bad config.
func TestInitAndReload(t *testing.T) {
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)})
	cfg, data := t.TempDir(), t.TempDir()
	catalog := filepath.Join(cfg, "vpn_catalog.yml")
	initArgs := []string{"init", "--config", cfg, "--data", data, "--plugin-dir", plugins}

	writeFile(t, catalog, []byte("sim:\n  default:\n    latency_ms: slow\n"), 0o644)
	out, stderr, code := run(t, initArgs...)
	if code != 1 || !strings.Contains(out, catalog+":3: sim.default.latency_ms: must be an integer, got a string") || !strings.Contains(stderr, "nothing was loaded") {
		t.Fatalf("init on a bad catalog: exit %d\n%s%s", code, out, stderr)
	}
	_, stderr, code = run(t, "serve", "--config", cfg, "--data", data, "--plugin-dir", plugins, "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, catalog+":3:") {
		t.Fatalf("serve on a bad catalog: exit %d, %s", code, stderr)
	}

	writeFile(t, catalog, []byte(goodCatalog), 0o644)
	for i := 0; i < 2; i++ {
		out, stderr, code = run(t, initArgs...)
		if code != 0 || !strings.Contains(out, "sim(default)") || !strings.Contains(out, "no vcc-host is running") {
			t.Fatalf("init #%d: exit %d\n%s%s", i+1, code, out, stderr)
		}
	}

	h := testenv.StartHost(t, goodCatalog)
	hostCatalog := filepath.Join(h.Config, "vpn_catalog.yml")
	writeFile(t, hostCatalog, []byte(goodCatalog+"  tokyo:\n    latency_ms: 1\n"), 0o644)
	out, stderr, code = run(t, "init", "--config", h.Config, "--data", h.Data, "--plugin-dir", h.Plugin)
	if code != 0 || !strings.Contains(out, "asked the running vcc-host") {
		t.Fatalf("init with a running host: exit %d\n%s%s", code, out, stderr)
	}
	waitFor(t, 5*time.Second, func() bool { return catalogHas(t, h, "tokyo") }, "the host to load the tokyo entry")

	writeFile(t, hostCatalog, []byte("sim:\n  default:\n    capacity: many\n"), 0o644)
	check(t, syscall.Kill(h.PID(), syscall.SIGHUP))
	time.Sleep(500 * time.Millisecond)
	if !catalogHas(t, h, "tokyo") {
		t.Fatal("a bad catalog replaced the good one on SIGHUP")
	}
}

func catalogHas(t *testing.T, h *testenv.Host, entry string) bool {
	resp, err := httpsClient(t, h).Do(authReq(t, h, "/vpn_catalog"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	var got map[string]map[string]any
	if err := jsonDecode(resp.Body, &got); err != nil {
		t.Fatal(err)
	}
	_, ok := got["sim"][entry]
	return ok
}

// TestInitRefusesStrangeFiles: a catalog that is a link out of the
// config dir (to a secret file, say) is refused without a word of what
// it points to; one with more entries than the limit is refused fast,
// naming the limit.
func TestInitRefusesStrangeFiles(t *testing.T) {
	plugins := testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)})
	secret := filepath.Join(t.TempDir(), "shadow")
	writeFile(t, secret, []byte("root:$6$SECRETSALT$SECRETHASHSECRETHASH:19700:0:99999:7:::\n"), 0o600)
	cfg := t.TempDir()
	catalog := filepath.Join(cfg, "vpn_catalog.yml")
	if err := os.Symlink(secret, catalog); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins)
	if code != 1 || !strings.Contains(out+stderr, catalog+": is a symbolic link to "+secret+", outside the config dir") || strings.Contains(out+stderr, "SECRET") {
		t.Errorf("init on a link out of the config dir: exit %d\n%s%s", code, out, stderr)
	}

	if err := os.Remove(catalog); err != nil {
		t.Fatal(err)
	}
	var big strings.Builder
	big.WriteString("sim:\n")
	for i := 0; i < 150_000; i++ {
		fmt.Fprintf(&big, "  e%d: {}\n", i)
	}
	writeFile(t, catalog, []byte(big.String()), 0o644)
	out, stderr, code = run(t, "init", "--config", cfg, "--data", t.TempDir(), "--plugin-dir", plugins)
	if code != 1 || !strings.Contains(out+stderr, catalog+": is larger than 1048576 bytes") {
		t.Errorf("init on a catalog of 150,000 entries: exit %d\n%s%s", code, out, stderr)
	}
}

// TestInitRefusesCatalogMistakes: a provider section that is a typo of an
// installed provider ("smi:") is an error with "did you mean", and a
// catalog that drops an entry a unit still uses is refused; in both cases
// the catalog in force stays and the unit keeps working.
func TestInitRefusesCatalogMistakes(t *testing.T) {
	h := testenv.StartHost(t, goodCatalog+"  tokyo:\n    latency_ms: 1\n")
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "catalog", "compute"))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{
		UnitName: "web", Provider: "sim", Spec: map[string]any{"num_nodes": 1, "private_network": "tokyo"},
	}))
	hostCatalog := filepath.Join(h.Config, "vpn_catalog.yml")
	initArgs := []string{"init", "--config", h.Config, "--data", h.Data, "--plugin-dir", h.Plugin}
	cases := map[string]struct {
		catalog string
		want    string
	}{
		"typo": {goodCatalog + "  tokyo:\n    latency_ms: 1\nsmi:\n  osaka: {}\n",
			`smi.osaka: no plugin for this provider is installed (did you mean "sim"? installed: `},
		"entry_in_use": {goodCatalog,
			hostCatalog + ": sim.tokyo: entry removed but still used by 1 unit(s): " + vc.VCID + "/web; keep the entry until they are deleted"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			writeFile(t, hostCatalog, []byte(tc.catalog), 0o644)
			out, stderr, code := run(t, initArgs...)
			if code != 1 || !strings.Contains(out+stderr, tc.want) {
				t.Fatalf("init: exit %d, want 1 and %q in\n%s%s", code, tc.want, out, stderr)
			}
			if !catalogHas(t, h, "tokyo") {
				t.Fatal("the catalog in force lost its tokyo entry")
			}
		})
	}
	settle(t, cl)(cl.AddNodes(c, vc.VCID, "web", sdk.AddNodesRequest{NumAddNodes: 1}))
}
