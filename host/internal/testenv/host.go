package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/sdk"
)

// Host is a real `vcc-host serve` process on 127.0.0.1.
type Host struct {
	t      testing.TB
	Data   string
	Config string
	Plugin string
	Args   []string
	URL    string
	// ControllerID is read from the startup banner.
	ControllerID string
	Token        string
	CA           string
	Client       *sdk.Client
	// Stderr collects what the host logged, for tests that grep it.
	Stderr SyncBuffer
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartHost runs vcc-host serve with a fresh data dir, the sim plugin,
// and config (a vpn_catalog.yml body; empty for none: each plugin that
// needs no settings then gets an entry "default").
// It is stopped when the test ends.
func StartHost(t testing.TB, catalog string, extra ...string) *Host {
	t.Helper()
	return StartHostWith(t, catalog, nil, extra...)
}

// StartHostWith is StartHost with more plugin files (name -> binary).
func StartHostWith(t testing.TB, catalog string, plugins map[string]string, extra ...string) *Host {
	t.Helper()
	var conf map[string]string
	if catalog != "" {
		conf = map[string]string{"vpn_catalog.yml": catalog}
	}
	return StartHostConfig(t, conf, plugins, extra...)
}

// StartHostConfig is StartHostWith with the config dir's files (name ->
// body), e.g. vpn_catalog.yml and a plugin's IP pool file.
func StartHostConfig(t testing.TB, conf, plugins map[string]string, extra ...string) *Host {
	t.Helper()
	files := map[string]string{"vcc-provider-sim": Sim(t), "vcc-provider-keyed": KeyedPlugin(t)}
	for k, v := range plugins {
		files[k] = v
	}
	return StartHostIn(t, conf, PluginDir(t, true, files), extra...)
}

// StartHostIn is StartHostConfig on a plugin dir the test filled itself
// (with `vcc-host plugins install`, say), used as it is.
func StartHostIn(t testing.TB, conf map[string]string, pluginDir string, extra ...string) *Host {
	t.Helper()
	h := &Host{t: t, Data: t.TempDir(), Config: t.TempDir(), Args: extra, Plugin: pluginDir}
	for name, body := range conf {
		h.WriteConfig(name, body)
	}
	h.Start()
	t.Cleanup(h.Stop)
	return h
}

// WriteConfig writes a file of the host's config dir; Reload makes a
// running host read it.
func (h *Host) WriteConfig(name, body string) {
	if err := os.WriteFile(filepath.Join(h.Config, name), []byte(body), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// Reload sends the host SIGHUP, as vcc-host init does; the reload
// happens soon after, so wait for its effect.
func (h *Host) Reload() {
	h.t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		h.t.Fatal(err)
	}
}

// Start (re)starts the process on the same data dir.
func (h *Host) Start() {
	t := h.t
	t.Helper()
	args := append([]string{"serve", "--data", h.Data, "--config", h.Config, "--cert", filepath.Join(h.Data, "no-cert"), "--dev-ca",
		"--plugin-dir", h.Plugin, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--serf-listen", "127.0.0.1:0", "--log-level", "warn"}, h.Args...)
	h.cmd = exec.Command(HostBinary(t), args...)
	h.cmd.Env = append(os.Environ(), IsolatedEnv(t)...)
	h.cmd.Stderr = io.MultiWriter(os.Stderr, &h.Stderr)
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.exited = make(chan struct{})
	h.URL, h.ControllerID = "", ""
	go func() { _ = h.cmd.Wait(); close(h.exited) }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for h.URL == "" || h.ControllerID == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("vcc-host serve exited before listening")
			}
			if _, addr, found := strings.Cut(l, "listening on "); found {
				h.URL, _, _ = strings.Cut(addr, " ") // before a note on the interfaces
			}
			if _, id, found := strings.Cut(l, "controller id: "); found {
				h.ControllerID = id
			}
		case <-deadline:
			t.Fatal("vcc-host serve did not start listening within 30s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	raw, err := os.ReadFile(filepath.Join(h.Data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	h.Token, h.CA = strings.TrimSpace(string(raw)), filepath.Join(h.Data, "tls", "ca.pem")
	if h.Client, err = sdk.New(h.URL, h.Token, sdk.WithCAFile(h.CA)); err != nil {
		t.Fatal(err)
	}
	if err := h.Client.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.URL = strings.TrimSuffix(h.URL, "/")
}

// Stop ends the process with SIGTERM and waits.
func (h *Host) Stop() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(15 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.exited
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (h *Host) Kill() {
	_ = h.cmd.Process.Kill()
	<-h.exited
}

// PluginData is the data dir the host gives plugin name.
func (h *Host) PluginData(name string) string {
	return filepath.Join(h.Data, pluginmgr.DataSubdir, name)
}

// PID is the host process's id.
func (h *Host) PID() int { return h.cmd.Process.Pid }

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ClientFor returns an SDK client of this host for token.
func (h *Host) ClientFor(token string) *sdk.Client {
	c, err := sdk.New(h.URL, token, sdk.WithCAFile(h.CA))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// IsolatedEnv keeps a vcc-host a test runs off the machine's own: no
// fixed port (a controller from `make run` holds 443/8443, 7947 and
// 9466), no data, config or plugin dir from the environment (VCC_DATA_DIR
// would make `plugins list` or `init` talk to that controller). Flags a
// test passes still win.
func IsolatedEnv(t testing.TB) []string {
	return []string{
		"VCC_PLUGIN_DIR=", "VCC_SIM_STATE_DIR=", "VCC_DATA_DIR=" + t.TempDir(), "VCC_CONFIG_DIR=" + t.TempDir(),
		"VCC_LISTEN=127.0.0.1:0", "VCC_METRICS_LISTEN=127.0.0.1:0", "VCC_SERF_LISTEN=127.0.0.1:0",
	}
}

// RunHost runs vcc-host with args and returns stdout, stderr and the exit
// code.
func RunHost(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(HostBinary(t), args...)
	cmd.Env = append(os.Environ(), IsolatedEnv(t)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// RequestRate sends n GETs of path (with token when set) from workers
// goroutines over client and returns requests per second.
func RequestRate(t testing.TB, client *http.Client, url, token string, n, workers int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/workers; i++ {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("GET %s: %v", url, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body) // drained so the connection is reused
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %s", url, resp.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// AuthRatio measures authenticated (/accounts/authority) against
// unauthenticated (/health) GETs, alternating their order each round, and
// returns both rates.
func AuthRatio(t testing.TB, h *Host, client *http.Client, rounds int) (open, authed float64) {
	base := h.URL + sdk.Prefix
	RequestRate(t, client, base+"/health", "", 800, 8)
	RequestRate(t, client, base+"/accounts/authority", h.Token, 800, 8)
	for r := 0; r < rounds; r++ {
		if r%2 == 0 {
			open += RequestRate(t, client, base+"/health", "", 4000, 8)
			authed += RequestRate(t, client, base+"/accounts/authority", h.Token, 4000, 8)
		} else {
			authed += RequestRate(t, client, base+"/accounts/authority", h.Token, 4000, 8)
			open += RequestRate(t, client, base+"/health", "", 4000, 8)
		}
	}
	return open / float64(rounds), authed / float64(rounds)
}

// HTTPSClient trusts the host's CA and keeps connections alive.
func (h *Host) HTTPSClient() *http.Client {
	pem, err := os.ReadFile(h.CA)
	if err != nil {
		h.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 16}}
}

// BenchAuth runs the authenticated-GET benchmark on h and reports both
// rates and their ratio.
func BenchAuth(b *testing.B, h *Host) {
	client := h.HTTPSClient()
	var open, authed float64
	for b.Loop() {
		open, authed = AuthRatio(b, h, client, 4)
	}
	b.ReportMetric(open, "unauth-req/s")
	b.ReportMetric(authed, "auth-req/s")
	b.ReportMetric(authed/open, "ratio")
}
