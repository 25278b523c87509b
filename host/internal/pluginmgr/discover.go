// Package pluginmgr finds, pins, starts and supervises provider plugins:
// discovery by file name, identity by GetInfo, SHA-256 pins, restart with
// backoff after a crash, and no plugin process outliving the host.
package pluginmgr

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/vccproject/vcc/proto/providerplugin"
)

// FilePrefix starts every plugin binary's name.
const FilePrefix = "vcc-provider-"

var fileRE = regexp.MustCompile(`^vcc-provider-([a-z0-9][a-z0-9_-]*?)(?:_v(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?))?$`)

// Candidate is a plugin binary found on disk, before it is started.
type Candidate struct {
	// Name is the provider name the file name claims, normalised.
	Name string
	// FileVersion is the _vX.Y.Z suffix of the file name, if any.
	FileVersion string
	Path        string
	// Pin is the pinned SHA-256 (hex), empty when the binary is unpinned.
	Pin string
	// ShadowedBy names the path that wins over this one, if any.
	ShadowedBy string
	// Reattach, when set, is a plugin in debug mode to attach to instead
	// of a binary to start.
	Reattach *providerplugin.ReattachConfig
}

// Normalize makes provider names comparable: "my-cloud" and "my_cloud"
// are the same provider.
func Normalize(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
}

// ParseFileName splits a plugin file name into provider name and version.
func ParseFileName(base string) (name, version string, ok bool) {
	m := fileRE.FindStringSubmatch(base)
	if m == nil {
		return "", "", false
	}
	return Normalize(m[1]), m[2], true
}

// Discover lists the plugins in dirs. An earlier dir wins over a later one;
// inside a dir the highest file version wins. Losers come back with
// ShadowedBy set; problems that do not stop discovery come back as
// warnings. Dirs and files are compared by their resolved paths, so a
// dir named twice (relative and absolute, through a symlink, by the flag
// and VCC_PLUGIN_DIR) or a symlink to a file already found yields each
// file once; paths come back absolute.
func Discover(dirs []string) (active, shadowed []Candidate, warnings []string) {
	byName := map[string]Candidate{}
	var order []string
	seenFile := map[string]bool{}
	for _, dir := range uniqueDirs(dirs) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !os.IsNotExist(err) {
				warnings = append(warnings, fmt.Sprintf("plugin dir %s: %v", dir, err))
			}
			continue
		}
		inDir := map[string]Candidate{}
		for _, e := range entries {
			base := e.Name()
			if !strings.HasPrefix(base, FilePrefix) || strings.HasSuffix(base, PinSuffix) || strings.HasSuffix(base, ".tmp") {
				continue
			}
			name, version, ok := ParseFileName(base)
			path := filepath.Join(dir, base)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("%s: not a plugin file name (want %sNAME or %sNAME_vX.Y.Z)", path, FilePrefix, FilePrefix))
				continue
			}
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
				warnings = append(warnings, fmt.Sprintf("%s: skipped, not an executable file", path))
				continue
			}
			if real := resolve(path); seenFile[real] {
				continue // the same file through another name
			} else {
				seenFile[real] = true
			}
			c := Candidate{Name: name, FileVersion: version, Path: path}
			c.Pin, _ = ReadPin(path)
			if prev, dup := inDir[name]; dup {
				if newer(c.FileVersion, prev.FileVersion) {
					prev.ShadowedBy, inDir[name] = c.Path, c
					shadowed = append(shadowed, prev)
				} else {
					c.ShadowedBy = prev.Path
					shadowed = append(shadowed, c)
				}
				continue
			}
			inDir[name] = c
		}
		for name, c := range inDir {
			if prev, dup := byName[name]; dup {
				c.ShadowedBy = prev.Path
				shadowed = append(shadowed, c)
				continue
			}
			byName[name] = c
			order = append(order, name)
		}
	}
	sort.Strings(order)
	for _, n := range order {
		active = append(active, byName[n])
	}
	sort.Slice(shadowed, func(i, j int) bool { return shadowed[i].Path < shadowed[j].Path })
	return active, shadowed, warnings
}

// newer reports whether version a is above b; no version is the lowest.
func newer(a, b string) bool {
	if b == "" {
		return a != ""
	}
	if a == "" {
		return false
	}
	return semver.Compare("v"+a, "v"+b) > 0
}

// resolve is the absolute path with symlinks followed; a path that does
// not resolve (missing) is only made absolute.
func resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// uniqueDirs resolves dirs and drops repeats, keeping the first place of
// each (which decides precedence).
func uniqueDirs(dirs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		r := resolve(d)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
