// Package tlsconf gives the REST API its certificate: the operator's
// cert/ (ca.pem, occtr_cert.pem, occtr_key.pem, as upstream) or, when
// there is none, a throw-away development CA made once under the data dir.
package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names, as upstream.
const (
	CAFile   = "ca.pem"
	CertFile = "occtr_cert.pem"
	KeyFile  = "occtr_key.pem"
)

// Material is the server certificate in force and where its CA is.
type Material struct {
	Cert      tls.Certificate
	CAPath    string
	Dir       string
	Generated bool
}

// Load uses certDir when it holds a certificate and key, else the dev CA
// under dataDir/tls (made on first use); a missing certDir only when
// devIfMissing (a mistyped path must not quietly serve a dev CA). A pair that does not match or
// has expired is refused with the reason.
func Load(certDir, dataDir string, devIfMissing bool) (*Material, error) {
	if _, err := os.Stat(certDir); os.IsNotExist(err) && !devIfMissing {
		return nil, fmt.Errorf("certificate directory %s does not exist: check the path, put ca.pem, %s and %s there (vcc-host cert generate --out %s makes them), or pass --dev-ca for a generated development CA", certDir, CertFile, KeyFile, certDir)
	}
	certPath, keyPath := filepath.Join(certDir, CertFile), filepath.Join(certDir, KeyFile)
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	for _, err := range []error{cerr, kerr} {
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("cannot read the certificates in %s: %w (is it readable by user %d?)", certDir, err, os.Getuid())
		}
	}
	switch {
	case cerr == nil && kerr == nil:
		m, err := load(certDir)
		if err != nil {
			return nil, err
		}
		return m, nil
	case cerr == nil || kerr == nil:
		return nil, fmt.Errorf("%s holds only one of %s and %s: put both there (or neither, for a generated development CA)", certDir, CertFile, KeyFile)
	}
	dev := filepath.Join(dataDir, "tls")
	if _, err := os.Stat(filepath.Join(dev, CertFile)); os.IsNotExist(err) {
		if err := Generate(dev, []string{"localhost", "127.0.0.1", "::1"}); err != nil {
			return nil, fmt.Errorf("generate development CA: %w", err)
		}
	}
	m, err := load(dev)
	if err != nil {
		return nil, err
	}
	m.Generated = true
	return m, nil
}

func load(dir string) (*Material, error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("%s and %s do not form a certificate and its key: %w", certPath, keyPath, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certPath, err)
	}
	now := time.Now()
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%s expired on %s: renew it (vcc-host can generate a new pair)", certPath, leaf.NotAfter.Format(time.DateOnly))
	}
	if now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("%s is not valid before %s: check the clock", certPath, leaf.NotBefore.Format(time.RFC3339))
	}
	return &Material{Cert: cert, CAPath: filepath.Join(dir, CAFile), Dir: dir}, nil
}

// Generate writes a CA and a server certificate for hosts (DNS names or
// IPs) into dir: ca.pem, occtr_cert.pem, occtr_key.pem (0600).
func Generate(dir string, hosts []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "vcc development CA (throw-away)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return errors.Join(
		writePEM(filepath.Join(dir, CAFile), "CERTIFICATE", caDER, 0o644),
		writePEM(filepath.Join(dir, CertFile), "CERTIFICATE", der, 0o644),
		writePEM(filepath.Join(dir, KeyFile), "EC PRIVATE KEY", keyDER, 0o600),
	)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
