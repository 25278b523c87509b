package pluginmgr

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vccproject/vcc/proto/providerplugin"
)

// pluginEnv is a plugin's environment: the host's, with what the host
// sets for every plugin alike put last so it wins over a stray value in
// the host's own environment (the log level, and for a plugin of a known
// name its data dir, made here).
func pluginEnv(name string, o launchOpts) ([]string, error) {
	own := []string{providerplugin.EnvLogLevel + "=" + o.logLevel}
	if name != "" && o.dataDir != "" {
		dir, err := filepath.Abs(filepath.Join(o.dataDir, name))
		if err != nil {
			return nil, fmt.Errorf("plugin data dir of %s: %w", name, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("plugin data dir of %s: %w", name, err)
		}
		own = append(own, providerplugin.EnvDataDir+"="+dir)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, providerplugin.EnvDataDir+"=") && !strings.HasPrefix(kv, providerplugin.EnvLogLevel+"=") {
			env = append(env, kv)
		}
	}
	return append(env, own...), nil
}
