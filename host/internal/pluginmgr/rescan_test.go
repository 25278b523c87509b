package pluginmgr_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
)

// replace puts src at dir/base without touching its pin, as a `cp` over
// an installed plugin would.
func replace(t *testing.T, dir, base, src string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "replacing.tmp")
	if err := os.WriteFile(tmp, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, base)); err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func inUse(n int) func(context.Context, string) (int, error) {
	return func(context.Context, string) (int, error) { return n, nil }
}

// serving is the version the provider answers GetInfo with, or "" when
// it is not installed.
func serving(t *testing.T, m *pluginmgr.Manager, name string) string {
	t.Helper()
	p, err := m.Provider(name)
	if err != nil {
		return ""
	}
	info, err := p.GetInfo(context.Background())
	if err != nil {
		t.Fatalf("%s: GetInfo: %v", name, err)
	}
	return info.Version
}

// TestRescan: what a reload does to the plugins of a running host for
// each change an operator can make to a plugin dir, with real binaries.
func TestRescan(t *testing.T) {
	const sim = "vcc-provider-sim"
	v1, v2 := testenv.Sim(t), testenv.SimVersion(t, "0.2.0")
	cases := map[string]struct {
		change      func(t *testing.T, dir string)
		opts        pluginmgr.RescanOptions
		want        []string // name action
		wantDetail  string
		wantServing map[string]string // provider -> version ("" not installed)
		wantNote    string            // in sim's status note
	}{
		"nothing_changed": {
			change:      func(*testing.T, string) {},
			wantServing: map[string]string{"sim": "0.1.0"},
		},
		"added": {
			change: func(t *testing.T, dir string) {
				testenv.Install(t, dir, "vcc-provider-extra", testenv.TestPlugin(t, "extra", 1))
			},
			want:        []string{"extra added"},
			wantServing: map[string]string{"sim": "0.1.0", "extra": "0.0.1"},
		},
		"upgraded": {
			change:      func(t *testing.T, dir string) { testenv.Install(t, dir, sim, v2) },
			want:        []string{"sim upgraded"},
			wantDetail:  "from version 0.1.0",
			wantServing: map[string]string{"sim": "0.2.0"},
			wantNote:    "upgraded by the reload",
		},
		"newer_versioned_file_wins": {
			change:      func(t *testing.T, dir string) { testenv.Install(t, dir, sim+"_v0.2.0", v2) },
			want:        []string{"sim upgraded"},
			wantServing: map[string]string{"sim": "0.2.0"},
		},
		"changed_not_reinstalled": {
			change:      func(t *testing.T, dir string) { replace(t, dir, sim, v2) },
			want:        []string{"sim refused"},
			wantDetail:  "vcc-host plugins install --path",
			wantServing: map[string]string{"sim": "0.1.0"},
			wantNote:    "0.1.0 (pid",
		},
		"unpinned": {
			change: func(t *testing.T, dir string) {
				replace(t, dir, sim, v2)
				removeFile(t, filepath.Join(dir, sim+pluginmgr.PinSuffix))
			},
			want:        []string{"sim refused"},
			wantDetail:  "not pinned",
			wantServing: map[string]string{"sim": "0.1.0"},
			wantNote:    "keeps serving",
		},
		"other_protocol": {
			change:      func(t *testing.T, dir string) { testenv.Install(t, dir, sim, testenv.TestPlugin(t, "sim", 99)) },
			want:        []string{"sim refused"},
			wantDetail:  "protocol 99",
			wantServing: map[string]string{"sim": "0.1.0"},
		},
		"removed_unused": {
			change:      func(t *testing.T, dir string) { removeFile(t, filepath.Join(dir, sim)) },
			opts:        pluginmgr.RescanOptions{InUse: inUse(0)},
			want:        []string{"sim removed"},
			wantServing: map[string]string{"sim": ""},
		},
		"removed_in_use_kept": {
			change:      func(t *testing.T, dir string) { removeFile(t, filepath.Join(dir, sim)) },
			opts:        pluginmgr.RescanOptions{InUse: inUse(2)},
			want:        []string{"sim kept"},
			wantDetail:  "2 unit(s) use it",
			wantServing: map[string]string{"sim": "0.1.0"},
			wantNote:    "--force-plugin-removal",
		},
		"removed_in_use_forced": {
			change:      func(t *testing.T, dir string) { removeFile(t, filepath.Join(dir, sim)) },
			opts:        pluginmgr.RescanOptions{InUse: inUse(2), Force: true},
			want:        []string{"sim removed"},
			wantDetail:  "stopped as asked",
			wantServing: map[string]string{"sim": ""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := testenv.PluginDir(t, true, map[string]string{sim: v1})
			m := start(t, dir, nil)
			tc.change(t, dir)
			changes := m.Rescan(context.Background(), tc.opts)
			var got []string
			for _, ch := range changes {
				got = append(got, ch.Name+" "+ch.Action)
				if !strings.Contains(ch.Detail, tc.wantDetail) {
					t.Errorf("detail %q lacks %q", ch.Detail, tc.wantDetail)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s\n%+v", diff, changes)
			}
			for prov, want := range tc.wantServing {
				if got := serving(t, m, prov); got != want {
					t.Errorf("%s serves version %q, want %q", prov, got, want)
				}
			}
			if st := status(t, m, "sim"); tc.wantNote != "" && !strings.Contains(st.Note+st.Problem, tc.wantNote) {
				t.Errorf("sim's status note %q, problem %q: want %q", st.Note, st.Problem, tc.wantNote)
			}
			// A refusal or a kept plugin is reported again; a change done
			// is done once.
			again := m.Rescan(context.Background(), tc.opts)
			for _, ch := range again {
				if ch.Action != pluginmgr.ActionRefused && ch.Action != pluginmgr.ActionKept {
					t.Errorf("a second rescan changed more: %+v", ch)
				}
			}
		})
	}
}

// TestUpgradeBetweenCalls: a call running when the upgrade comes finishes
// on the old process, calls after it reach the new one, and the old
// process goes once its call is over.
func TestUpgradeBetweenCalls(t *testing.T) {
	const sim = "vcc-provider-sim"
	dir := testenv.PluginDir(t, true, map[string]string{sim: testenv.Sim(t)})
	m := start(t, dir, nil)
	p, _ := m.Provider("sim")
	oldPID := status(t, m, "sim").PID
	errc := make(chan error, 1)
	go func() {
		_, err := p.CreateNode(context.Background(), simReq(t, 1500))
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond) // the call is inside the plugin now
	testenv.Install(t, dir, sim, testenv.SimVersion(t, "0.2.0"))
	if ch := m.Rescan(context.Background(), pluginmgr.RescanOptions{}); len(ch) != 1 || ch[0].Action != pluginmgr.ActionUpgraded {
		t.Fatalf("rescan: %+v; want sim upgraded", ch)
	}
	if v := serving(t, m, "sim"); v != "0.2.0" {
		t.Fatalf("after the upgrade sim serves %q, want 0.2.0", v)
	}
	if syscall.Kill(oldPID, 0) != nil {
		t.Fatal("the old process went before its call was over")
	}
	if err := <-errc; err != nil {
		t.Fatalf("the call in flight during the upgrade: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(oldPID, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("old process %d still runs after its call ended", oldPID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := status(t, m, "sim"); st.PID == oldPID || st.State != pluginmgr.StateRunning || st.Crashes != 0 {
		t.Fatalf("after the upgrade: %+v; want a new pid, running, no crash", st)
	}
}
