package ociemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"time"
)

// World is a seeded emulator: one user with an API key, one subnet, the
// images a catalog names by default. It is what tests and the standalone
// command start from.
type World struct {
	*Server
	UserOCID    string
	Fingerprint string
	PrivateKey  string // PEM
	SubnetID    string
	SubnetCIDR  string
	ImageID     string // the newest "Canonical-Ubuntu-24.04" platform image
}

// DefaultImage is the display name of the platform image the plugin
// boots when a spec names none.
const DefaultImage = "Canonical-Ubuntu-24.04"

// NewKey makes an RSA API signing key and returns it with its PEM form.
func NewKey() (*rsa.PrivateKey, string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", err
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	return k, string(p), nil
}

// Seed fills s with a user (a fresh key), a subnet of cidr and two
// generations of the default image plus an older custom one.
func Seed(s *Server, cidr string) (*World, error) {
	k, pemKey, err := NewKey()
	if err != nil {
		return nil, err
	}
	user := "ocid1.user.oc1.." + randomID()
	fp, err := s.AddUser(user, &k.PublicKey)
	if err != nil {
		return nil, err
	}
	sub, err := s.AddSubnet(cidr)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s.AddImage(DefaultImage, "Canonical Ubuntu", "24.04", true, now.Add(-60*24*time.Hour))
	img := s.AddImage(DefaultImage, "Canonical Ubuntu", "24.04", true, now.Add(-24*time.Hour))
	s.AddImage("Oracle-Linux-9", "Oracle Linux", "9", true, now.Add(-48*time.Hour))
	return &World{Server: s, UserOCID: user, Fingerprint: fp, PrivateKey: pemKey, SubnetID: sub, SubnetCIDR: cidr, ImageID: img}, nil
}
