// Package sshkey holds the controller's own SSH key pair, made on first
// start in the data dir. Existing servers ("onpremises" nodes) authorise
// its public key; GET /publickey hands it out.
package sshkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// File names in the data dir.
const (
	PrivateFile = "ssh/id_ed25519"
	PublicFile  = "ssh/id_ed25519.pub"
)

// Load returns the public key in authorized_keys form, creating the pair
// (private key 0600) when it does not exist.
func Load(dataDir string) (string, error) {
	pubPath := filepath.Join(dataDir, PublicFile)
	if raw, err := os.ReadFile(pubPath); err == nil {
		return strings.TrimSpace(string(raw)), nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, "vcc controller")
	if err != nil {
		return "", err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " vcc-controller"
	if err := os.MkdirAll(filepath.Dir(pubPath), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dataDir, PrivateFile), pem.EncodeToMemory(block), 0o600); err != nil {
		return "", fmt.Errorf("write controller SSH key: %w", err)
	}
	if err := os.WriteFile(pubPath, []byte(line+"\n"), 0o644); err != nil {
		return "", err
	}
	return line, nil
}
