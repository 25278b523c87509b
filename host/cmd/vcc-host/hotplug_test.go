package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// hotHost is a running controller and the commands an operator runs
// beside it.
type hotHost struct {
	t *testing.T
	h *testenv.Host
}

// install runs `vcc-host plugins install --path bin` into the host's dir.
func (x hotHost) install(bin string) {
	x.t.Helper()
	if out, stderr, code := run(x.t, "plugins", "install", "--path", bin, "--dir", x.h.Plugin); code != 0 {
		x.t.Fatalf("plugins install %s: exit %d\n%s%s", bin, code, out, stderr)
	}
}

// init runs `vcc-host init` as the operator does after changing plugins
// and checks its exit code and what it says.
func (x hotHost) init(wantCode int, want []string, extra ...string) {
	x.t.Helper()
	args := append([]string{"init", "--config", x.h.Config, "--data", x.h.Data, "--plugin-dir", x.h.Plugin,
		"--cert", filepath.Join(x.h.Data, "no-cert"), "--dev-ca"}, extra...)
	out, stderr, code := run(x.t, args...)
	for _, w := range want {
		if !strings.Contains(out+stderr, w) {
			x.t.Fatalf("init %v: exit %d, output lacks %q:\n%s%s", extra, code, w, out, stderr)
		}
	}
	if code != wantCode {
		x.t.Fatalf("init %v: exit %d, want %d:\n%s%s", extra, code, wantCode, out, stderr)
	}
}

// versions are the plugins the API lists, name -> version (state when
// not running).
func (x hotHost) versions() map[string]string {
	x.t.Helper()
	out := map[string]string{}
	for _, p := range must[[]sdk.Plugin](x.t)(x.h.Client.Plugins(ctx(x.t))) {
		out[p.Name] = p.Version
		if p.State != "running" {
			out[p.Name] = p.State
		}
	}
	return out
}

func (x hotHost) wantVersions(want map[string]string) {
	x.t.Helper()
	got := x.versions()
	for name, v := range want {
		if got[name] != v {
			x.t.Fatalf("plugins: %v; want %s %q", got, name, v)
		}
	}
}

func (x hotHost) remove(base string) {
	x.t.Helper()
	for _, f := range []string{base, base + pluginmgr.PinSuffix} {
		check(x.t, os.Remove(filepath.Join(x.h.Plugin, f)))
	}
}

// TestHotPlugins: plugins added, upgraded and removed on a running
// controller with `vcc-host plugins install` and `vcc-host init`, while a
// unit uses one of them: no restart, no call lost, every refusal saying
// why and what keeps serving, `status` and `plugins list` showing it.
func TestHotPlugins(t *testing.T) {
	h := testenv.StartHostIn(t, map[string]string{"vpn_catalog.yml": "sim:\n  default:\n    latency_ms: 400\n"},
		testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)}), "--reconcile-interval", "0")
	x, c, cl := hotHost{t, h}, ctx(t), h.Client
	pid := h.PID()
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "hot", "compute"))

	// Add: a plugin installed beside the running host is served after init.
	x.install(testenv.TestPlugin(t, "extra", 1))
	x.init(0, []string{"plugin extra added", "configuration reloaded"})
	x.wantVersions(map[string]string{"sim": "0.1.0", "extra": "0.0.1"})

	// Upgrade while a create is under way: the operation still succeeds.
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 3}}))
	x.install(testenv.SimVersion(t, "0.2.0"))
	x.init(0, []string{"plugin sim upgraded: from version 0.1.0", "to", "version 0.2.0"})
	if op := must[*sdk.Operation](t)(cl.Wait(c, acc.OperationID)); op.State != "succeeded" {
		t.Fatalf("the create under way during the upgrade: %+v", op)
	}
	x.wantVersions(map[string]string{"sim": "0.2.0"})

	// A binary copied over without `plugins install` is refused; 0.2.0
	// keeps serving, and status and plugins list say so.
	sim := filepath.Join(h.Plugin, "vcc-provider-sim")
	copyFile(t, testenv.SimVersion(t, "0.3.0"), sim+".new", 0o755)
	check(t, os.Rename(sim+".new", sim))
	x.init(1, []string{"plugin sim refused", "changed after it was installed", "vcc-host plugins install --path " + sim, "0.2.0", "keeps serving"})
	settle(t, cl)(cl.AddNodes(c, vc.VCID, "u", sdk.AddNodesRequest{NumAddNodes: 1}))
	x.wantVersions(map[string]string{"sim": "0.2.0"})
	if out, _, _ := cli(t, h, "status"); !strings.Contains(out, "plugin sim") || !strings.Contains(out, "DEGRADED") || !strings.Contains(out, "keeps serving") {
		t.Fatalf("status after a refused upgrade:\n%s", out)
	}
	if out, _, _ := cli(t, h, "plugins", "list"); !strings.Contains(out, "running vcc-host") || !strings.Contains(out, "keeps serving") {
		t.Fatalf("plugins list after a refused upgrade:\n%s", out)
	}
	// The fix the refusal names: install it, then init.
	x.install(sim)
	x.init(0, []string{"plugin sim upgraded: from version 0.2.0"})
	x.wantVersions(map[string]string{"sim": "0.3.0"})

	// Remove: an unused plugin stops; one units use is kept unless asked.
	x.remove("vcc-provider-extra")
	x.init(0, []string{"plugin extra removed"})
	x.wantVersions(map[string]string{"extra": "removed", "sim": "0.3.0"})
	if _, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "x", Provider: "extra"}); err == nil || !strings.Contains(err.Error(), `no provider "extra"`) {
		t.Fatalf("a unit of a removed plugin: %v; want no provider", err)
	}
	x.remove("vcc-provider-sim")
	x.init(1, []string{"plugin sim kept", "1 unit(s) use it", "--force-plugin-removal"})
	x.wantVersions(map[string]string{"sim": "0.3.0"})
	x.init(0, []string{"plugin sim removed", "stopped as asked"}, "--force-plugin-removal")
	if out, _, _ := cli(t, h, "status"); !strings.Contains(out, "plugin sim") || !strings.Contains(out, "removed") {
		t.Fatalf("status after a forced removal:\n%s", out)
	}
	// Put back, it serves its units again.
	x.install(testenv.SimVersion(t, "0.2.0"))
	x.init(0, []string{"plugin sim added"})
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if h.PID() != pid {
		t.Fatal("the controller was restarted")
	}
}
