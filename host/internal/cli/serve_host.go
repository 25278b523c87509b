package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/audit"
	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/rotate"
	"github.com/vccproject/vcc/host/internal/sshkey"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/host/internal/tlsconf"
)

// serveHost is a running `vcc-host serve`: what its steps opened, and how
// to close it again.
type serveHost struct {
	e env
	f *serveFlags
	// closers undo the steps taken, run last first by close.
	closers []func()
	// destroy is set by `vcc-host destroy`: the data dir is emptied once
	// everything in it is closed.
	destroy bool

	log       hclog.Logger
	logOut    io.Writer
	pubKey    string
	plugins   *pluginmgr.Manager
	st        *store.Bolt
	backend   identity.Backend
	ids       *identity.Service
	tokenPath string
	audit     *audit.Log
	bus       *events.Bus
	mon       *liveness.Monitor
	ctrl      *controller.Controller

	tls        *tlsconf.Material
	caPEM      []byte
	ln         net.Listener
	metricsURL string
	// reloadMu keeps a SIGHUP and an `init` asking at once from
	// interleaving their reloads.
	reloadMu sync.Mutex
}

func (h *serveHost) onClose(fn func()) { h.closers = append(h.closers, fn) }

func (h *serveHost) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
	if h.destroy {
		if err := emptyDir(h.f.d.data); err != nil {
			fmt.Fprintf(h.e.stderr, "vcc-host: destroy: %v\n", err)
		}
	}
}

// openState opens what the controller keeps in its data dir: logs, the
// SSH key, the plugins (each with its own data dir), the store, the
// identity backend and the audit log.
func (h *serveHost) openState() error {
	data := h.f.d.data
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var err error
	if h.pubKey, err = sshkey.Load(data); err != nil {
		return fmt.Errorf("controller SSH key: %w", err)
	}
	// Logs go to stderr (docker compose logs) and to rotated files.
	logFile, err := rotate.Open(filepath.Join(data, "logs", "vcc-host.log"), 10<<20, 5)
	if err != nil {
		return err
	}
	h.onClose(func() { h.e.closeAtExit("log file", logFile) })
	h.logOut = io.MultiWriter(h.e.stderr, logFile)
	h.log = h.f.c.logger(h.logOut)

	pcfg := h.f.c.managerConfig(h.logOut, true)
	pcfg.DataDir = filepath.Join(data, pluginmgr.DataSubdir)
	h.plugins = pluginmgr.New(pcfg)
	h.onClose(h.plugins.Close)
	h.plugins.Start(h.e.ctx)

	if h.st, err = store.OpenBolt(filepath.Join(data, "state.db")); err != nil {
		return err
	}
	h.onClose(func() { h.e.closeAtExit("store", h.st) })
	return h.openIdentity()
}

// openIdentity opens the secrets backend and the users, makes the first
// admin's token, and opens the audit log.
func (h *serveHost) openIdentity() error {
	var err error
	if h.backend, err = openBackend(h.e.ctx, h.st, h.f.d.data, h.f.vault); err != nil {
		return err
	}
	if h.ids, err = identity.NewService(h.st, h.backend); err != nil {
		return err
	}
	h.tokenPath = filepath.Join(h.f.d.data, identity.AdminTokenFile)
	if err := h.ids.EnsureAdmin(h.e.ctx, h.tokenPath); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if h.audit, err = audit.Open(filepath.Join(h.f.d.data, "audit"), 10<<20, 5); err != nil {
		return err
	}
	h.onClose(func() { h.e.closeAtExit("audit log", h.audit) })
	return nil
}

// startController starts liveness and the controller, which loads the
// configuration (refusing one with errors) and resumes open operations.
func (h *serveHost) startController() error {
	h.bus = events.NewBus()
	var err error
	if h.mon, err = startLiveness(h.e.ctx, h.st, h.f.serf, h.f.advertise, h.f.d.data, h.log); err != nil {
		return err
	}
	var live controller.Liveness
	if h.mon != nil {
		h.onClose(func() { h.e.closeAtExit("liveness", h.mon) })
		live = h.mon
	}
	f := h.f
	h.ctrl, err = controller.New(h.e.ctx, h.st, h.plugins, h.bus, h.log, controller.Config{
		ConfigDir: f.d.config, Secrets: h.backend, Refs: h.backend, Users: h.ids, AdvertiseAddr: f.advertise, Registry: f.dot.Registry,
		SSHKeyFile: filepath.Join(f.d.data, sshkey.PrivateFile), Liveness: live,
		Engine: engine.Config{DefaultLimit: f.limit, Limits: f.limits, OpTimeout: f.opTimeout, Audit: h.audit, JoinTimeout: f.joinTimeout},
	})
	var probs config.Problems
	if errors.As(err, &probs) {
		return fmt.Errorf("the configuration has errors; fix them and start again:\n%s", probs.Error())
	}
	if err != nil {
		return err
	}
	h.onClose(h.ctrl.Close)
	return nil
}
