package pluginmgr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFileName(t *testing.T) {
	cases := map[string]struct {
		name, version string
		ok            bool
	}{
		"vcc-provider-aws":                   {"aws", "", true},
		"vcc-provider-aws-spot":              {"aws_spot", "", true},
		"vcc-provider-aws_spot_v1.2.3":       {"aws_spot", "1.2.3", true},
		"vcc-provider-openstack_v2.0.0-rc.1": {"openstack", "2.0.0-rc.1", true},
		"vcc-provider-":                      {"", "", false},
		"vcc-provider-Bad Name":              {"", "", false},
		"terraform-provider-aws":             {"", "", false},
	}
	for base, want := range cases {
		t.Run(base, func(t *testing.T) {
			name, version, ok := ParseFileName(base)
			got := struct {
				name, version string
				ok            bool
			}{name, version, ok}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	write := func(dir, base string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, base), []byte("#!/bin/true\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(first, "vcc-provider-sim", 0o755)
	write(first, "vcc-provider-aws_v1.0.0", 0o755)
	write(first, "vcc-provider-aws_v1.10.0", 0o755) // semver, not string order
	write(first, "vcc-provider-notexec", 0o644)
	write(first, "vcc-provider-Bad Name", 0o755)
	write(first, "README.md", 0o644)
	write(second, "vcc-provider-sim", 0o755) // shadowed by first
	write(second, "vcc-provider-azure", 0o755)
	if err := WritePin(filepath.Join(first, "vcc-provider-sim"), strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}

	active, shadowed, warnings := Discover([]string{first, second, filepath.Join(first, "missing")})

	type row struct{ Name, Version, Path, ShadowedBy string }
	rows := func(cs []Candidate) []row {
		var out []row
		for _, c := range cs {
			out = append(out, row{c.Name, c.FileVersion, c.Path, c.ShadowedBy})
		}
		return out
	}
	wantActive := []row{
		{"aws", "1.10.0", filepath.Join(first, "vcc-provider-aws_v1.10.0"), ""},
		{"azure", "", filepath.Join(second, "vcc-provider-azure"), ""},
		{"sim", "", filepath.Join(first, "vcc-provider-sim"), ""},
	}
	wantShadowed := []row{
		{"aws", "1.0.0", filepath.Join(first, "vcc-provider-aws_v1.0.0"), filepath.Join(first, "vcc-provider-aws_v1.10.0")},
		{"sim", "", filepath.Join(second, "vcc-provider-sim"), filepath.Join(first, "vcc-provider-sim")},
	}
	if diff := cmp.Diff(wantActive, rows(active)); diff != "" {
		t.Errorf("active (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantShadowed, rows(shadowed)); diff != "" {
		t.Errorf("shadowed (-want +got):\n%s", diff)
	}
	if len(warnings) != 2 {
		t.Errorf("want warnings for the non-executable and the bad name, got %q", warnings)
	}
	if active[2].Pin == "" || active[0].Pin != "" {
		t.Errorf("pins: sim %q (want set), aws %q (want empty)", active[2].Pin, active[0].Pin)
	}
}

// TestDiscoverResolvedPaths: one plugin file is listed once, however many
// names reach its dir or itself.
func TestDiscoverResolvedPaths(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	dir := filepath.Join(root, "bin", "plugins")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sim := filepath.Join(dir, "vcc-provider-sim")
	if err := os.WriteFile(sim, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sim, filepath.Join(other, "vcc-provider-sim")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPluginDir, "bin/plugins")
	cases := map[string][]string{
		"relative_and_absolute": {"bin/plugins", dir},
		"same_dir_twice":        {"bin/plugins", "./bin/plugins/", "bin/../bin/plugins"},
		"flag_and_env":          DefaultDirs("bin/plugins")[:2],
		"flag_env_and_abs":      append(DefaultDirs(dir)[:2], dir),
		"symlinked_dir":         {"link", "bin/plugins"},
		"symlinked_file":        {"bin/plugins", "other"},
	}
	type row struct{ Name, Path, ShadowedBy string }
	want := []row{{"sim", sim, ""}}
	for name, dirs := range cases {
		t.Run(name, func(t *testing.T) {
			active, shadowed, warnings := Discover(dirs)
			var got []row
			for _, c := range append(active, shadowed...) {
				got = append(got, row{c.Name, c.Path, c.ShadowedBy})
			}
			if diff := cmp.Diff(want, got); diff != "" || len(warnings) > 0 {
				t.Errorf("Discover(%q) (-want +got):\n%s\nwarnings %q", dirs, diff, warnings)
			}
		})
	}
}
