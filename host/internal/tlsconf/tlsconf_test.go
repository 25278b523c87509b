package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerateAndLoad(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, []string{"vcc.example.org", "10.0.2.15"}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, t.TempDir(), false)
	if err != nil || m.Generated {
		t.Fatalf("load: %+v %v", m, err)
	}
	leaf, _ := x509.ParseCertificate(m.Cert.Certificate[0])
	if leaf.VerifyHostname("vcc.example.org") != nil || leaf.VerifyHostname("10.0.2.15") != nil {
		t.Errorf("SANs: %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	if fi, _ := os.Stat(filepath.Join(dir, KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode().Perm())
	}
}

func TestRefusals(t *testing.T) {
	cases := map[string]struct {
		prepare func(t *testing.T, dir string)
		want    string
	}{
		"expired": {writeExpired, "expired on"},
		"only_cert": {func(t *testing.T, dir string) {
			must(t, Generate(dir, []string{"localhost"}))
			must(t, os.Remove(filepath.Join(dir, KeyFile)))
		}, "holds only one of"},
		"mismatch": {func(t *testing.T, dir string) {
			must(t, Generate(dir, []string{"localhost"}))
			other := t.TempDir()
			must(t, Generate(other, []string{"localhost"}))
			raw, err := os.ReadFile(filepath.Join(other, KeyFile))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(dir, KeyFile), raw, 0o600))
		}, "do not form a certificate and its key"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(t, dir)
			if _, err := Load(dir, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// writeExpired writes a self-signed pair that expired yesterday.
func writeExpired(t *testing.T, dir string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "old"},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	must(t, writePEM(filepath.Join(dir, CertFile), "CERTIFICATE", der, 0o644))
	must(t, writePEM(filepath.Join(dir, KeyFile), "EC PRIVATE KEY", kder, 0o600))
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)); err != nil {
		t.Fatal(err)
	}
}

func TestUnreadableDirIsAnError(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	must(t, Generate(dir, []string{"localhost"}))
	must(t, os.Chmod(dir, 0))
	defer func() { must(t, os.Chmod(dir, 0o700)) }() // or TempDir's cleanup fails
	if _, err := Load(dir, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "cannot read the certificates") {
		t.Fatalf("got %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMissingDir: a cert dir that does not exist is an error unless the
// development CA is allowed; an empty one always means the dev CA.
func TestMissingDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	if _, err := Load(missing, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "--dev-ca") {
		t.Errorf("missing, dev CA not allowed: %v", err)
	}
	for name, dir := range map[string]string{"missing_allowed": missing, "empty": t.TempDir()} {
		m, err := Load(dir, t.TempDir(), name == "missing_allowed")
		if err != nil || !m.Generated {
			t.Errorf("%s: %+v %v", name, m, err)
		}
	}
}
