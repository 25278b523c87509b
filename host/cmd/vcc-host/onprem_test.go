package main_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/providertest"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest/servers"
	"github.com/vccproject/vcc/sdk"
)

const baseTag = "vcc/base:e2e"

// onpremHost runs a controller whose Serf the test servers reach at the
// Docker bridge's gateway, with the onpremises plugin.
func onpremHost(t testing.TB, extra ...string) (*testenv.Host, string) {
	t.Helper()
	servers.BaseImage(t, testenv.NodeAgent(t), baseTag)
	gw := servers.Gateway(t)
	args := append([]string{"--reconcile-interval", "0", "--advertise-addr", gw, "--serf-listen", gw + ":0"}, extra...)
	h := testenv.StartHostWith(t, "cci_version: '1.0'\nonpremises:\n  default: {}\n",
		map[string]string{"vcc-provider-onpremises": testenv.OnPremPlugin(t)}, args...)
	key, err := h.Client.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h, key
}

func onpremSpec(ips ...string) map[string]any {
	return map[string]any{"user_name": "vcp", "ip_addresses": ips, "image": baseTag, "privileged": false}
}

func waitNode(t testing.TB, cl *sdk.Client, vcid, unit string, no int, want string, within time.Duration) (*sdk.Node, time.Duration) {
	t.Helper()
	start := time.Now()
	var last sdk.Node
	for time.Since(start) < within {
		u, err := cl.GetUnit(context.Background(), vcid, unit)
		if err == nil {
			for _, n := range u.Nodes {
				if n.NodeNo == no {
					last = n
				}
			}
			if last.State == want {
				return &last, time.Since(start)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("node %d of %s: %s (%s), want %s within %v", no, unit, last.State, last.StateReason, want, within)
	return nil, 0
}

// baseContainers lists the Base containers on a server.
func baseContainers(s *servers.Server) string {
	return strings.TrimSpace(s.Docker("ps", "-a", "--filter", "label=vcc.node_id", "--format", "{{.Names}} {{.State}} {{.Label \"vcc.controller_id\"}}"))
}

// TestOnPremises: two existing servers (containers with sshd and their own
// dockerd; one login in the docker group, one with sudo only) become a
// unit; nodes are RUNNING once their agents joined; power off/on; a killed
// Base container takes its node out of RUNNING and back; cleanup leaves
// no container.
func TestOnPremises(t *testing.T) {
	h, key := onpremHost(t)
	a := servers.Start(t, servers.Options{AuthorizedKey: key, DockerGroup: true, BaseImage: baseTag})
	b := servers.Start(t, servers.Options{AuthorizedKey: key, Sudo: true, BaseImage: baseTag})
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "onprem", ""))

	// Watch states from the start: no node may be RUNNING before its
	// agent joined, which the controller logs per node.
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "op", Provider: "onpremises", Spec: onpremSpec(a.IP, b.IP)}))
	op := must[*sdk.Operation](t)(cl.Wait(c, acc.OperationID))
	if op.State != "succeeded" {
		t.Fatalf("create: %s %s", op.State, op.Error)
	}
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "op"))
	for i, n := range u.Nodes {
		srv := []*servers.Server{a, b}[i]
		if n.State != "RUNNING" || n.CloudInstanceAddress != srv.IP || !strings.Contains(n.CloudInstanceName, n.NodeID) {
			t.Errorf("node %d: %+v", n.NodeNo, n)
		}
		if got := baseContainers(srv); got != "vcc-base-"+n.NodeID+" running "+h.ControllerID {
			t.Errorf("server %s holds %q", srv.Name, got)
		}
		// The agent on the server confirms it joined this controller.
		if logs := srv.Docker("logs", "vcc-base-"+n.NodeID); !strings.Contains(logs, "joined the controller") {
			t.Errorf("agent of node %d did not log its join:\n%s", n.NodeNo, logs)
		}
	}
	if out, _, _ := run(t, "status", "--data", h.Data); !strings.Contains(out, "2 node agent(s) alive, gossip encrypted") {
		t.Errorf("status:\n%s", out)
	}
	// A new controller encrypts its gossip; the agents got its key.
	raw, err := os.ReadFile(filepath.Join(h.Data, "serf.key"))
	if err != nil {
		t.Fatal(err)
	}
	gossipKey := strings.TrimSpace(string(raw))
	env := a.Docker("inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", "vcc-base-"+u.Nodes[0].NodeID)
	if !strings.Contains(env, "VCC_SERF_KEY="+gossipKey+"\n") {
		t.Error("the Base container was not given the controller's gossip key")
	}
	if strings.Contains(h.Stderr.String(), gossipKey) {
		t.Error("the gossip key reached the controller's log")
	}

	// Power off stops the Base container; power on brings the node back
	// to RUNNING once its agent rejoined.
	settle(t, cl)(cl.PowerOff(c, vc.VCID, "op", sdk.Selector{NodeNos: []int{1}}))
	waitNode(t, cl, vc.VCID, "op", 1, "POWER_OFF", 10*time.Second)
	if got := baseContainers(a); !strings.Contains(got, " exited ") {
		t.Errorf("after power off: %q", got)
	}
	settle(t, cl)(cl.PowerOn(c, vc.VCID, "op", sdk.Selector{NodeNos: []int{1}}))
	waitNode(t, cl, vc.VCID, "op", 1, "RUNNING", 10*time.Second)

	// docker kill of a Base container: the node leaves RUNNING within
	// 10 s (the server answers, so CONTAINER_ERROR) and returns when the
	// container is started again.
	n2 := u.Nodes[1]
	b.Docker("kill", "vcc-base-"+n2.NodeID)
	got, took := waitNode(t, cl, vc.VCID, "op", 2, "CONTAINER_ERROR", 10*time.Second)
	t.Logf("docker kill -> CONTAINER_ERROR in %v: %s", took.Round(10*time.Millisecond), got.StateReason)
	if !strings.Contains(got.StateReason, "Base container is exited") || got.ErrorSource != "liveness" {
		t.Errorf("reason: %q (source %q)", got.StateReason, got.ErrorSource)
	}
	b.Docker("start", "vcc-base-"+n2.NodeID)
	waitNode(t, cl, vc.VCID, "op", 2, "RUNNING", 15*time.Second)

	// An unwatched node is left alone.
	settle(t, cl)(cl.NodeAction(c, vc.VCID, "op", n2.NodeID, "unwatch"))
	b.Docker("kill", "vcc-base-"+n2.NodeID)
	time.Sleep(6 * time.Second)
	if u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "op")); u.Nodes[1].State != "RUNNING" || u.Nodes[1].Watched {
		t.Errorf("unwatched node: %+v", u.Nodes[1])
	}

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	for _, s := range []*servers.Server{a, b} {
		if got := baseContainers(s); got != "" {
			t.Errorf("server %s still holds %q", s.Name, got)
		}
	}
}

// TestOnPremisesRefusals: bad servers and specs are refused with 400 and a
// message naming the server and the fix, and nothing is created; a node
// whose agent never joins is not RUNNING.
func TestOnPremisesRefusals(t *testing.T) {
	h, key := onpremHost(t, "--join-timeout", "6s")
	good := servers.Start(t, servers.Options{AuthorizedKey: key, Sudo: true, BaseImage: baseTag})
	noDocker := servers.Start(t, servers.Options{AuthorizedKey: key, Sudo: true, NoDocker: true})
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "refusals", ""))
	withUser := func(user string, ips ...string) map[string]any {
		s := onpremSpec(ips...)
		s["user_name"] = user
		return s
	}
	cases := []struct {
		name string
		spec map[string]any
		want []string
	}{
		{"count disagrees", func() map[string]any { s := onpremSpec(good.IP, noDocker.IP); s["num_nodes"] = 3; return s }(),
			[]string{"spec.num_nodes", "3 but 2 ip_addresses"}},
		{"unreachable", onpremSpec("192.0.2.1"), []string{"spec.ip_addresses[0]", "cannot reach 192.0.2.1:20022"}},
		{"wrong user", withUser("mallory", good.IP), []string{"refused the controller's SSH key for user \"mallory\"", "onpremises bootstrap"}},
		{"missing docker", onpremSpec(good.IP, noDocker.IP), []string{"spec.ip_addresses[1]", "Docker is not reachable", "install Docker"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: tc.spec})
			var ae *sdk.APIError
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("want 400, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	if got := baseContainers(good); got != "" {
		t.Errorf("a refused request left %q", got)
	}
	// The controller's own key is not a user credential.
	if err := cl.PutCredential(c, "onpremises", "controller_ssh_private_key", "x"); err == nil || !strings.Contains(err.Error(), "publickey") {
		t.Errorf("storing the controller key as a credential: %v", err)
	}
	if v := must[*sdk.VC](t)(cl.GetUnitGroup(c, vc.VCID)); len(v.Units) != 0 {
		t.Errorf("refused requests left units: %+v", v.Units)
	}

	// An agent pointed elsewhere never joins: the node stays BOOTING while
	// its container runs, then becomes HOST_ERROR with the reason.
	spec := onpremSpec(good.IP)
	spec["params_e"] = []string{"VCC_CONTROLLER_ADDR=192.0.2.1"}
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "silent", Provider: "onpremises", Spec: spec}))
	waitNode(t, cl, vc.VCID, "silent", 1, "BOOTING", 5*time.Second)
	waitFor(t, 5*time.Second, func() bool { return strings.Contains(baseContainers(good), " running ") }, "the container running")
	if u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "silent")); u.Nodes[0].State != "BOOTING" || !strings.Contains(u.Nodes[0].StateReason, "waiting for the Base container's agent") {
		t.Errorf("while the agent is silent: %+v", u.Nodes[0])
	}
	if _, err := cl.Wait(c, acc.OperationID); err == nil || !strings.Contains(err.Error(), "did not join within 6s") {
		t.Errorf("op: want it failed because the agent did not join, got %v", err)
	}
	n, _ := waitNode(t, cl, vc.VCID, "silent", 1, "HOST_ERROR", time.Second)
	if !strings.Contains(n.StateReason, "Serf port") || n.ErrorSource != "liveness" {
		t.Errorf("reason: %q (source %q)", n.StateReason, n.ErrorSource)
	}
	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "silent", true))
	if got := baseContainers(good); got != "" {
		t.Errorf("delete left %q", got)
	}

	// A server whose host key changed is refused until it is forgotten.
	good.RotateHostKeys()
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(good.IP)})
	if err == nil || !strings.Contains(err.Error(), "host key of "+good.Addr()+" changed") || !strings.Contains(err.Error(), "forget-host "+good.Addr()) {
		t.Fatalf("changed host key: %v", err)
	}
	if out, stderr, code := run(t, "onpremises", "forget-host", "--data", h.Data, good.Addr()); code != 0 {
		t.Fatalf("forget-host: %d %s %s", code, out, stderr)
	}
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(good.IP)}))
	waitNode(t, cl, vc.VCID, "u", 1, "RUNNING", 10*time.Second)
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
}

// TestOnPremisesBootstrap: a server the controller cannot use yet (no such
// user, no key) becomes a node after running the script the controller
// serves.
func TestOnPremisesBootstrap(t *testing.T) {
	h, _ := onpremHost(t)
	srv := servers.Start(t, servers.Options{User: "someone", BaseImage: baseTag})
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "boot", ""))
	if _, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(srv.IP)}); err == nil {
		t.Fatal("an unprepared server was accepted")
	}
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/vcp/v1/occtr/onpremises/bootstrap?user=vcp", nil)
	req.Header.Set("Authorization", "Bearer "+h.Token)
	resp, err := h.HTTPSClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	script, _ := io.ReadAll(resp.Body)
	closeBody(resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(script), "#!/bin/sh") {
		t.Fatalf("bootstrap: %d %s", resp.StatusCode, script)
	}
	cmd := exec.Command("docker", "exec", "-i", srv.Name, "sh")
	cmd.Stdin = bytes.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "vcc: ready") {
		t.Fatalf("script: %v\n%s", err, out)
	}
	// Twice changes nothing more.
	cmd = exec.Command("docker", "exec", "-i", srv.Name, "sh")
	cmd.Stdin = bytes.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if n := strings.Count(srv.Exec("cat", "/home/vcp/.ssh/authorized_keys"), "vcc-controller"); n != 1 {
		t.Errorf("authorized_keys holds the key %d times", n)
	}
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(srv.IP)}))
	waitNode(t, cl, vc.VCID, "u", 1, "RUNNING", 10*time.Second)
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
}

// TestOnPremisesHostDown: a server that stops answering altogether (its
// traffic dropped by the firewall) makes its node HOST_ERROR; when it
// answers again the agent rejoins and the node is RUNNING.
func TestOnPremisesHostDown(t *testing.T) {
	_, err := exec.LookPath("iptables")
	providertest.Require(t, err == nil && exec.Command("iptables", "-S", "OUTPUT").Run() == nil, "iptables run as root")
	h, key := onpremHost(t)
	srv := servers.Start(t, servers.Options{AuthorizedKey: key, DockerGroup: true, BaseImage: baseTag})
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "down", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(srv.IP)}))
	waitNode(t, cl, vc.VCID, "u", 1, "RUNNING", 10*time.Second)

	rules := [][]string{{"OUTPUT", "-d", srv.IP, "-j", "DROP"}, {"INPUT", "-s", srv.IP, "-j", "DROP"}}
	cut := func(op string) {
		for _, r := range rules {
			if out, err := exec.Command("iptables", append([]string{op}, r...)...).CombinedOutput(); err != nil && op == "-I" {
				t.Fatalf("iptables %s %v: %v %s", op, r, err, out)
			}
		}
	}
	cut("-I")
	t.Cleanup(func() { cut("-D") })
	n, took := waitNode(t, cl, vc.VCID, "u", 1, "HOST_ERROR", 40*time.Second)
	t.Logf("server cut off -> HOST_ERROR in %v: %s", took.Round(100*time.Millisecond), n.StateReason)
	if !strings.Contains(n.StateReason, "the host does not answer") && !strings.Contains(n.StateReason, "could not be asked") {
		t.Errorf("reason: %q", n.StateReason)
	}
	cut("-D")
	waitNode(t, cl, vc.VCID, "u", 1, "RUNNING", 30*time.Second)
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if got := baseContainers(srv); got != "" {
		t.Errorf("cleanup left %q", got)
	}
}

// TestOnPremisesDefaults: with no --advertise-addr and no .env (as make
// run), a node is told the controller's address that routes to it, and
// joins; a Base container that crash-loops makes its node
// CONTAINER_ERROR within seconds, with its last log line, not HOST_ERROR
// at the join timeout.
func TestOnPremisesDefaults(t *testing.T) {
	servers.BaseImage(t, testenv.NodeAgent(t), baseTag)
	gw := servers.Gateway(t)
	h := testenv.StartHostWith(t, "cci_version: '1.0'\nonpremises:\n  default: {}\n",
		map[string]string{"vcc-provider-onpremises": testenv.OnPremPlugin(t)}, "--reconcile-interval", "0", "--serf-listen", gw+":0")
	key := must[string](t)(h.Client.PublicKey(context.Background()))
	a := servers.Start(t, servers.Options{AuthorizedKey: key, DockerGroup: true, BaseImage: baseTag})
	b := servers.Start(t, servers.Options{AuthorizedKey: key, DockerGroup: true, BaseImage: baseTag})
	c, cl := ctx(t), h.Client
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "defaults", ""))

	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "ok", Provider: "onpremises", Spec: onpremSpec(a.IP)}))
	n := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "ok")).Nodes[0]
	env := a.Docker("inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", "vcc-base-"+n.NodeID)
	if n.State != "RUNNING" || !strings.Contains(env, "VCC_CONTROLLER_ADDR="+gw+"\n") {
		t.Errorf("node %s (%s); container env lacks VCC_CONTROLLER_ADDR=%s:\n%s", n.State, n.StateReason, gw, env)
	}

	// The agent exits at start (no such Serf port); Docker restarts it.
	spec := onpremSpec(b.IP)
	spec["params_e"] = []string{"VCC_SERF_PORT=notaport"}
	start := time.Now()
	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "crash", Provider: "onpremises", Spec: spec}))
	if _, err := cl.Wait(c, acc.OperationID); err == nil {
		t.Fatal("a unit whose Base container crash-loops was created")
	}
	got := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "crash")).Nodes[0]
	t.Logf("crash-looping Base container -> %s in %v: %s", got.State, time.Since(start).Round(100*time.Millisecond), got.StateReason)
	if got.State != "CONTAINER_ERROR" || !strings.Contains(got.StateReason, "Base container") || !strings.Contains(got.StateReason, "notaport") {
		t.Errorf("crash-looping node: %s %q, want CONTAINER_ERROR with the container's last log line", got.State, got.StateReason)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
}
