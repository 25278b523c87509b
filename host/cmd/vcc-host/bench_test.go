package main_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkPluginsList is the wall time of `vcc-host plugins list` with 8
// plugins installed: the sim and seven fixture plugins named like the real
// providers (each a separate binary that is started, asked GetInfo and
// stopped).
func BenchmarkPluginsList(b *testing.B) {
	files := map[string]string{"vcc-provider-sim": testenv.Sim(b)}
	for _, name := range []string{"aws", "aws_spot", "azure", "oracle", "sakura", "onpremises", "openstack"} {
		files["vcc-provider-"+name] = testenv.TestPlugin(b, name, 1)
	}
	dir := testenv.PluginDir(b, true, files)
	host := testenv.HostBinary(b)
	env := append(os.Environ(), testenv.IsolatedEnv(b)...)
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(host, "plugins", "list", "--plugin-dir", dir)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}
