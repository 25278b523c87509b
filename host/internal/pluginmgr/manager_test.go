package pluginmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Cleanup()
	os.Exit(code)
}

// start makes a supervising manager over dir; it is closed with the test.
func start(t *testing.T, dir string, logs *testenv.SyncBuffer) *pluginmgr.Manager {
	t.Helper()
	var out interface{ Write([]byte) (int, error) } = os.Stderr
	level := hclog.Warn
	if logs != nil {
		out, level = logs, hclog.Debug
	}
	m := pluginmgr.New(pluginmgr.Config{
		Dirs: []string{dir}, Supervise: true, LogLevel: "debug",
		Logger: hclog.New(&hclog.LoggerOptions{Output: out, Level: level}),
	})
	m.Start(context.Background())
	t.Cleanup(m.Close)
	return m
}

func status(t *testing.T, m *pluginmgr.Manager, name string) pluginmgr.Status {
	t.Helper()
	for _, s := range m.Statuses() {
		if s.Name == name && s.State != "shadowed" {
			return s
		}
	}
	t.Fatalf("no plugin %q in %+v", name, m.Statuses())
	return pluginmgr.Status{}
}

func simReq(t *testing.T, latencyMS int) provider.NodeRequest {
	return provider.NodeRequest{
		Env:  provider.CallEnv{ControllerID: "ctl-test", CatalogEntryName: "default", CatalogEntry: testenv.SimCatalog(t, latencyMS)},
		Node: provider.NodeRef{NodeID: "node-" + strings.ReplaceAll(t.Name(), "/", "-"), NodeNo: 1},
		Spec: json.RawMessage(`{}`),
	}
}

// TestHandshakeAndCalls: a real sim subprocess is found, pinned, started,
// and answers calls through the supervised provider.
func TestHandshakeAndCalls(t *testing.T) {
	m := start(t, testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)}), nil)
	st := status(t, m, "sim")
	if st.State != pluginmgr.StateRunning || st.Protocol != 1 || !st.Pinned || st.PID == 0 || !st.Simulator {
		t.Fatalf("status %+v: want running, protocol 1, pinned, a pid, simulator", st)
	}
	p, err := m.Provider("SIM")
	if err != nil {
		t.Fatal(err)
	}
	req := simReq(t, 0)
	created, err := p.CreateNode(context.Background(), req)
	if err != nil || created.State != provider.InstanceRunning {
		t.Fatalf("CreateNode: %+v, %v", created, err)
	}
	if _, err := m.Provider("nope"); err == nil || !strings.Contains(err.Error(), "installed: sim") {
		t.Errorf("unknown provider error %v: want the installed list", err)
	}
}

// TestRefusals: each way a plugin can be unfit is refused with a reason
// and a fix, and the plugin is never called.
func TestRefusals(t *testing.T) {
	sim := testenv.Sim(t)
	cases := map[string]struct {
		files      map[string]string
		pin        bool
		tamper     bool
		wantReason []string
		wantFix    string
	}{
		"unpinned": {
			files: map[string]string{"vcc-provider-sim": sim}, pin: false,
			wantReason: []string{"not pinned"}, wantFix: "vcc-host plugins install --path",
		},
		"checksum_mismatch": {
			files: map[string]string{"vcc-provider-sim": sim}, pin: true, tamper: true,
			wantReason: []string{"SHA-256 is", "pins"}, wantFix: "vcc-host plugins install --path",
		},
		"name_mismatch": {
			files: map[string]string{"vcc-provider-other": sim}, pin: true,
			wantReason: []string{`file name says provider "other"`, `it is "sim"`}, wantFix: "rename the file to vcc-provider-sim",
		},
		"protocol_mismatch": {
			files: map[string]string{"vcc-provider-old": testenv.TestPlugin(t, "old", 99)}, pin: true,
			wantReason: []string{`plugin "old"`, "protocol 99", "speaks protocol 1"}, wantFix: "rebuild the plugin against vcc.provider.v1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := testenv.PluginDir(t, tc.pin, tc.files)
			var plugName string
			for base := range tc.files {
				plugName = strings.TrimPrefix(base, pluginmgr.FilePrefix)
				if tc.tamper {
					f, err := os.OpenFile(dir+"/"+base, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := f.Write([]byte("tampered")); err != nil {
						t.Fatal(err)
					}
					if err := f.Close(); err != nil {
						t.Fatal(err)
					}
				}
			}
			m := start(t, dir, nil)
			st := status(t, m, plugName)
			if st.State != pluginmgr.StateRefused {
				t.Fatalf("state %q, want refused (%+v)", st.State, st)
			}
			for _, want := range append(tc.wantReason, tc.wantFix) {
				if !strings.Contains(st.Reason, want) {
					t.Errorf("reason %q lacks %q", st.Reason, want)
				}
			}
			p, _ := m.Provider(plugName)
			if _, err := p.GetInfo(context.Background()); err == nil {
				t.Error("a refused plugin answered a call")
			}
		})
	}
}

// TestKillMidCallRestarts: kill -9 of the plugin during a CreateNode
// restarts it once; the create (safe to repeat) is retried and succeeds,
// and so do calls that were in flight together.
func TestKillMidCallRestarts(t *testing.T) {
	m := start(t, testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)}), nil)
	p, _ := m.Provider("sim")
	before := status(t, m, "sim")
	req := simReq(t, 1500)

	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req
			r.Node.NodeID = req.Node.NodeID + string(rune('a'+i))
			_, errs[i] = p.CreateNode(context.Background(), r)
		}()
	}
	time.Sleep(300 * time.Millisecond) // the calls are inside the plugin now
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d after the crash: %v", i, err)
		}
	}
	after := status(t, m, "sim")
	if after.State != pluginmgr.StateRunning || after.Crashes != 1 || after.PID == before.PID {
		t.Fatalf("after the crash: %+v; want running, crashed once, a new pid", after)
	}
	got, err := p.DescribeNodes(context.Background(), provider.DescribeRequest{Env: req.Env, AllOfController: true})
	if err != nil || len(got) != len(errs) {
		t.Fatalf("describe after restart: %d instances, err %v; want %d (one per node, no duplicates)", len(got), err, len(errs))
	}
}

// TestUnsafeCallNotRetried: a reboot cut by a crash is reported, not
// repeated.
func TestUnsafeCallNotRetried(t *testing.T) {
	m := start(t, testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)}), nil)
	p, _ := m.Provider("sim")
	req := simReq(t, 1500)
	fast := req
	fast.Env.CatalogEntry = json.RawMessage(strings.Replace(string(req.Env.CatalogEntry), `"latency_ms": 1500`, `"latency_ms": 0`, 1))
	if _, err := p.CreateNode(context.Background(), fast); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := p.(provider.Rebooter).Reboot(context.Background(), req)
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(status(t, m, "sim").PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "not safe to repeat") {
		t.Fatalf("reboot cut by a crash: %v; want an error saying it was not retried", err)
	}
	if _, err := p.GetInfo(context.Background()); err != nil {
		t.Fatalf("next call after restart: %v", err)
	}
}

// TestCapabilityGate: power calls to a plugin without the capability fail
// with an "unsupported" diagnostic before reaching it.
func TestCapabilityGate(t *testing.T) {
	m := start(t, testenv.PluginDir(t, true, map[string]string{"vcc-provider-nopower": testenv.TestPlugin(t, "nopower", 1)}), nil)
	p, _ := m.Provider("nopower")
	_, err := p.(provider.Powerer).PowerOff(context.Background(), provider.NodeRequest{Node: provider.NodeRef{NodeID: "n"}})
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || !de.HasCode(provider.CodeUnsupported) || !strings.Contains(err.Error(), `"nopower" does not support power off`) {
		t.Fatalf("PowerOff: %v; want an unsupported diagnostic naming the provider", err)
	}
}

// TestPluginLogsReachHost: a plugin's hclog lines arrive in the host log
// under the plugin's name and at their own level.
func TestPluginLogsReachHost(t *testing.T) {
	var logs testenv.SyncBuffer
	m := start(t, testenv.PluginDir(t, true, map[string]string{"vcc-provider-chatty": testenv.TestPlugin(t, "chatty", 1)}), &logs)
	p, _ := m.Provider("chatty")
	if _, err := p.CreateNode(context.Background(), provider.NodeRequest{Node: provider.NodeRef{NodeID: "n42"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "[INFO]") && strings.Contains(line, "plugin.vcc-provider-chatty") &&
				strings.Contains(line, "creating node") && strings.Contains(line, "node_id=n42") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("host log lacks the plugin's INFO line:\n%s", logs.String())
}
