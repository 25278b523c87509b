package liveness_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/liveness"
)

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, liveness.KeyFile)
	if key, err := liveness.LoadKey(path, false); err != nil || key != nil {
		t.Fatalf("missing key without create: %v %v, want nil, nil", key, err)
	}
	made, err := liveness.LoadKey(path, true)
	if err != nil || len(made) != 32 {
		t.Fatalf("made %d bytes, %v", len(made), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, err := liveness.LoadKey(path, true)
	if err != nil || string(again) != string(made) {
		t.Errorf("a second load made another key: %v", err)
	}
	for name, content := range map[string]string{"not base64": "%%%", "too short": "c2hvcnQ="} {
		bad := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		_ = os.WriteFile(bad, []byte(content), 0o600)
		if _, err := liveness.LoadKey(bad, true); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
}
