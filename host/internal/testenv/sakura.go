package testenv

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// SakuraPlugin builds the test build of vcc-provider-sakura (tag
// sakurafake): it drives iaas-api-go's fake, kept in the store file
// SAKURACLOUD_FAKE_STORE_PATH names, instead of Sakura Cloud. Installed
// under the name vcc-provider-sakura, it is the sakura provider.
func SakuraPlugin(t testing.TB) string {
	return buildWith(t, "vcc-provider-sakura-fake", "plugins/sakura", ".", []string{"-tags", "sakurafake"})
}

// SakuraDiskPlugin builds the test build of vcc-provider-sakura-disk:
// with SAKURACLOUD_FAKE_SHARED set, it and the sakura test build both
// write the store SAKURACLOUD_FAKE_STORE_PATH names.
func SakuraDiskPlugin(t testing.TB) string {
	return buildWith(t, "vcc-provider-sakura-disk-fake", "plugins/sakura", "./cmd/vcc-provider-sakura-disk", []string{"-tags", "sakurafake"})
}

// sakuraFakeCloud builds the fake's tool: seed a store, list it.
func sakuraFakeCloud(t testing.TB) string {
	return build(t, "sakura-fakecloud", "plugins/sakura", "./fakecloud/cmd/sakura-fakecloud")
}

var (
	sakuraMu       sync.Mutex
	sakuraSeed     string
	sakuraSwitches map[string]string
)

// SakuraStore returns a fresh copy of a seeded fake store (in the test's
// temp dir) and the id of the local switch of each zone in it. Seeding
// happens once per test process. The store has one writer: the plugin
// process using it; a test only reads it (SakuraCloud).
func SakuraStore(t testing.TB) (string, map[string]string) {
	t.Helper()
	sakuraMu.Lock()
	defer sakuraMu.Unlock()
	if sakuraSeed == "" {
		tool := sakuraFakeCloud(t)
		path := filepath.Join(filepath.Dir(tool), "sakura-seed.json")
		out, err := exec.Command(tool, "seed", "-store", path).Output()
		if err != nil {
			t.Fatalf("seed the Sakura fake: %v", err)
		}
		if err := json.Unmarshal(out, &sakuraSwitches); err != nil {
			t.Fatalf("sakura-fakecloud seed printed %q: %v", out, err)
		}
		sakuraSeed = path
	}
	raw, err := os.ReadFile(sakuraSeed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sakura-store.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, sakuraSwitches
}

// SakuraResource is what the fake holds of a server, disk or startup
// script (sakura-fakecloud list).
type SakuraResource struct {
	Kind     string   `json:"kind"` // Server, Disk or Note
	Zone     string   `json:"zone"`
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Tags     []string `json:"tags"`
	Status   string   `json:"status"` // up, cleaning, down
	IP       string   `json:"ip"`
	SwitchID string   `json:"switch_id"`
	ServerID string   `json:"server_id"`
}

// SakuraCloud lists the servers, disks and startup scripts of the store,
// reading the file only.
func SakuraCloud(t testing.TB, store string) []SakuraResource {
	t.Helper()
	out, err := exec.Command(sakuraFakeCloud(t), "list", "-store", store).Output()
	if err != nil {
		t.Fatalf("sakura-fakecloud list: %v", err)
	}
	var rs []SakuraResource
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("sakura-fakecloud list printed %q: %v", out, err)
	}
	return rs
}
