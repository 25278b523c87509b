package tlsconf

import (
	"crypto/sha256"
	"encoding/pem"
	"fmt"
	"strings"
)

// Fingerprint is the SHA-256 fingerprint of the first certificate in a
// PEM bundle, as `openssl x509 -noout -fingerprint -sha256` prints it
// (AB:CD:...). The serve banner shows it for the CA, so that a user whose
// SDK fetched the CA over the network can check it is the controller's.
func Fingerprint(pemBytes []byte) (string, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("no PEM certificate found")
	}
	sum := sha256.Sum256(block.Bytes)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(hexes, ":"), nil
}
