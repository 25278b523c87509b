package pluginmgr_test

import (
	"context"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkColdStart is one plugin's start as the host does it: checksum
// check, exec, handshake with mutual TLS, dispense and the first GetInfo.
// Stopping the plugin is not timed.
func BenchmarkColdStart(b *testing.B) {
	dir := testenv.PluginDir(b, true, map[string]string{"vcc-provider-sim": testenv.Sim(b)})
	var total time.Duration
	for b.Loop() {
		m := pluginmgr.New(pluginmgr.Config{Dirs: []string{dir}})
		start := time.Now()
		m.Start(context.Background())
		total += time.Since(start)
		b.StopTimer()
		if s := m.Statuses(); s[0].State != pluginmgr.StateRunning {
			b.Fatalf("plugin did not start: %+v", s[0])
		}
		m.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/start")
}
