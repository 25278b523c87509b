package config_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkCatalogAtLimit loads a catalog of config.MaxEntries entries,
// each checked by the sim plugin, as every start and reload does: the
// cost the entry limit bounds.
func BenchmarkCatalogAtLimit(b *testing.B) {
	m := pluginmgr.New(pluginmgr.Config{Dirs: []string{testenv.PluginDir(b, true, map[string]string{"vcc-provider-sim": testenv.Sim(b)})}})
	m.Start(context.Background())
	b.Cleanup(m.Close)
	var body strings.Builder
	body.WriteString("sim:\n")
	for i := 0; i < config.MaxEntries; i++ {
		fmt.Fprintf(&body, "  net%d:\n    latency_ms: 5\n    private_network_ipmask: 10.%d.%d.0/24\n", i, i/256, i%256)
	}
	path := filepath.Join(b.TempDir(), config.CatalogFile)
	if err := os.WriteFile(path, []byte(body.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cat, err := config.LoadCatalog(path)
		if err != nil {
			b.Fatal(err)
		}
		if errs := cat.Validate(context.Background(), m).Errors(); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
