// Package testenv builds and stages the real binaries host tests run:
// vcc-host, the sim plugin and the testplugin fixture. Builds happen once
// per test process and land in one temp dir that Cleanup removes.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

var (
	mu       sync.Mutex
	buildDir string
	built    = map[string]string{}
)

// Cleanup removes the build dir; call it from TestMain after m.Run.
// VCC_TEST_KEEP_BINARIES=1 keeps it (and says where), so that a profiler
// such as perf can name the functions of the programs a test ran.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if buildDir != "" && os.Getenv("VCC_TEST_KEEP_BINARIES") != "" {
		fmt.Fprintf(os.Stderr, "testenv: kept the test binaries in %s\n", buildDir)
		return
	}
	if buildDir != "" {
		if err := os.RemoveAll(buildDir); err != nil { // TestMain has no t to fail
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		}
	}
}

// RepoRoot is the directory holding go.work.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.work above the test's directory")
		}
		dir = parent
	}
}

// build runs `go build` once per key and returns the binary's path.
func build(t testing.TB, key, moduleDir, pkg string, ldflags ...string) string {
	t.Helper()
	return buildWith(t, key, moduleDir, pkg, nil, ldflags...)
}

// buildWith is build with more `go build` flags (-tags ...).
func buildWith(t testing.TB, key, moduleDir, pkg string, flags []string, ldflags ...string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "vcc-testbin-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, key)
	args := append([]string{"build", "-o", out}, flags...)
	if len(ldflags) > 0 {
		args = append(args, "-ldflags", strings.Join(ldflags, " "))
	}
	// Static, like make build: the same binaries run in the image.
	env := append(os.Environ(), "CGO_ENABLED=0")
	if os.Getenv("VCC_TEST_RACE") != "" && !inContainer[key] {
		// The programs the tests start, under the race detector (not
		// for the image tests: the binaries are then dynamic).
		args = append(args, "-race")
		env = append(os.Environ(), "CGO_ENABLED=1")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = filepath.Join(RepoRoot(t), moduleDir)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: go build %s: %v\n%s", pkg, err, b)
	}
	built[key] = out
	return out
}

// HostBinary builds vcc-host.
func HostBinary(t testing.TB) string {
	return build(t, "vcc-host", "host", "./cmd/vcc-host")
}

// Sim builds the sim plugin.
func Sim(t testing.TB) string {
	return build(t, "vcc-provider-sim", "plugins/sim", ".")
}

// SimVersion builds the sim plugin reporting version: a second, different
// binary of the same plugin, for upgrade tests.
func SimVersion(t testing.TB, version string) string {
	return build(t, "vcc-provider-sim-"+version, "plugins/sim", ".", "-X main.version="+version)
}

// Install copies the binary src into dir as base and pins it, as
// `vcc-host plugins install` does (through a rename, so a running host
// never sees half a file).
func Install(t testing.TB, dir, base, src string) {
	t.Helper()
	dest := filepath.Join(dir, base)
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dest+".tmp", raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dest+".tmp", dest); err != nil {
		t.Fatal(err)
	}
	sum, err := pluginmgr.HashFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := pluginmgr.WritePin(dest, sum); err != nil {
		t.Fatal(err)
	}
}

// SimPool builds vcc-provider-sim-pool, the simulator whose nodes take
// their addresses from the host's IP pools (sim_pool.yml).
func SimPool(t testing.TB) string {
	return build(t, "vcc-provider-sim-pool", "plugins/sim", "./cmd/vcc-provider-sim-pool")
}

// TestPlugin builds the fixture plugin reporting name and speaking
// protocol.
func TestPlugin(t testing.TB, name string, protocol int) string {
	const pkg = "github.com/vccproject/vcc/host/internal/testenv/testplugin"
	return build(t, fmt.Sprintf("testplugin-%s-p%d", name, protocol), "host", pkg,
		"-X main.name="+name, fmt.Sprintf("-X main.protocol=%d", protocol))
}

// AWSPlugins builds vcc-provider-aws and vcc-provider-aws-spot.
func AWSPlugins(t testing.TB) map[string]string {
	return map[string]string{
		"vcc-provider-aws":      build(t, "vcc-provider-aws", "plugins/aws", "./cmd/vcc-provider-aws"),
		"vcc-provider-aws-spot": build(t, "vcc-provider-aws-spot", "plugins/aws", "./cmd/vcc-provider-aws-spot"),
	}
}

// AWSDiskPlugin builds vcc-provider-aws-disk (EBS volumes).
func AWSDiskPlugin(t testing.TB) string {
	return build(t, "vcc-provider-aws-disk", "plugins/aws", "./cmd/vcc-provider-aws-disk")
}

// OnPremPlugin builds vcc-provider-onpremises.
func OnPremPlugin(t testing.TB) string {
	return build(t, "vcc-provider-onpremises", "plugins/onpremises", ".")
}

// inContainer are the binaries that run in FROM-scratch images, which
// must stay static.
var inContainer = map[string]bool{"vcc-node": true}

// NodeAgent builds vcc-node, the Base container's agent.
func NodeAgent(t testing.TB) string {
	return build(t, "vcc-node", "host", "./cmd/vcc-node")
}

// KeyedPlugin builds the fixture plugin "keyed", which requires the
// credential "token" and fails a create that does not bring it.
func KeyedPlugin(t testing.TB) string {
	const pkg = "github.com/vccproject/vcc/host/internal/testenv/testplugin"
	return build(t, "testplugin-keyed", "host", pkg, "-X main.name=keyed", "-X main.requireCred=token")
}

// PluginDir makes a temp plugin dir holding a copy of each binary under
// the given file name (key), pinned unless pin is false.
func PluginDir(t testing.TB, pin bool, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for base, src := range files {
		dest := filepath.Join(dir, base)
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dest, raw, 0o755); err != nil {
			t.Fatal(err)
		}
		if !pin {
			continue
		}
		sum, err := pluginmgr.HashFile(dest)
		if err != nil {
			t.Fatal(err)
		}
		if err := pluginmgr.WritePin(dest, sum); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// SimCatalog is a sim catalog entry with its own state dir.
func SimCatalog(t testing.TB, latencyMS int) []byte {
	return []byte(fmt.Sprintf(`{"sim_state_dir": %q, "latency_ms": %d}`, t.TempDir(), latencyMS))
}
