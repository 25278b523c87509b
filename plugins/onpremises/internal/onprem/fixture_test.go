package onprem

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/vccproject/vcc/proto/providertest/servers"
)

// testKey is a controller key pair for the tests: PEM private key and
// authorized_keys line.
func testKey(t testing.TB) (string, string) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return string(pem.EncodeToMemory(block)), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

var baseOnce sync.Once

// baseImage builds vcc-node and the FROM-scratch Base image once.
func baseImage(t testing.TB) string {
	const tag = "vcc/base:test"
	baseOnce.Do(func() {
		bin := filepath.Join(t.TempDir(), "vcc-node")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/vcc-node")
		cmd.Dir = "../../../../host"
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build vcc-node: %v\n%s", err, out)
		}
		servers.BaseImage(t, bin, tag)
	})
	return tag
}
