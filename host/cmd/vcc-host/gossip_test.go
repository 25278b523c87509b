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
// it across restarts; one that already has VCs but no key (nodes started
// before keys existed) keeps plaintext gossip and says how to turn it on.
func TestGossipKey(t *testing.T) {
	h := testenv.StartHost(t, "")
	path := filepath.Join(h.Data, "serf.key")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a new controller's gossip key: %v %v; want a 0600 file", fi, err)
	}
	first, _ := os.ReadFile(path)
	must[*sdk.VC](t)(h.Client.CreateUnitGroup(ctx(t), "before-keys", ""))
	h.Stop()
	h.Start()
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("a restart changed the gossip key")
	}

	// As if the VC predated gossip keys.
	h.Stop()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.Start()
	if _, err := os.Stat(path); err == nil {
		t.Error("a key was made although the controller has VCs whose agents have none")
	}
	if !strings.Contains(h.Stderr.String(), "Serf gossip is not encrypted") || !strings.Contains(h.Stderr.String(), path) {
		t.Error("the log does not say that gossip is plaintext and how to turn encryption on")
	}
	if out, _, _ := run(t, "status", "--data", h.Data); !strings.Contains(out, "gossip NOT encrypted") {
		t.Errorf("status:\n%s", out)
	}
}
