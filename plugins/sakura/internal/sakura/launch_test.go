package sakura

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
)

// Binaries built once per test process: the plugin (test build or not)
// and the fake's seeder, and one seeded store that each test copies.
var (
	binOnce  sync.Once
	binDir   string
	binErr   error
	built    = map[string]string{}
	seedSw   fakecloud.Switches
	seedPath string
)

// goBuild compiles pkg (relative to the module) with args, once per name.
func goBuild(t *testing.T, name, pkg string, args ...string) string {
	t.Helper()
	binOnce.Do(func() { binDir, binErr = os.MkdirTemp("", "sakura-test-") })
	if binErr != nil {
		t.Fatal(binErr)
	}
	if p, ok := built[name]; ok {
		return p
	}
	out := filepath.Join(binDir, name)
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), pkg)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built[name] = out
	return out
}

// testBuild is the plugin binary that drives the fake.
func testBuild(t *testing.T) string {
	return goBuild(t, "vcc-provider-sakura-fake", ".", "-tags", "sakurafake")
}

// seeded returns a fresh copy of a seeded store and its switches:
// seeding is done once, by the seeder in a process of its own.
func seeded(t *testing.T) (string, fakecloud.Switches) {
	t.Helper()
	if seedPath == "" {
		seeder := goBuild(t, "sakura-fakecloud", "./fakecloud/cmd/sakura-fakecloud")
		path := filepath.Join(binDir, "seed.json")
		out, err := exec.Command(seeder, "seed", "-store", path).Output()
		if err != nil {
			t.Fatalf("seed the fake store: %v", err)
		}
		if err := json.Unmarshal(out, &seedSw); err != nil {
			t.Fatalf("seeder printed %q: %v", out, err)
		}
		seedPath = path
	}
	raw, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "store.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, seedSw
}
