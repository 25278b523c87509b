package pluginmgr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// PinSuffix names the sidecar file that pins a binary's SHA-256, in
// sha256sum's format, so `sha256sum -c` can check it too.
const PinSuffix = ".sha256"

// PinPath is the pin file of the binary at bin.
func PinPath(bin string) string { return bin + PinSuffix }

// ReadPin returns the pinned hex SHA-256 of bin, or "" and an error.
func ReadPin(bin string) (string, error) {
	raw, err := os.ReadFile(PinPath(bin))
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 || len(fields[0]) != 64 {
		return "", fmt.Errorf("%s: not a sha256 line", PinPath(bin))
	}
	if _, err := hex.DecodeString(fields[0]); err != nil {
		return "", fmt.Errorf("%s: %w", PinPath(bin), err)
	}
	return strings.ToLower(fields[0]), nil
}

// WritePin records sum as the pin of bin.
func WritePin(bin, sum string) error {
	line := fmt.Sprintf("%s  %s\n", sum, filepath.Base(bin))
	tmp := PinPath(bin) + ".tmp"
	if err := os.WriteFile(tmp, []byte(line), 0o644); err != nil {
		return fmt.Errorf("write pin: %w", err)
	}
	return os.Rename(tmp, PinPath(bin))
}

// HashFile returns the hex SHA-256 of the file at path.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
