package pluginmgr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/provider"
)

// SystemDir is where a packaged vcc installs its plugins.
const SystemDir = "/usr/local/lib/vcc/plugins"

// EnvPluginDir names extra plugin directories (colon-separated).
const EnvPluginDir = "VCC_PLUGIN_DIR"

// DataSubdir is the directory of the host's data dir that holds each
// plugin's own data dir (Config.DataDir).
const DataSubdir = "plugin-data"

// Config of a Manager. Zero values get sane defaults.
type Config struct {
	// Dirs are searched in order; see DefaultDirs.
	Dirs   []string
	Logger hclog.Logger
	// LogLevel is passed to plugins (trace, debug, info, warn, error).
	LogLevel string
	// StartTimeout bounds one plugin's start and first GetInfo.
	StartTimeout time.Duration
	// Supervise restarts crashed plugins; off for one-shot commands.
	Supervise bool
	// DataDir, when set, gives every plugin its own directory
	// DataDir/NAME (see providerplugin.EnvDataDir).
	DataDir string
	// RestartBackoff is the first restart delay; it doubles per
	// consecutive failure up to MaxBackoff.
	RestartBackoff time.Duration
	MaxBackoff     time.Duration
	// StableAfter is how long a plugin must run for its failure count to
	// reset.
	StableAfter time.Duration
}

// DefaultDirs are the plugin directories in precedence order: explicit
// ones (flag or VCC_PLUGIN_DIR), the dev tree's bin/plugins beside the
// vcc-host binary, and the system dir.
func DefaultDirs(explicit string) []string {
	var dirs []string
	for _, s := range []string{explicit, os.Getenv(EnvPluginDir)} {
		for _, d := range filepath.SplitList(s) {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Join(filepath.Dir(exe), "plugins"))
	}
	return append(dirs, SystemDir)
}

// Manager owns every plugin of a host.
type Manager struct {
	cfg      Config
	logger   hclog.Logger
	mu       sync.Mutex
	byName   map[string]*instance // normalised name and aliases
	all      []*instance
	shadowed []Candidate
	warnings []string
	// removed are the plugins the last rescan stopped, shown by Statuses
	// until the next one.
	removed []Status
	// rescanMu keeps rescans (SIGHUP, init) one at a time.
	rescanMu sync.Mutex
}

// New makes a manager; Start loads the plugins.
func New(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = "info"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.RestartBackoff == 0 {
		cfg.RestartBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.StableAfter == 0 {
		cfg.StableAfter = time.Minute
	}
	// Plugins put their unix sockets in the temp dir, which a minimal
	// image may lack (its TMPDIR then points into the data volume).
	_ = os.MkdirAll(os.TempDir(), 0o700)
	return &Manager{cfg: cfg, logger: cfg.Logger.Named("pluginmgr"), byName: map[string]*instance{}}
}

func (m *Manager) launchOpts() launchOpts {
	return launchOpts{logger: m.cfg.Logger.Named("plugin"), logLevel: m.cfg.LogLevel, startTimeout: m.cfg.StartTimeout, dataDir: m.cfg.DataDir}
}

// Start discovers the plugins and starts them all in parallel. Plugins
// that fail are recorded (see Statuses), not fatal.
func (m *Manager) Start(ctx context.Context) {
	active, shadowed, warnings := m.discover()
	var wg sync.WaitGroup
	m.mu.Lock()
	m.shadowed, m.warnings = shadowed, warnings
	for _, c := range active {
		inst := newInstance(c, m)
		m.all = append(m.all, inst)
		m.byName[c.Name] = inst
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.start(ctx)
		}()
	}
	m.mu.Unlock()
	wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.indexLocked()
}

// discover finds the plugins of the configured dirs and the ones served
// in debug mode, and logs the warnings.
func (m *Manager) discover() (active, shadowed []Candidate, warnings []string) {
	active, shadowed, warnings = Discover(m.cfg.Dirs)
	active, debugging, err := reattached(active)
	if err != nil {
		warnings = append(warnings, err.Error())
	}
	warnings = append(warnings, debugging...)
	for _, w := range warnings {
		m.logger.Warn(w)
	}
	return active, shadowed, warnings
}

// indexLocked rebuilds byName from all: each plugin's name, then the
// aliases it reports that no plugin's name takes.
func (m *Manager) indexLocked() {
	m.byName = map[string]*instance{}
	for _, inst := range m.all {
		m.byName[inst.name] = inst
	}
	for _, inst := range m.all {
		inst.mu.Lock()
		info := inst.info
		inst.mu.Unlock()
		if info == nil {
			continue
		}
		for _, a := range info.Aliases {
			if _, taken := m.byName[Normalize(a)]; !taken {
				m.byName[Normalize(a)] = inst
			}
		}
	}
}

// Provider returns the supervised provider called name (or an alias).
func (m *Manager) Provider(name string) (provider.Provider, error) {
	m.mu.Lock()
	inst, ok := m.byName[Normalize(name)]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no provider %q is installed (installed: %s); add one with `vcc-host plugins install --path BINARY`",
			name, strings.Join(m.Names(), ", "))
	}
	return &supervised{inst: inst}, nil
}

// Names lists the providers found, sorted.
func (m *Manager) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, inst := range m.all {
		out = append(out, inst.name)
	}
	sort.Strings(out)
	return out
}

// Close stops every plugin process and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	all := m.all
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, inst := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.stop()
		}()
	}
	wg.Wait()
	plugin.CleanupClients()
}

// Info returns what the plugin said at its last start, without a call.
func (m *Manager) Info(name string) (*provider.Info, error) {
	m.mu.Lock()
	inst, ok := m.byName[Normalize(name)]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no provider %q is installed (installed: %s)", name, strings.Join(m.Names(), ", "))
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.info == nil {
		return nil, fmt.Errorf("provider %q is %s: %v", name, inst.state, inst.lastErr)
	}
	return inst.info, nil
}
