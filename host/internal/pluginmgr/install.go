package pluginmgr

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vccproject/vcc/proto/provider"
)

// Installed describes a plugin that Install put in place.
type Installed struct {
	Info   *provider.Info
	Path   string
	SHA256 string
}

// InstallDir is where `plugins install` writes by default: the first
// explicit plugin dir, else the dev tree's bin/plugins when it exists,
// else the system dir.
func InstallDir(dirs []string) string {
	for _, d := range dirs[:len(dirs)-1] {
		if d != filepath.Join(exeDir(), "plugins") {
			return d
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return SystemDir
}

func exeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}

// Install starts the binary at src once to learn who it is (it must speak
// our protocol), copies it into dir as vcc-provider-NAME (keeping a
// versioned file name it already has) and pins its SHA-256. Installing a
// file over itself just re-pins it.
func (m *Manager) Install(ctx context.Context, src, dir string) (*Installed, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(src); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("%s is not an executable file", src)
	}
	sum, err := HashFile(src)
	if err != nil {
		return nil, err
	}
	// Trust on install: the operator named this binary explicitly.
	p, err := launch(ctx, Candidate{Path: src, Pin: sum}, m.launchOpts())
	if err != nil {
		return nil, err
	}
	info := p.info
	p.kill()

	base := FilePrefix + info.Name
	if name, _, ok := ParseFileName(filepath.Base(src)); ok && name == Normalize(info.Name) {
		base = filepath.Base(src)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plugin dir: %w", err)
	}
	dest := filepath.Join(dir, base)
	if absDest, _ := filepath.Abs(dest); absDest != src {
		if err := copyExecutable(src, dest); err != nil {
			return nil, err
		}
		got, err := HashFile(dest)
		if err != nil {
			return nil, err
		}
		if got != sum {
			return nil, fmt.Errorf("%s changed while it was being installed (sha256 %s, then %s); try again", src, sum, got)
		}
	}
	if err := WritePin(dest, sum); err != nil {
		return nil, err
	}
	return &Installed{Info: info, Path: dest, SHA256: sum}, nil
}

// copyExecutable copies through a temporary file and a rename, so a
// running host never sees half a binary.
func copyExecutable(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only
	tmp := dest + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	// On failure the half-written temporary goes; the copy's error is
	// the one to report.
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("install: copy: %w", err)
	}
	if err := out.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("install: %w", err)
	}
	return os.Rename(tmp, dest)
}
