package liveness

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeyFile is where the controller keeps its gossip key, in its data dir
// (base64, mode 0600, like its SSH key).
const KeyFile = "serf.key"

// LoadKey reads the gossip key at path. A missing key is made (32 random
// bytes: AES-256) when create is set, else nil is returned: a controller
// whose nodes were started without a key keeps plaintext gossip, or their
// agents could no longer join.
func LoadKey(path string, create bool) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, nil
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write gossip key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read gossip key: %w", err)
	}
	key, err := ParseKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParseKey decodes a base64 gossip key and checks its length.
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the gossip key is not base64: %w", err)
	}
	if n := len(key); n != 16 && n != 24 && n != 32 {
		return nil, fmt.Errorf("the gossip key has %d bytes, want 16, 24 or 32 (make one with: head -c 32 /dev/urandom | base64)", n)
	}
	return key, nil
}
