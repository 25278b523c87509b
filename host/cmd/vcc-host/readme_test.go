package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// readmeExample matches a block the README marks as tested: the marker
// comment, then a fenced block.
var readmeExample = regexp.MustCompile("(?s)<!-- readme-example: ([a-z-]+)[^>]*-->\n```[a-z]*\n(.*?)```")

func readmeExamples(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range readmeExample.FindAllStringSubmatch(string(raw), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("README: two examples named %s", m[1])
		}
		out[m[1]] = m[2]
	}
	for _, want := range []string{"shell", "shell-go-module", "go", "shell-go-run"} {
		if out[want] == "" {
			t.Fatalf("README: no example %q (marked <!-- readme-example: %s -->)", want, want)
		}
	}
	return out
}

// TestReadmeExamples runs the README's examples as written, against a
// controller: the curl recipe with bash and with zsh, and the Go program
// built as a module of its own from this checkout's sdk (the replace
// recipe). Only https://localhost becomes the test controller's URL.
func TestReadmeExamples(t *testing.T) {
	ex := readmeExamples(t)
	h := testenv.StartHost(t, "")
	dir := t.TempDir()
	for name, src := range map[string]string{"admin.token": "", "tls/ca.pem": h.CA} {
		data := []byte(h.Token + "\n")
		if src != "" {
			data = must[[]byte](t)(os.ReadFile(src))
		}
		check(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, "volume", name)), 0o700))
		writeFile(t, filepath.Join(dir, "volume", name), data, 0o600)
	}
	local := func(s string) string { return strings.ReplaceAll(s, "https://localhost", h.URL) }
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			path, err := exec.LookPath(shell)
			providertest.Require(t, err == nil, shell+" (scripts/test-deps.sh installs it)")
			for _, tool := range []string{"curl", "jq"} {
				_, err := exec.LookPath(tool)
				providertest.Require(t, err == nil, tool+" (scripts/test-deps.sh installs it)")
			}
			out := runScript(t, dir, path, local(ex["shell"]), nil)
			if !strings.Contains(out, `"state":"succeeded"`) || !strings.Contains(out, ": vcc events") {
				t.Errorf("%s: the recipe ran but printed no finished operation or no event stream:\n%s", shell, out)
			}
			if vcs := must[[]sdk.VC](t)(h.Client.FindUnitGroups(ctx(t), sdk.VCFilter{Name: "demo"})); len(vcs) != 0 && vcs[0].State != "DELETING" {
				t.Errorf("%s: the recipe's cleanup left %+v", shell, vcs)
			}
		})
	}
	t.Run("go", func(t *testing.T) {
		checkout := must[string](t)(filepath.Abs("../../.."))
		env := []string{"VCC=" + checkout, "GOWORK=off", "GOFLAGS=-mod=mod"}
		runScript(t, dir, "/bin/bash", ex["shell-go-module"], env)
		check(t, os.MkdirAll(filepath.Join(dir, "demo"), 0o755))
		writeFile(t, filepath.Join(dir, "demo", "main.go"), []byte(local(ex["go"])), 0o644)
		out := runScript(t, filepath.Join(dir, "demo"), "/bin/bash", ex["shell-go-run"], env)
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) < 5 || !strings.HasPrefix(lines[len(lines)-5], "1 ") {
			t.Errorf("the Go example printed %q, want its 5 nodes", out)
		}
	})
}

// runScript runs script with shell in dir, stopping at the first failing
// command, and returns its output.
func runScript(t *testing.T, dir, shell, script string, env []string) string {
	t.Helper()
	cmd := exec.Command(shell, "-c", "set -e -o pipefail\n"+script)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s\nscript:\n%s", filepath.Base(shell), err, out, script)
	}
	return string(out)
}
