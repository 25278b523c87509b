package testenv

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// OpenStackPlugin builds vcc-provider-openstack.
func OpenStackPlugin(t testing.TB) string {
	return build(t, "vcc-provider-openstack", "plugins/openstack", ".")
}

// What the OpenStack emulator (plugins/openstack/osemu) seeds: its
// project, user, application credential, network and security group.
const (
	OSProject      = "vcc-project"
	OSUser         = "vcc"
	OSPassword     = "vcc-secret"
	OSAppCredID    = "a8f2c1e0b3d94f6e8a7b5c4d3e2f1a0b"
	OSAppSecret    = "app-cred-secret"
	OSNetworkID    = "4d6c2a7e-3b1f-4c8e-9a5d-0e1f2a3b4c5d"
	OSNetworkName  = "vcc-net"
	OSSubnetCIDR   = "10.56.0.0/24"
	OSSecGroupName = "vcc-sg"
	OSImageName    = "ubuntu-24.04"
)

// OSEmu is a running OpenStack emulator process (osemu).
type OSEmu struct {
	// URL is its base; Keystone is at URL/identity/v3.
	URL string
}

// AuthURL is Keystone's v3 URL, a catalog entry's auth_url.
func (e *OSEmu) AuthURL() string { return e.URL + "/identity/v3" }

// StartOSEmu builds and runs the emulator with its flags (e.g.
// -token-ttl 2s), stopped when the test ends.
func StartOSEmu(t testing.TB, args ...string) *OSEmu {
	t.Helper()
	e := TryStartOSEmu(t, args...)
	if e == nil {
		t.Fatal("osemu did not start")
	}
	return e
}

// TryStartOSEmu is StartOSEmu that returns nil when the emulator exits
// at its start (a -subnet another Docker network uses, say).
func TryStartOSEmu(t testing.TB, args ...string) *OSEmu {
	t.Helper()
	bin := build(t, "osemu", "plugins/openstack", "./osemu/cmd/osemu")
	cmd := exec.Command(bin, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	var stderr SyncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM: an emulator running VMs removes them and their network.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "osemu listening on ")
	if err != nil || !ok {
		t.Logf("osemu said %q (%v), not its URL; stderr:\n%s", line, err, stderr.String())
		return nil
	}
	return &OSEmu{URL: url}
}

// OSState is what the emulator holds (GET /_emu/state).
type OSState struct {
	Servers []struct {
		ID             string            `json:"id"`
		Name           string            `json:"name"`
		Status         string            `json:"status"`
		TaskState      string            `json:"task_state"`
		Flavor         string            `json:"flavor"`
		Metadata       map[string]string `json:"metadata"`
		Tags           []string          `json:"tags"`
		UserData       string            `json:"user_data"`
		SecurityGroups []string          `json:"security_groups"`
		Ports          []string          `json:"ports"`
	} `json:"servers"`
	Ports []struct {
		ID             string   `json:"id"`
		NetworkID      string   `json:"network_id"`
		DeviceID       string   `json:"device_id"`
		IP             string   `json:"ip"`
		SecurityGroups []string `json:"security_groups"`
		Tags           []string `json:"tags"`
	} `json:"ports"`
	TokensIssued int `json:"tokens_issued"`
}

// State reads what the emulator holds.
func (e *OSEmu) State(t testing.TB) OSState {
	t.Helper()
	resp, err := http.Get(e.URL + "/_emu/state")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var st OSState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// ExpireTokens ends every token the emulator issued, as when tokens
// expire mid-run.
func (e *OSEmu) ExpireTokens(t testing.TB) { e.post(t, http.MethodPost, "/_emu/expire-tokens") }

// DeleteServer removes a server at once, behind the controller's back.
func (e *OSEmu) DeleteServer(t testing.TB, id string) {
	e.post(t, http.MethodDelete, "/_emu/servers/"+id)
}

func (e *OSEmu) post(t testing.TB, method, path string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}
