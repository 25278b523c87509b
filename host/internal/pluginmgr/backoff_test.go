package pluginmgr_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// script writes an executable shell script as a pinned plugin file.
func script(t *testing.T, dir, base, body string) string {
	t.Helper()
	path := filepath.Join(dir, base)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, _ := pluginmgr.HashFile(path)
	if err := pluginmgr.WritePin(path, sum); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStartFailures: plugins that cannot start are reported with what
// went wrong and the configured start timeout.
func TestStartFailures(t *testing.T) {
	cases := map[string]struct {
		body string
		want []string
	}{
		"hangs":       {"exec sleep 30", []string{"timeout while waiting for plugin to start", "start timeout 300ms"}},
		"exits":       {"exit 3", []string{"exited without a handshake", "plugin.vcc-provider-bad"}},
		"stdout_junk": {"echo hello world; exec sleep 30", []string{`printed "hello world" on stdout`, "must log to stderr"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			script(t, dir, "vcc-provider-bad", tc.body)
			m := pluginmgr.New(pluginmgr.Config{Dirs: []string{dir}, StartTimeout: 300 * time.Millisecond})
			m.Start(context.Background())
			defer m.Close()
			st := m.Statuses()[0]
			if st.State != pluginmgr.StateCrashed {
				t.Fatalf("state %q, want crashed", st.State)
			}
			for _, w := range tc.want {
				if !strings.Contains(st.Reason, w) {
					t.Errorf("reason %q lacks %q", st.Reason, w)
				}
			}
		})
	}
}

// TestRestartBackoff: a plugin that dies at every start is retried with a
// growing delay, and callers waiting for it give up with their context.
func TestRestartBackoff(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "starts")
	script(t, dir, "vcc-provider-flaky", "echo x >> "+count+"; exit 1")
	m := pluginmgr.New(pluginmgr.Config{
		Dirs: []string{dir}, Supervise: true, RestartBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	m.Start(context.Background())
	defer m.Close()

	p, _ := m.Provider("flaky")
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	_, err := p.GetInfo(ctx)
	if err == nil || !strings.Contains(err.Error(), "waiting for the plugin to (re)start") {
		t.Fatalf("call to a plugin that cannot start: %v", err)
	}
	raw, _ := os.ReadFile(count)
	// Delays 50, 100, 200, 200, ... ms: about 7 starts in 1.2 s; without
	// backoff there would be dozens, without restarts one.
	if n := strings.Count(string(raw), "x"); n < 4 || n > 12 {
		t.Fatalf("%d starts in 1.2 s; want a backoff-paced handful", n)
	}
	if st := m.Statuses()[0]; st.State != pluginmgr.StateCrashed || !strings.Contains(st.Reason, "exited without a handshake") {
		t.Fatalf("status %+v", st)
	}
}
