package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestGossipKey: a new controller makes its gossip key (0600) and keeps
// it across restarts; one whose nodes were started before it had a key
// keeps plaintext gossip and says how to turn it on, and turns it on by
// itself at the first start without nodes.
func TestGossipKey(t *testing.T) {
	h := testenv.StartHost(t, "")
	c, cl := ctx(t), h.Client
	path := filepath.Join(h.Data, "serf.key")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a new controller's gossip key: %v %v; want a 0600 file", fi, err)
	}
	first, _ := os.ReadFile(path)
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "before-keys", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 1}}))
	h.Stop()
	h.Start()
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("a restart changed the gossip key")
	}

	// As if the node predated gossip keys.
	h.Stop()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.Start()
	if _, err := os.Stat(path); err == nil {
		t.Error("a key was made although the controller has a node whose agent has none")
	}
	if !strings.Contains(h.Stderr.String(), "Serf gossip is not encrypted") || !strings.Contains(h.Stderr.String(), path) {
		t.Error("the log does not say that gossip is plaintext and how to turn encryption on")
	}
	if out, _, _ := run(t, "status", "--data", h.Data); !strings.Contains(out, "gossip NOT encrypted") {
		t.Errorf("status:\n%s", out)
	}

	// Once that node is gone, the next start turns encryption on.
	settle(t, h.Client)(h.Client.DeleteUnit(c, vc.VCID, "u", true))
	h.Stop()
	h.Start()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no key after a start without nodes: %v", err)
	}
	if out, _, _ := run(t, "status", "--data", h.Data); !strings.Contains(out, "gossip encrypted") {
		t.Errorf("status:\n%s", out)
	}
}
