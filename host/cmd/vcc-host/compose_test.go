package main_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/providertest"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// composeProject is a deployment in a temp dir run by docker-compose
// against the real Docker engine.
type composeProject struct {
	t        *testing.T
	dir, url string
	name     string
	env      []string
}

func (p *composeProject) run(args ...string) (string, int) {
	cmd := exec.Command("docker-compose", append([]string{"-p", p.name}, args...)...)
	cmd.Dir, cmd.Env = p.dir, append(os.Environ(), p.env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("docker-compose %v: %v", args, err)
	}
	return string(out), code
}

func (p *composeProject) vcc(args ...string) (string, int) {
	return p.run(append([]string{"exec", "-T", "vcc", "vcc-host"}, args...)...)
}

// waitUp waits until the controller answers over HTTPS.
func (p *composeProject) waitUp(cl *sdk.Client) {
	deadline := time.Now().Add(60 * time.Second)
	for cl.Health(context.Background()) != nil {
		if time.Now().After(deadline) {
			logs, _ := p.run("logs", "--tail", "40", "vcc")
			p.t.Fatalf("the controller did not come up:\n%s", logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, mode); err != nil {
		t.Fatal(err)
	}
}

// freePort is a loopback port free for TCP and UDP now.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln := must[net.Listener](t)(net.Listen("tcp", "127.0.0.1:0"))
		port := ln.Addr().(*net.TCPAddr).Port
		udp, err := net.ListenPacket("udp", ln.Addr().String())
		_ = ln.Close() // only the number was wanted
		if err == nil {
			_ = udp.Close()
			return port
		}
	}
	t.Fatal("no loopback port free for both TCP and UDP")
	return 0
}

// TestCompose: the operator's story on the real Docker engine: image and
// compose build, up, init, a token, a VC over HTTPS with the evaluation CA,
// status, restart keeps the VC, destroy refuses while nodes exist and
// succeeds after cleanup, down leaves nothing running.
func TestCompose(t *testing.T) {
	_, err := exec.LookPath("docker-compose")
	providertest.Require(t, err == nil && exec.Command("docker", "info").Run() == nil,
		"docker and docker-compose (the Docker engine runs on every machine of this project)")
	repo := testenv.RepoRoot(t)
	dir := t.TempDir()
	check(t, os.Chmod(dir, 0o755))
	// The build context: what make image copies, from the test's builds.
	copyFile(t, testenv.HostBinary(t), filepath.Join(dir, "bin/vcc-host"), 0o755)
	plugins := testenv.AWSPlugins(t)
	plugins["vcc-provider-sim"] = testenv.Sim(t)
	for name, bin := range plugins {
		dst := filepath.Join(dir, "bin/plugins", name)
		copyFile(t, bin, dst, 0o755)
		sum := must[string](t)(pluginmgr.HashFile(dst))
		check(t, pluginmgr.WritePin(dst, sum))
	}
	copyFile(t, "/etc/ssl/certs/ca-certificates.crt", filepath.Join(dir, "bin/image/ca-certificates.crt"), 0o644)
	for _, f := range []string{"Dockerfile", ".dockerignore", "docker-compose.yml", ".env.example"} {
		copyFile(t, filepath.Join(repo, f), filepath.Join(dir, f), 0o644)
	}
	copyFile(t, filepath.Join(repo, ".env.example"), filepath.Join(dir, ".env"), 0o644)
	for _, f := range []string{"ca.pem", "occtr_cert.pem", "occtr_key.pem"} {
		copyFile(t, filepath.Join(repo, "dummy_cert", f), filepath.Join(dir, "cert", f), 0o644)
	}
	copyFile(t, filepath.Join(repo, "config/vpn_catalog.yml"), filepath.Join(dir, "config/vpn_catalog.yml"), 0o644)
	check(t, os.Mkdir(filepath.Join(dir, "volume"), 0o755))
	check(t, os.Chown(filepath.Join(dir, "volume"), 10001, 10001))

	// The controller runs with the host's network: every port it binds
	// is a free one, so a controller already running here (make run)
	// does not fail the test.
	port, metrics, serf := freePort(t), freePort(t), freePort(t)
	tag := fmt.Sprintf("test%d", time.Now().UnixNano())
	p := &composeProject{t: t, dir: dir, name: "vcc" + tag, url: fmt.Sprintf("https://127.0.0.1:%d", port),
		env: []string{fmt.Sprintf("VCC_LISTEN=127.0.0.1:%d", port), fmt.Sprintf("VCC_METRICS_LISTEN=127.0.0.1:%d", metrics),
			fmt.Sprintf("VCC_SERF_LISTEN=0.0.0.0:%d", serf), "VCC_TAG=" + tag}}
	t.Cleanup(func() {
		p.run("down", "--remove-orphans", "-t", "5")
		if out, err := exec.Command("docker", "rmi", "-f", "vcc:"+tag).CombinedOutput(); err != nil {
			t.Logf("remove the test image: %v: %s", err, out) // a leftover image, not a failure
		}
		if err := os.RemoveAll(filepath.Join(dir, "volume")); err != nil { // files of uid 10001
			t.Error(err)
		}
	})

	if out, code := p.run("build"); code != 0 {
		t.Fatalf("compose build: %s", out)
	}
	if out, code := p.run("up", "-d"); code != 0 {
		t.Fatalf("compose up: %s", out)
	}
	admin, err := sdk.New(p.url, "unused", sdk.WithCAFile(filepath.Join(dir, "cert/ca.pem")))
	if err != nil {
		t.Fatal(err)
	}
	p.waitUp(admin)
	if out, code := p.vcc("init"); code != 0 || !strings.Contains(out, "nodes reach the controller at 10.0.2.15") {
		t.Fatalf("init: %d %s", code, out)
	}
	out, code := p.vcc("token", "create")
	tok := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(tok, "vcc.") {
		t.Fatalf("token create: %d %q", code, out)
	}
	cl, _ := sdk.New(p.url, tok, sdk.WithCAFile(filepath.Join(dir, "cert/ca.pem")))
	c := ctx(t)
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "compose", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))

	out, code = p.vcc("status")
	for _, want := range []string{"REST API", "store", "secrets backend", "plugin sim", "plugin aws", "serf", "prometheus targets"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("status: %d\n%s\nwant %s", code, out, want)
		}
	}
	if strings.Contains(out, "STOPPED") || strings.Contains(out, "DEGRADED") {
		t.Fatalf("status: want every component RUNNING:\n%s", out)
	}

	if out, code := p.run("restart"); code != 0 {
		t.Fatalf("restart: %s", out)
	}
	p.waitUp(cl)
	if u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "u")); states(u)["RUNNING"] != 2 {
		t.Fatalf("after restart: %v", states(u))
	}

	if out, code := p.vcc("destroy"); code != 1 || !strings.Contains(out, "2 node(s) still exist") {
		t.Fatalf("destroy with nodes: %d %s", code, out)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	p.vcc("destroy") // the controller stops, and this exec with it
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := p.run("ps", "-q")
		ids := strings.Fields(out)
		running := false
		for _, id := range ids {
			st, _ := exec.Command("docker", "inspect", "-f", "{{.State.Running}}", id).Output()
			running = running || strings.TrimSpace(string(st)) == "true"
		}
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the controller did not stop after destroy")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "volume")); len(left) != 0 {
		t.Errorf("destroy left %d entries in volume/", len(left))
	}
	if out, code := p.run("down"); code != 0 {
		t.Fatalf("down: %s", out)
	}
	if out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+p.name).Output(); len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("containers left after down: %s", out)
	}
}

// TestMonitoringCompose: the monitoring services need a Grafana password
// (never a default), and the base compose file does not.
func TestMonitoringCompose(t *testing.T) {
	_, err := exec.LookPath("docker-compose")
	providertest.Require(t, err == nil, "docker-compose")
	repo := testenv.RepoRoot(t)
	dir := t.TempDir()
	copyFile(t, filepath.Join(repo, "docker-compose.yml"), filepath.Join(dir, "docker-compose.yml"), 0o644)
	copyFile(t, filepath.Join(repo, "config/monitoring/compose.yml"), filepath.Join(dir, "config/monitoring/compose.yml"), 0o644)
	copyFile(t, filepath.Join(repo, ".env.example"), filepath.Join(dir, ".env"), 0o644)
	config := func(files ...string) (string, error) {
		args := []string{}
		for _, f := range files {
			args = append(args, "-f", f)
		}
		cmd := exec.Command("docker-compose", append(args, "config", "-q")...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := config("docker-compose.yml"); err != nil {
		t.Fatalf("base compose: %s", out)
	}
	if out, err := config("docker-compose.yml", "config/monitoring/compose.yml"); err == nil || !strings.Contains(out, "set GRAFANA_ADMIN_PASSWORD in .env") {
		t.Fatalf("monitoring without a password: %v %s", err, out)
	}
	f := must[*os.File](t)(os.OpenFile(filepath.Join(dir, ".env"), os.O_APPEND|os.O_WRONLY, 0))
	must[int](t)(f.WriteString("GRAFANA_ADMIN_PASSWORD=s0mething-random\n"))
	check(t, f.Close())
	if out, err := config("docker-compose.yml", "config/monitoring/compose.yml"); err != nil {
		t.Fatalf("monitoring compose: %s", out)
	}
}

// TestComposeEnvOptional: without .env compose still takes the file (the
// controller then says itself what to set), and with it the values reach
// the controller's environment.
func TestComposeEnvOptional(t *testing.T) {
	_, err := exec.LookPath("docker-compose")
	providertest.Require(t, err == nil, "docker-compose")
	dir := t.TempDir()
	copyFile(t, filepath.Join(testenv.RepoRoot(t), "docker-compose.yml"), filepath.Join(dir, "docker-compose.yml"), 0o644)
	config := func() string {
		cmd := exec.Command("docker-compose", "config")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker-compose config: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := config(); !strings.Contains(out, "VCC_REQUIRE_ENV: 'true'") && !strings.Contains(out, `VCC_REQUIRE_ENV: "true"`) {
		t.Errorf("without .env:\n%s", out)
	}
	copyFile(t, filepath.Join(testenv.RepoRoot(t), ".env.example"), filepath.Join(dir, ".env"), 0o644)
	if out := config(); !strings.Contains(out, "VCP_VCC_PRIVATE_IPMASK: 10.0.2.15/24") {
		t.Errorf("the .env values do not reach the controller:\n%s", out)
	}
}
