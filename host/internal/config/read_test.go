package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// shadow looks like /etc/shadow: a file no error may print.
const shadow = "root:$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n"

// TestReadRules: what a config file may be, and that its problems quote
// it only in short escaped excerpts.
func TestReadRules(t *testing.T) {
	cases := map[string]struct {
		setup func(t *testing.T, dir string) // makes dir/vpn_catalog.yml
		want  string                         // in the problems; "" loads
	}{
		"link_out_of_dir": {func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "shadow")
			writeFile(t, outside, shadow)
			link(t, outside, filepath.Join(dir, CatalogFile))
		}, "is a symbolic link to "},
		"link_inside_dir": {func(t *testing.T, dir string) { // as a Kubernetes ConfigMap mounts files
			writeFile(t, filepath.Join(dir, "..data", CatalogFile), "sim:\n  default: {}\n")
			link(t, filepath.Join("..data", CatalogFile), filepath.Join(dir, CatalogFile))
		}, ""},
		"dangling_link": {func(t *testing.T, dir string) {
			link(t, filepath.Join(dir, "gone.yml"), filepath.Join(dir, CatalogFile))
		}, "is a symbolic link that leads nowhere"},
		"not_a_file": {func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, CatalogFile), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		"too_large": {func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, CatalogFile), "# "+strings.Repeat("x", MaxFileSize)+"\n")
		}, fmt.Sprintf("is larger than %d bytes", MaxFileSize)},
		"too_many_entries": {func(t *testing.T, dir string) {
			var b strings.Builder
			b.WriteString("sim:\n")
			for i := 0; i <= MaxEntries; i++ {
				fmt.Fprintf(&b, "  e%d: {}\n", i)
			}
			writeFile(t, filepath.Join(dir, CatalogFile), b.String())
		}, fmt.Sprintf(":%d: sim.e%d: more than %d entries in one file", MaxEntries+2, MaxEntries, MaxEntries)},
		"at_most_entries": {func(t *testing.T, dir string) {
			var b strings.Builder
			b.WriteString("sim:\n")
			for i := 0; i < MaxEntries; i++ {
				fmt.Fprintf(&b, "  e%d: {}\n", i)
			}
			writeFile(t, filepath.Join(dir, CatalogFile), b.String())
		}, ""},
		"shadow_inside_dir": {func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, CatalogFile), shadow)
		}, `:1: "root:$6$saltsalt$0123456789abcde…": must be a mapping`},
		"control_characters": {func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, CatalogFile), "cci_version: \"\\e[31mred\"\n")
		}, `"\x1b[31mred" is not a known catalog version`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			cat, err := LoadCatalog(filepath.Join(dir, CatalogFile))
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = cat.Validate(t.Context(), noPlugins{}).Error()
			}
			if tc.want == "" && err != nil || !strings.Contains(got, tc.want) {
				t.Errorf("problems:\n%s\nwant %q", got, tc.want)
			}
			if strings.Contains(got, shadow[:40]) {
				t.Errorf("the problems quote the file at length:\n%s", got)
			}
		})
	}
}

// TestExcerpt: quoted, escaped, and cut.
func TestExcerpt(t *testing.T) {
	got := []string{excerpt("short"), excerpt("tab\there"), excerpt(strings.Repeat("é", 40)), name("sim"), name("ip_addresses[2]"), name("a b")}
	want := []string{`"short"`, `"tab\there"`, `"` + strings.Repeat("é", 32) + `…"`, "sim", "ip_addresses[2]", `"a b"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type noPlugins struct{}

func (noPlugins) Names() []string { return nil }

func (noPlugins) Provider(name string) (provider.Provider, error) {
	return nil, fmt.Errorf("no plugin %s", name)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}
