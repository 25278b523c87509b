package tlsconf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFingerprint: the generated CA's fingerprint is the SHA-256 of its
// DER bytes in openssl's colon form; a file without a certificate is an
// error.
func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, []string{"localhost"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := Fingerprint(raw)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	sum := sha256.Sum256(block.Bytes)
	if len(fp) != 95 || strings.ReplaceAll(fp, ":", "") != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("fingerprint %q, want the colon form of %x", fp, sum)
	}
	if _, err := Fingerprint([]byte("not a pem")); err == nil {
		t.Error("a file without a certificate has no fingerprint")
	}
}
