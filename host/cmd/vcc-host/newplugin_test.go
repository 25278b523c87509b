package main_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest"
)

// command runs name in dir and returns its combined output and exit
// code. The make variables of an outer `make test` are dropped, so a
// nested make does not look for the outer one's job server.
func command(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out.String(), 0
}

// mustRun is command that fails the test on a non-zero exit.
func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, code := command(t, dir, env, name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return out
}

func requireMake(t *testing.T) {
	_, err := exec.LookPath("make")
	providertest.Require(t, err == nil, "make (apt-get install make)")
}

// copyTree copies the work tree (no .git, tools, build output or
// symlinks) to a temp dir, for a test that changes it.
func copyTree(t *testing.T, root string) string {
	t.Helper()
	dst := t.TempDir()
	skip := map[string]bool{".git": true, ".tools": true, "bin": true, "volume": true}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case d.IsDir() && skip[d.Name()]:
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestNewPlugin: on a copy of the tree, `make new-plugin` refuses bad
// names with a clear message and changes nothing, and makes from the
// skeleton a plugin that go.work, make build and make test take and
// whose own tests (the conformance suite included) pass.
func TestNewPlugin(t *testing.T) {
	requireMake(t)
	root := copyTree(t, testenv.RepoRoot(t))
	work, _ := os.ReadFile(filepath.Join(root, "go.work"))
	refusals := map[string]struct {
		args []string
		want string
	}{
		"no_name":    {nil, "NAME is required"},
		"bad_name":   {[]string{"NAME=My-Cloud"}, "NAME=My-Cloud is not a provider name"},
		"keyword":    {[]string{"NAME=func"}, "taken by Go"},
		"existing":   {[]string{"NAME=sim"}, "plugins/sim already exists"},
		"dir_inside": {[]string{"NAME=mycloud", "DIR=" + filepath.Join(root, "elsewhere")}, "inside the checkout"},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			out, code := command(t, root, nil, "make", append([]string{"new-plugin"}, tc.args...)...)
			if code == 0 || !strings.Contains(out, tc.want) || !strings.Contains(out, "usage: make new-plugin") {
				t.Errorf("exit %d, output %q; want non-zero, %q and the usage", code, out, tc.want)
			}
			if now, _ := os.ReadFile(filepath.Join(root, "go.work")); !bytes.Equal(now, work) {
				t.Error("a refused new-plugin changed go.work")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(root, "plugins", "mycloud")); err == nil {
		t.Fatal("a refused new-plugin left plugins/mycloud")
	}

	mustRun(t, root, nil, "make", "new-plugin", "NAME=mycloud")
	if now, _ := os.ReadFile(filepath.Join(root, "go.work")); !strings.Contains(string(now), "./plugins/mycloud\n") {
		t.Errorf("go.work does not use ./plugins/mycloud:\n%s", now)
	}
	// make build and make test take every plugins/* directory.
	for target, want := range map[string]string{"build": `for p in [^;]*\bmycloud\b`, "test": `go test .* \./plugins/mycloud/\.\.\.`} {
		if out := mustRun(t, root, nil, "make", "-n", target); !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("make -n %s does not take the new plugin (want %q):\n%s", target, want, out)
		}
	}
	// The lint's import rules place it (make test fails on a plugin they do not).
	mustRun(t, root, nil, "scripts/depguard-coverage.sh")
	if out, code := command(t, root, nil, "grep", "-rl", "skeleton", "plugins/mycloud"); code != 1 {
		t.Errorf("files still naming the skeleton (grep exit %d):\n%s", code, out)
	}
	mustRun(t, root, nil, "go", "vet", "./plugins/mycloud/...")
	out := mustRun(t, root, nil, "go", "test", "-count=1", "./plugins/mycloud/...")
	if !strings.Contains(out, "ok  \tgithub.com/vccproject/vcc/plugins/mycloud/internal/mycloud") {
		t.Errorf("the new plugin's tests did not run:\n%s", out)
	}
}
