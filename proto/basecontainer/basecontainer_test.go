package basecontainer

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

func TestRunArgs(t *testing.T) {
	spec, err := Parse([]byte(`{"image": "vcp/base:1.8", "params_v": ["/export:/export"], "params_e": ["NFS_AUTOSTART=true"],
		"ssh_public_key": "ssh-ed25519 AAA x", "dns": ["10.0.0.2"], "add_host": ["nfs:10.0.0.9"], "hostname": "n1", "gpus": "all"}`))
	if err != nil {
		t.Fatal(err)
	}
	env := provider.CallEnv{ControllerID: "ctl", ControllerAddress: "10.0.0.1"}
	got := RunArgs(spec, env, provider.NodeRef{NodeID: "abc"}, "10.0.0.5")
	want := []string{"-d", "--name", "vcc-base-abc", "--restart", "unless-stopped", "--privileged", "--net=host",
		"--label", "vcc.controller_id=ctl", "--label", "vcc.node_id=abc",
		"-e", "VCC_NODE_ID=abc", "-e", "SERF_NODE_ID=abc", "-e", "VCC_CONTROLLER_ID=ctl", "-e", "VCCC_ID=ctl",
		"-e", "VCC_CONTROLLER_ADDR=10.0.0.1", "-e", "VCCCTR_IPADDR=10.0.0.1", "-e", "MY_PRIVATE_IP=10.0.0.5", "-e", "PRIVATE_IP=10.0.0.5",
		"-e", "AUTHORIZED_KEYS=" + base64.StdEncoding.EncodeToString([]byte("ssh-ed25519 AAA x")), "-e", "NFS_AUTOSTART=true",
		"-v", "/dev:/dev", "-v", "/export:/export", "--dns", "10.0.0.2", "--add-host", "nfs:10.0.0.9", "--hostname", "n1", "--gpus", "all", "vcp/base:1.8"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCloudInitQuotes(t *testing.T) {
	spec := Spec{ParamsE: []string{"MSG=it's here; rm -rf /"}}
	script := CloudInit(spec, provider.CallEnv{ControllerID: "c"}, provider.NodeRef{NodeID: "n"})
	if !strings.Contains(script, `'MSG=it'"'"'s here; rm -rf /'`) || !strings.HasPrefix(script, "#!/bin/sh\n") {
		t.Errorf("script:\n%s", script)
	}
	if !strings.Contains(script, "vcc/base:latest") {
		t.Error("no default image")
	}
}

// TestSerfKeyInEnv: the controller's gossip key reaches the agent as
// VCC_SERF_KEY, and only when there is one.
func TestSerfKeyInEnv(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	want := "VCC_SERF_KEY=" + base64.StdEncoding.EncodeToString(key)
	for _, tc := range []struct {
		key  provider.Secret
		want bool
	}{{key, true}, {nil, false}} {
		env := Env(Spec{}, provider.CallEnv{ControllerID: "c", SerfKey: tc.key}, provider.NodeRef{NodeID: "n"}, "")
		has := false
		for _, e := range env {
			if strings.HasPrefix(e, "VCC_SERF_KEY=") {
				has = e == want
			}
		}
		if has != tc.want {
			t.Errorf("key %v: env %v", tc.key != nil, env)
		}
	}
}
