package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"github.com/hashicorp/go-hclog"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/api"
	"github.com/vccproject/vcc/host/internal/audit"
	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/dotenv"
	"github.com/vccproject/vcc/host/internal/engine"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/metrics"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/rotate"
	"github.com/vccproject/vcc/host/internal/sshkey"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/host/internal/tlsconf"
	"github.com/vccproject/vcc/proto/providerplugin"
)

const protocolVersion = providerplugin.ProtocolVersion

// PIDFile in the data dir lets `vcc-host init` ask a running host to
// reload.
const PIDFile = "vcc-host.pid"

// dirs are the locations every controller command shares.
type dirs struct {
	data, config, cert string
	envFile            string
	requireEnv         bool
}

func (d *dirs) register(fs *flag.FlagSet) {
	fs.StringVar(&d.envFile, "env-file", envOr("VCC_ENV_FILE", ".env"), "the deployment's .env (VCP_VCC_PRIVATE_IPMASK, VCP_OFFICIAL_REGISTRY_ADDRESS) (env VCC_ENV_FILE)")
	fs.BoolVar(&d.requireEnv, "require-env", os.Getenv("VCC_REQUIRE_ENV") == "true", "refuse to start without the .env values (compose sets it) (env VCC_REQUIRE_ENV=true)")
	fs.StringVar(&d.data, "data", envOr("VCC_DATA_DIR", "./volume"), "data directory: state, tokens, generated CA (env VCC_DATA_DIR)")
	fs.StringVar(&d.config, "config", envOr("VCC_CONFIG_DIR", "./config"), "config directory: vpn_catalog.yml, vcp_flavor.yml (env VCC_CONFIG_DIR)")
	fs.StringVar(&d.cert, "cert", envOr("VCC_CERT_DIR", "./cert"), "certificate directory: ca.pem, occtr_cert.pem, occtr_key.pem (env VCC_CERT_DIR)")
}

// serve runs the controller until SIGINT or SIGTERM; SIGHUP reloads the
// configuration.
func (e env) serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c common
	var d dirs
	var vf vaultFlags
	c.register(fs, "info")
	d.register(fs)
	vf.register(fs)
	listen := fs.String("listen", envOr("VCC_LISTEN", ":443"), "HTTPS address of the REST API (env VCC_LISTEN)")
	limit := fs.Int("provider-limit", envInt("VCC_PROVIDER_LIMIT", 32), "concurrent cloud calls per provider (env VCC_PROVIDER_LIMIT)")
	limits := fs.String("provider-limits", os.Getenv("VCC_PROVIDER_LIMITS"), "per-provider overrides, e.g. aws=16,sim=64 (env VCC_PROVIDER_LIMITS)")
	opTimeout := fs.Duration("op-timeout", envDuration("VCC_OP_TIMEOUT", 30*time.Minute), "an operation running longer fails and frees its unit (env VCC_OP_TIMEOUT)")
	metricsAddr := fs.String("metrics-listen", envOr("VCC_METRICS_LISTEN", "127.0.0.1:9466"), "plain-HTTP /metrics and /sd/nodes for Prometheus; off disables (env VCC_METRICS_LISTEN)")
	nodeMetricsPort := fs.Int("node-metrics-port", envInt("VCC_NODE_METRICS_PORT", 18083), "port of each node's metrics, for discovery (env VCC_NODE_METRICS_PORT)")
	advertise := fs.String("advertise-addr", os.Getenv("VCC_ADVERTISE_ADDR"), "the address nodes reach the controller at, its private IP (env VCC_ADVERTISE_ADDR)")
	serfListen := fs.String("serf-listen", envOr("VCC_SERF_LISTEN", "0.0.0.0:7947"), "Serf address (TCP and UDP) the nodes' agents join; a node is RUNNING once its agent answers; off disables liveness (env VCC_SERF_LISTEN)")
	joinTimeout := fs.Duration("join-timeout", envDuration("VCC_JOIN_TIMEOUT", 10*time.Minute), "how long a new node's agent may take to join before the node is HOST_ERROR (env VCC_JOIN_TIMEOUT)")
	reconcileEvery := fs.Duration("reconcile-interval", envDuration("VCC_RECONCILE_INTERVAL", 5*time.Minute), "compare the store with the clouds this often; 0: only at start (env VCC_RECONCILE_INTERVAL)")
	deleteOrphans := fs.Bool("delete-orphans", os.Getenv("VCC_DELETE_ORPHANS") == "true", "delete instances tagged with this controller that no node owns (env VCC_DELETE_ORPHANS=true)")
	if err := parse(fs, args); err != nil {
		return err
	}
	perProvider, err := parseLimits(*limits)
	if err != nil {
		return usageError{err.Error()}
	}
	dot, err := dotenv.Load(d.envFile, d.requireEnv)
	if err != nil {
		return err
	}
	if *advertise == "" {
		*advertise = dot.Addr()
	}
	if err := os.MkdirAll(d.data, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	// Registered first, run last: after every store and plugin closed.
	destroyData := false
	defer func() {
		if destroyData {
			if err := emptyDir(d.data); err != nil {
				fmt.Fprintf(e.stderr, "vcc-host: destroy: %v\n", err)
			}
		}
	}()
	pubKey, err := sshkey.Load(d.data)
	if err != nil {
		return fmt.Errorf("controller SSH key: %w", err)
	}
	// Logs go to stderr (docker compose logs) and to rotated files.
	logFile, err := rotate.Open(filepath.Join(d.data, "logs", "vcc-host.log"), 10<<20, 5)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logOut := io.MultiWriter(e.stderr, logFile)
	log := c.logger(logOut)

	// Each plugin keeps its own state beside the controller's, so a
	// restart finds it again.
	pcfg := c.managerConfig(logOut, true)
	pcfg.DataDir = filepath.Join(d.data, pluginmgr.DataSubdir)
	plugins := pluginmgr.New(pcfg)
	defer plugins.Close()
	plugins.Start(e.ctx)

	st, err := store.OpenBolt(filepath.Join(d.data, "state.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	backend, err := openBackend(e.ctx, st, d.data, vf)
	if err != nil {
		return err
	}
	ids, err := identity.NewService(st, backend)
	if err != nil {
		return err
	}
	tokenPath := filepath.Join(d.data, identity.AdminTokenFile)
	if err := ids.EnsureAdmin(e.ctx, tokenPath); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	auditLog, err := audit.Open(filepath.Join(d.data, "audit"), 10<<20, 5)
	if err != nil {
		return err
	}
	defer auditLog.Close()
	bus := events.NewBus()
	mon, err := startLiveness(e.ctx, st, *serfListen, *advertise, d.data, log)
	if err != nil {
		return err
	}
	var live controller.Liveness
	if mon != nil {
		defer mon.Close()
		live = mon
	}
	ctrl, err := controller.New(e.ctx, st, plugins, bus, log, controller.Config{
		ConfigDir: d.config, Secrets: backend, Refs: backend, AdvertiseAddr: *advertise, Registry: dot.Registry,
		SSHKeyFile: filepath.Join(d.data, sshkey.PrivateFile), Liveness: live,
		Engine: engine.Config{DefaultLimit: *limit, Limits: perProvider, OpTimeout: *opTimeout, Audit: auditLog, JoinTimeout: *joinTimeout},
	})
	var probs config.Problems
	if errors.As(err, &probs) {
		return fmt.Errorf("the configuration has errors; fix them and start again:\n%s", probs.Error())
	}
	if err != nil {
		return err
	}
	defer ctrl.Close()
	mat, err := tlsconf.Load(d.cert, d.data)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(mat.CAPath)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (use --listen or VCC_LISTEN, e.g. :8443, when not root)", *listen, err)
	}
	metricsURL := ""
	if *metricsAddr != "off" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("metrics listener %s: %w (--metrics-listen off disables it)", *metricsAddr, err)
		}
		msrv := &http.Server{Handler: &metrics.Server{Ctrl: ctrl, Plugins: plugins, Version: Version, NodePort: *nodeMetricsPort}, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		metricsURL = "http://" + mln.Addr().String()
	}
	// shutdown lets `vcc-host destroy` stop this host through the socket.
	runCtx, shutdown := context.WithCancel(e.ctx)
	defer shutdown()
	started := time.Now()
	hostInfo := &admin.Host{Destroy: func() { destroyData = true; shutdown() }, Status: func(ctx context.Context) []admin.Component {
		return hostStatus(ctx, started, ln, metricsURL, backend, plugins, ctrl, mon)
	}, Nodes: func() ([]string, error) { return describeNodes(st) }}
	if err := admin.Serve(e.ctx, filepath.Join(d.data, admin.SocketFile), ids, hostInfo); err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api.New(ctrl, plugins, ids, bus, log, api.Options{
			Version: Version, DeleteOrphans: *deleteOrphans, PublicKey: pubKey, CAPEM: caPEM, Secrets: backend, Audit: auditLog,
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{mat.Cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	pidPath := filepath.Join(d.data, PIDFile)
	_ = os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	defer os.Remove(pidPath)

	caNote := mat.CAPath
	if mat.Generated {
		caNote += " (a generated development CA: put ca.pem, occtr_cert.pem and occtr_key.pem in " + d.cert + " for real use)"
	}
	if mon != nil {
		fmt.Fprintf(e.stdout, "serf: nodes join %s\n", mon.Addr())
	}
	fmt.Fprintf(e.stdout, "vcc-host %s listening on https://%s\n  CA: %s\n  admin token: %s\n  identity backend: %s\n  data: %s, config: %s, controller id: %s\n",
		Version, ln.Addr(), caNote, tokenPath, backend.Name(), d.data, d.config, ctrl.ID())

	go ctrl.RunReconciler(runCtx, *reconcileEvery, *deleteOrphans)
	go ctrl.RunLiveness(runCtx, 2*time.Second)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			probs, err := ctrl.Reload(e.ctx)
			if err != nil {
				log.Error("configuration not reloaded; the previous one stays in force", "problems", err.Error())
				continue
			}
			for _, p := range probs {
				log.Warn(p.String())
			}
			log.Info("configuration reloaded")
		case err := <-errc:
			return fmt.Errorf("https server: %w", err)
		case <-runCtx.Done():
			fmt.Fprintln(e.stdout, "vcc-host: stopping")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			return nil
		}
	}
}

// startLiveness starts the controller's Serf member, unless listen is
// "off". It advertises the address nodes reach the controller at.
func startLiveness(ctx context.Context, st store.Store, listen, advertise, data string, log hclog.Logger) (*liveness.Monitor, error) {
	if listen == "off" {
		log.Warn("liveness is off (--serf-listen off): nodes are RUNNING when their instance runs, without their agent answering")
		return nil, nil
	}
	id, err := controller.EnsureID(st)
	if err != nil {
		return nil, err
	}
	// A controller without nodes makes its gossip key; one whose nodes
	// were started before it had a key keeps plaintext until they are
	// gone, or their agents (which have none) could no longer join.
	errNodes := errors.New("has nodes")
	err = st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(_ *model.VC, _ *model.Unit, nodes []*model.Node) error {
			if len(nodes) > 0 {
				return errNodes // one is enough
			}
			return nil
		})
	})
	fresh := err == nil
	if err != nil && !errors.Is(err, errNodes) {
		return nil, err
	}
	keyPath := filepath.Join(data, liveness.KeyFile)
	key, err := liveness.LoadKey(keyPath, fresh)
	if err != nil {
		return nil, err
	}
	if key == nil {
		log.Warn("Serf gossip is not encrypted: this controller's nodes were started before it had a gossip key. "+
			"It turns on by itself at the first start without nodes; to turn it on now (their agents then cannot join until re-created): "+
			"head -c 32 /dev/urandom | base64 > "+keyPath+" && chmod 600 "+keyPath+"; then restart", "key_file", keyPath)
	}
	return liveness.Start(ctx, liveness.Config{Bind: listen, Advertise: advertise, ControllerID: id,
		SnapshotPath: filepath.Join(data, "serf.snapshot"), Key: key, Logger: log})
}

// parseLimits reads "aws=16,sim=64".
func parseLimits(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, n, ok := strings.Cut(part, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("--provider-limits: %q is not PROVIDER=N with N ≥ 1 (e.g. aws=16,sim=64)", part)
		}
		out[pluginmgr.Normalize(name)] = v
	}
	return out, nil
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}
