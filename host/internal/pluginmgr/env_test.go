package pluginmgr_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// TestPluginDataDir: every plugin started by a manager with a DataDir
// gets its own directory, made 0700, in VCC_PLUGIN_DATA_DIR, whatever the
// host's own environment says; without a DataDir it gets none. The
// plugin is a real process that writes what it was given and exits.
func TestPluginDataDir(t *testing.T) {
	cases := map[string]struct {
		dataDir bool
		stray   string // VCC_PLUGIN_DATA_DIR in the host's environment
		want    string // relative to the data dir; "-" for unset
	}{
		"given":          {dataDir: true, want: "probe"},
		"host_env_loses": {dataDir: true, stray: "/somewhere/else", want: "probe"},
		"none":           {want: "-"},
		"none_no_leak":   {stray: "/somewhere/else", want: "-"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pdir, data, out := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "env")
			script(t, pdir, "vcc-provider-probe", `echo "${VCC_PLUGIN_DATA_DIR:--}" > `+out+`; exit 1`)
			t.Setenv("VCC_PLUGIN_DATA_DIR", tc.stray)
			if tc.stray == "" {
				if err := os.Unsetenv("VCC_PLUGIN_DATA_DIR"); err != nil { // Setenv above restores it
					t.Fatal(err)
				}
			}
			cfg := pluginmgr.Config{Dirs: []string{pdir}}
			if tc.dataDir {
				cfg.DataDir = data
			}
			m := pluginmgr.New(cfg)
			m.Start(context.Background())
			m.Close()
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("the plugin did not run: %v", err)
			}
			got := strings.TrimSpace(string(raw))
			want := tc.want
			if want != "-" {
				want = filepath.Join(data, tc.want)
				if fi, err := os.Stat(want); err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("data dir %s: %v %v, want a 0700 directory", want, fi, err)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("VCC_PLUGIN_DATA_DIR (-want +got): %s", diff)
			}
		})
	}
}
