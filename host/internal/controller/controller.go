// Package controller is the VC service: it checks requests against the
// model's rules and the plugins' schemas, records the change and the
// operation that carries it out in one transaction, and hands the
// operation to the engine.
package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/knownhosts"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// Config of the controller.
type Config struct {
	ConfigDir string
	Engine    engine.Config
	// MaxNodesPerRequest bounds one create or add; default 1000.
	MaxNodesPerRequest int
	// Secrets holds users' cloud credentials.
	Secrets SecretReader
	// Users says which users exist (a VC's new owner must); nil: any
	// name is refused.
	Users UserDirectory
	// Refs reads vault:// references; nil refuses them.
	Refs identity.Resolver
	// AdvertiseAddr is where nodes reach the controller.
	AdvertiseAddr string
	// Registry is where Base images come from when a spec names none
	// (VCP_OFFICIAL_REGISTRY_ADDRESS).
	Registry string
	// SSHKeyFile is the controller's SSH private key, handed to plugins
	// that log in to servers (capability ssh_login, CallEnv.ControllerSSHKey).
	SSHKeyFile string
	// Liveness is the Serf monitor; nil turns liveness off (a node is
	// RUNNING when its instance runs).
	Liveness Liveness
}

// UserDirectory finds a user; identity.Service implements it.
type UserDirectory interface {
	User(ctx context.Context, name string) (*identity.User, error)
}

// SecretReader reads a user's secret; identity backends implement it.
type SecretReader interface {
	GetSecret(ctx context.Context, user, path string) (string, error)
}

// Controller owns the VCs.
type Controller struct {
	st      store.Store
	plugins *pluginmgr.Manager
	bus     *events.Bus
	log     hclog.Logger
	eng     *engine.Engine
	id      string
	cfg     Config

	rec reconciler
	// cubby holds values of vault://cubbyhole references, read with the
	// requester's token, in memory only: "vcid/unit" -> key -> value.
	cubbyMu sync.Mutex
	cubby   map[string]map[string]string

	// keyOnce guards key, the controller's SSH private key (see sshKey).
	keyOnce sync.Once
	key     provider.Secret
	keyErr  error

	// checking holds the nodes whose loss is being looked into, so the
	// sweep does not ask about them again meanwhile.
	checking sync.Map

	confMu  sync.RWMutex
	catalog *config.Catalog
	flavors *config.Flavors
	pools   *config.IPPools
}

// New loads the controller id and the configuration, starts the engine
// and resumes the operations a previous run left open. A configuration
// with errors stops it, listing every problem.
func New(ctx context.Context, st store.Store, plugins *pluginmgr.Manager, bus *events.Bus, log hclog.Logger, cfg Config) (*Controller, error) {
	if cfg.MaxNodesPerRequest == 0 {
		cfg.MaxNodesPerRequest = 1000
	}
	c := &Controller{st: st, plugins: plugins, bus: bus, log: log.Named("controller"), cfg: cfg}
	var err error
	if c.id, err = EnsureID(st); err != nil {
		return nil, err
	}
	probs, err := c.reload(ctx, true)
	if err != nil {
		return nil, err
	}
	for _, p := range probs {
		c.log.Warn(p.String())
	}
	c.eng = engine.New(st, c, bus, log, cfg.Engine)
	n, err := c.eng.Resume()
	if err != nil {
		return nil, err
	}
	if n > 0 {
		c.log.Info("resumed open operations", "count", n)
	}
	return c, nil
}

// EnsureID returns the controller id, made on first start.
func EnsureID(st store.Store) (string, error) {
	var id string
	err := st.Update(func(tx store.Tx) error {
		var err error
		id, err = tx.Meta("controller_id")
		if errors.Is(err, store.ErrNotFound) {
			id = model.NewID()
			err = tx.PutMeta("controller_id", id)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("controller id: %w", err)
	}
	return id, nil
}

// ID is this controller's id, tagged on every instance it makes.
func (c *Controller) ID() string { return c.id }

// Engine exposes the engine for waiting on operations.
func (c *Controller) Engine() *engine.Engine { return c.eng }

// Close stops the engine; open operations resume at the next start.
func (c *Controller) Close() { c.eng.Close() }

// Reload reads and validates the configuration and, when it has no
// errors, puts it in force. It returns the warnings; errors come back as
// config.Problems.
func (c *Controller) Reload(ctx context.Context) (config.Problems, error) {
	return c.reload(ctx, false)
}

// reload loads the configuration. A catalog without an entry that units
// still use is refused while running (the one in force stays); at start
// there is none in force, so it is a warning and those units' cloud calls
// fail until the entry is back.
func (c *Controller) reload(ctx context.Context, starting bool) (config.Problems, error) {
	conf, probs, err := LoadConfig(ctx, c.cfg.ConfigDir, c.plugins)
	if err != nil {
		return nil, err
	}
	gone, err := c.entriesInUse(conf.Catalog, starting)
	if err != nil {
		return nil, err
	}
	if len(gone.Errors()) > 0 {
		return nil, append(probs, gone...)
	}
	probs = append(probs, gone...)
	// Allocations outlive the file: a shrunk pool keeps them, and says so.
	kept, err := c.keptAddresses(conf.Pools)
	if err != nil {
		return nil, err
	}
	c.confMu.Lock()
	c.catalog, c.flavors, c.pools = conf.Catalog, conf.Flavors, conf.Pools
	c.confMu.Unlock()
	return append(probs, kept...), nil
}

// Settings is a loaded, validated configuration.
type Settings struct {
	Catalog *config.Catalog
	Flavors *config.Flavors
	Pools   *config.IPPools
}

// LoadConfig loads and validates the catalog, the flavors and the IP
// pools of dir against the running plugins. Errors come back as
// config.Problems.
func LoadConfig(ctx context.Context, dir string, plugins *pluginmgr.Manager) (*Settings, config.Problems, error) {
	cat, err := config.LoadCatalog(filepath.Join(dir, config.CatalogFile))
	if err != nil {
		return nil, nil, err
	}
	flav, err := config.LoadFlavors(filepath.Join(dir, config.FlavorFile))
	if err != nil {
		return nil, nil, err
	}
	if cat.Default {
		cat.AddDefaults(ctx, plugins, plugins.Names())
	}
	probs := cat.Validate(ctx, plugins)
	infos := map[string]*provider.Info{}
	for _, name := range plugins.Names() {
		if info, err := plugins.Info(name); err == nil {
			infos[name] = info
		}
	}
	probs = append(probs, flav.Validate(infos)...)
	pools, poolProbs := config.LoadIPPools(dir, cat, infos)
	probs = append(probs, poolProbs...)
	if errs := probs.Errors(); len(errs) > 0 {
		return nil, probs, errs
	}
	return &Settings{Catalog: cat, Flavors: flav, Pools: pools}, probs, nil
}

// Catalog returns the catalog in force.
func (c *Controller) Catalog() *config.Catalog {
	c.confMu.RLock()
	defer c.confMu.RUnlock()
	return c.catalog
}

// IPPools returns the IP pools in force.
func (c *Controller) IPPools() *config.IPPools {
	c.confMu.RLock()
	defer c.confMu.RUnlock()
	return c.pools
}

func (c *Controller) flavorSet() *config.Flavors {
	c.confMu.RLock()
	defer c.confMu.RUnlock()
	return c.flavors
}

// Provider is the engine's access to plugins.
func (c *Controller) Provider(name string) (provider.Provider, error) {
	return c.plugins.Provider(name)
}

// CallEnv builds what a plugin gets with every call for unit u. The
// credentials are read now, for this call only; they are never stored
// with the unit.
func (c *Controller) CallEnv(ctx context.Context, u *model.Unit) (provider.CallEnv, error) {
	entry, ok := c.Catalog().Lookup(u.Provider, u.CatalogEntry)
	if !ok {
		return provider.CallEnv{}, fmt.Errorf("catalog entry %s.%s is no longer in %s", u.Provider, u.CatalogEntry, c.Catalog().File)
	}
	creds, _, err := c.credentials(ctx, u)
	if err != nil {
		return provider.CallEnv{}, err
	}
	env := provider.CallEnv{
		ControllerID: c.id, ControllerAddress: c.cfg.AdvertiseAddr, CatalogEntryName: u.CatalogEntry,
		CatalogEntry: entry.Values, Credentials: creds,
	}
	if c.cfg.Liveness != nil {
		env.ControllerSerfPort = c.cfg.Liveness.Port()
		env.SerfKey = c.cfg.Liveness.Key()
	}
	info, err := c.plugins.Info(u.Provider)
	if err != nil {
		return env, nil
	}
	if info.Has(provider.CapSSHLogin) {
		key, err := c.sshKey()
		if err != nil {
			return provider.CallEnv{}, err
		}
		env.ControllerSSHKey = key
		if env.KnownHosts, err = knownhosts.All(c.st); err != nil {
			return provider.CallEnv{}, err
		}
	}
	return env, nil
}

// Flavors lists the flavors of one provider (all when empty): the
// plugin's own, overridden by vcp_flavor.yml.
func (c *Controller) Flavors(only string) map[string]map[string]json.RawMessage {
	out := map[string]map[string]json.RawMessage{}
	for _, name := range c.plugins.Names() {
		if only != "" && pluginmgr.Normalize(only) != name {
			continue
		}
		if info, err := c.plugins.Info(name); err == nil {
			out[name] = c.flavorSet().Resolve(name, info)
		}
	}
	return out
}
