package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
)

func TestMain(m *testing.M) {
	// Hosts started by tests must not fight over Serf's default port.
	if err := os.Setenv("VCC_SERF_LISTEN", "127.0.0.1:0"); err != nil {
		panic(err) // TestMain has no t; no test could run right
	}
	code := m.Run()
	testenv.Cleanup()
	os.Exit(code)
}

// run runs vcc-host with args and returns its output and exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return testenv.RunHost(t, args...)
}

func TestUsage(t *testing.T) {
	cases := map[string]struct {
		args       []string
		wantCode   int
		wantStderr string
	}{
		"no_command":      {nil, 2, "usage: vcc-host"},
		"unknown_command": {[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		"plugins_no_sub":  {[]string{"plugins"}, 2, "want a subcommand"},
		"bad_flag":        {[]string{"plugins", "list", "--nope"}, 2, "flag provided but not defined: -nope"},
		"stray_arg":       {[]string{"plugins", "list", "extra"}, 2, `unexpected argument "extra"`},
		"install_no_path": {[]string{"plugins", "install"}, 2, "--path BIN is required"},
		"install_missing": {[]string{"plugins", "install", "--path", "/nonexistent/x"}, 1, "/nonexistent/x is not an executable file"},
		"version":         {[]string{"version"}, 0, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := run(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.wantCode, tc.wantStderr)
			}
		})
	}
}

// TestPluginsList checks the table and the JSON contract.
func TestPluginsList(t *testing.T) {
	dir := testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)})
	raw := filepath.Join(dir, "vcc-provider-raw")
	src, _ := os.ReadFile(testenv.TestPlugin(t, "raw", 1))
	if err := os.WriteFile(raw, src, 0o755); err != nil {
		t.Fatal(err)
	}

	out, stderr, code := run(t, "plugins", "list", "--json", "--plugin-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []pluginmgr.Status
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	type row struct {
		Name, State string
		Protocol    int
		Pinned      bool
		Simulator   bool
	}
	var rows []row
	for _, s := range got {
		rows = append(rows, row{s.Name, string(s.State), s.Protocol, s.Pinned, s.Simulator})
	}
	want := []row{{"raw", "refused", 0, false, false}, {"sim", "running", 1, true, true}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("list --json (-want +got):\n%s", diff)
	}
	for _, s := range got {
		if s.Name == "sim" && (len(s.SHA256) != 64 || s.Version != "0.1.0" || len(s.Capabilities) == 0 || s.Path != filepath.Join(dir, "vcc-provider-sim")) {
			t.Errorf("sim row incomplete: %+v", s)
		}
		if s.Name == "raw" && !strings.Contains(s.Reason, "plugins install --path") {
			t.Errorf("refusal reason %q does not say how to fix it", s.Reason)
		}
	}

	table, _, _ := run(t, "plugins", "list", "--plugin-dir", dir)
	for _, want := range []string{"NAME", "SHA256", "running [SIMULATOR]", "refused", "raw (refused): it is not pinned"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestPluginsInstall: a site's binary under any name is installed,
// renamed after what it reports, pinned, and then runs; a plugin of
// another protocol is refused at install.
func TestPluginsInstall(t *testing.T) {
	dir := t.TempDir()
	build := filepath.Join(t.TempDir(), "my-openstack-build")
	src, _ := os.ReadFile(testenv.TestPlugin(t, "openstack", 1))
	writeFile(t, build, src, 0o755)

	out, stderr, code := run(t, "plugins", "install", "--path", build, "--dir", dir)
	if code != 0 {
		t.Fatalf("install: exit %d: %s", code, stderr)
	}
	dest := filepath.Join(dir, "vcc-provider-openstack")
	if !strings.Contains(out, `installed provider "openstack"`) || !strings.Contains(out, dest) {
		t.Errorf("install output %q", out)
	}
	pin, err := pluginmgr.ReadPin(dest)
	sum, _ := pluginmgr.HashFile(build)
	if err != nil || pin != sum {
		t.Fatalf("pin %q (%v), want %q", pin, err, sum)
	}
	list, _, _ := run(t, "plugins", "list", "--plugin-dir", dir)
	if !strings.Contains(list, "openstack") || !strings.Contains(list, "running") {
		t.Errorf("installed plugin not running:\n%s", list)
	}

	old := filepath.Join(t.TempDir(), "vcc-provider-old")
	src, _ = os.ReadFile(testenv.TestPlugin(t, "old", 99))
	writeFile(t, old, src, 0o755)
	_, stderr, code = run(t, "plugins", "install", "--path", old, "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "protocol 99") || !strings.Contains(stderr, "protocol 1") {
		t.Errorf("installing a protocol-99 plugin: exit %d, %q; want exit 1 naming both protocols", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "vcc-provider-old")); err == nil {
		t.Error("a refused plugin was copied in")
	}
}

// TestNoPluginOutlivesHost: whether the host stops normally or is killed
// with SIGKILL, no plugin process remains.
func TestNoPluginOutlivesHost(t *testing.T) {
	for name, sig := range map[string]syscall.Signal{"sigterm": syscall.SIGTERM, "sigkill": syscall.SIGKILL} {
		t.Run(name, func(t *testing.T) {
			dir := testenv.PluginDir(t, true, map[string]string{
				"vcc-provider-sim": testenv.Sim(t), "vcc-provider-other": testenv.TestPlugin(t, "other", 1),
			})
			host := exec.Command(testenv.HostBinary(t), "serve", "--plugin-dir", dir, "--log-level", "warn",
				"--data", t.TempDir(), "--config", t.TempDir(), "--listen", "127.0.0.1:0", "--metrics-listen", "off")
			host.Stderr, host.Env = os.Stderr, append(os.Environ(), testenv.IsolatedEnv(t)...)
			if err := host.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, func() bool { return len(processesIn(dir)) == 2 }, "2 plugin processes")
			if err := host.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = host.Wait()
			waitFor(t, 5*time.Second, func() bool { return len(processesIn(dir)) == 0 }, "no plugin process left")
			if left := processesIn(dir); len(left) > 0 {
				t.Fatalf("plugin processes outlived the host: %v", left)
			}
		})
	}
}

// processesIn lists live processes whose executable lies in dir.
func processesIn(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.HasPrefix(exe, dir+"/") {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(stat), ") Z ") {
			continue // a zombie is dead, just not reaped by its new parent
		}
		out = append(out, fmt.Sprintf("%s (%s)", e.Name(), exe))
	}
	return out
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("waited %v for %s", d, what)
}
