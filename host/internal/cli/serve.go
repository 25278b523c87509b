package cli

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/dotenv"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
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
	// certGiven: --cert or VCC_CERT_DIR named the dir, so a missing one
	// is a typo, not a request for the development CA (devCA is).
	certGiven, devCA bool
}

// tls loads the server certificate of the cert dir, or the development
// CA of the data dir when the cert dir is empty, or missing while the
// user did not name it or asked for it (--dev-ca).
func (d *dirs) tls() (*tlsconf.Material, error) {
	return tlsconf.Load(d.cert, d.data, d.devCA || !d.certGiven)
}

// setFlag is a string flag that records whether it was set.
type setFlag struct {
	val *string
	set *bool
}

func (f setFlag) String() string {
	if f.val == nil {
		return ""
	}
	return *f.val
}

func (f setFlag) Set(v string) error { *f.val, *f.set = v, true; return nil }

func (d *dirs) register(fs *flag.FlagSet) {
	fs.StringVar(&d.envFile, "env-file", envOr("VCC_ENV_FILE", ".env"), "the deployment's .env (VCP_VCC_PRIVATE_IPMASK, VCP_OFFICIAL_REGISTRY_ADDRESS) (env VCC_ENV_FILE)")
	fs.BoolVar(&d.requireEnv, "require-env", os.Getenv("VCC_REQUIRE_ENV") == "true", "refuse to start without the .env values (compose sets it) (env VCC_REQUIRE_ENV=true)")
	fs.StringVar(&d.data, "data", envOr("VCC_DATA_DIR", "./volume"), "data directory: state, tokens, generated CA (env VCC_DATA_DIR)")
	fs.StringVar(&d.config, "config", envOr("VCC_CONFIG_DIR", "./config"), "config directory: vpn_catalog.yml, vcp_flavor.yml (env VCC_CONFIG_DIR)")
	d.cert, d.certGiven = envOr("VCC_CERT_DIR", "./cert"), os.Getenv("VCC_CERT_DIR") != ""
	fs.Var(setFlag{&d.cert, &d.certGiven}, "cert", "certificate directory: ca.pem, occtr_cert.pem, occtr_key.pem; empty, or missing when not named, means a generated development CA (default ./cert; env VCC_CERT_DIR)")
	fs.BoolVar(&d.devCA, "dev-ca", os.Getenv("VCC_DEV_CA") == "true", "use the generated development CA of the data dir when the cert dir is missing (env VCC_DEV_CA=true)")
}

// serve runs the controller until SIGINT or SIGTERM; SIGHUP reloads the
// configuration. Each step is a function of serveHost; close undoes them
// in reverse order.
func (e env) serve(args []string) error {
	f, err := e.parseServe(args)
	if err != nil {
		return err
	}
	h := &serveHost{e: e, f: f}
	defer h.close()
	if err := h.checkFiles(); err != nil {
		return err
	}
	if err := h.openState(); err != nil {
		return err
	}
	if err := h.startController(); err != nil {
		return err
	}
	if err := h.listen(); err != nil {
		return err
	}
	return h.run()
}

// serveFlags are serve's settings, from flags, the environment and .env.
type serveFlags struct {
	c                                      common
	d                                      dirs
	vault                                  vaultFlags
	dot                                    dotenv.Values
	listen, metricsAddr, advertise, serf   string
	limit, nodeMetricsPort, clientConns    int
	limits                                 map[string]int
	opTimeout, joinTimeout, reconcileEvery time.Duration
	readTimeout                            time.Duration
	deleteOrphans                          bool
}

func (e env) parseServe(args []string) (*serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &serveFlags{}
	f.c.register(fs, "info")
	f.d.register(fs)
	f.vault.register(fs)
	fs.StringVar(&f.listen, "listen", envOr("VCC_LISTEN", ":443"), "HTTPS address of the REST API (env VCC_LISTEN)")
	fs.IntVar(&f.limit, "provider-limit", envInt("VCC_PROVIDER_LIMIT", 32), "concurrent cloud calls per provider (env VCC_PROVIDER_LIMIT)")
	limits := fs.String("provider-limits", os.Getenv("VCC_PROVIDER_LIMITS"), "per-provider overrides, e.g. mycloud=16,other=64 (env VCC_PROVIDER_LIMITS)")
	fs.DurationVar(&f.opTimeout, "op-timeout", envDuration("VCC_OP_TIMEOUT", 30*time.Minute), "an operation running longer fails and frees its unit (env VCC_OP_TIMEOUT)")
	fs.StringVar(&f.metricsAddr, "metrics-listen", envOr("VCC_METRICS_LISTEN", "127.0.0.1:9466"), "plain-HTTP /metrics and /sd/nodes for Prometheus; off disables (env VCC_METRICS_LISTEN)")
	fs.IntVar(&f.nodeMetricsPort, "node-metrics-port", envInt("VCC_NODE_METRICS_PORT", 18083), "port of each node's metrics, for discovery (env VCC_NODE_METRICS_PORT)")
	fs.StringVar(&f.advertise, "advertise-addr", os.Getenv("VCC_ADVERTISE_ADDR"), "the address nodes reach the controller at, its private IP (env VCC_ADVERTISE_ADDR)")
	fs.StringVar(&f.serf, "serf-listen", envOr("VCC_SERF_LISTEN", "0.0.0.0:7947"), "Serf address (TCP and UDP) the nodes' agents join; a node is RUNNING once its agent answers; off disables liveness (env VCC_SERF_LISTEN)")
	fs.DurationVar(&f.joinTimeout, "join-timeout", envDuration("VCC_JOIN_TIMEOUT", 10*time.Minute), "how long a new node's agent may take to join before the node is HOST_ERROR (env VCC_JOIN_TIMEOUT)")
	fs.DurationVar(&f.reconcileEvery, "reconcile-interval", envDuration("VCC_RECONCILE_INTERVAL", 5*time.Minute), "compare the store with the clouds this often; 0: only at start (env VCC_RECONCILE_INTERVAL)")
	fs.DurationVar(&f.readTimeout, "read-timeout", envDuration("VCC_READ_TIMEOUT", 30*time.Second), "a request (headers and body) must arrive whole within this; long polls and event streams are not cut (env VCC_READ_TIMEOUT)")
	fs.IntVar(&f.clientConns, "max-client-conns", envInt("VCC_MAX_CLIENT_CONNS", 64), "connections one client address may hold open at once; more are answered 429; 0: no cap (env VCC_MAX_CLIENT_CONNS)")
	fs.BoolVar(&f.deleteOrphans, "delete-orphans", os.Getenv("VCC_DELETE_ORPHANS") == "true", "delete instances tagged with this controller that no node owns (env VCC_DELETE_ORPHANS=true)")
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	var err error
	if f.limits, err = parseLimits(*limits); err != nil {
		return nil, usageError{err.Error()}
	}
	if f.readTimeout <= 0 || f.clientConns < 0 {
		return nil, usageError{fmt.Sprintf("--read-timeout must be positive (got %v) and --max-client-conns at least 0 (got %d)", f.readTimeout, f.clientConns)}
	}
	if f.dot, err = dotenv.Load(f.d.envFile, f.d.requireEnv); err != nil {
		return nil, err
	}
	if f.advertise == "" {
		f.advertise = f.dot.Addr()
	}
	return f, nil
}

// parseLimits reads "mycloud=16,other=64".
func parseLimits(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, n, ok := strings.Cut(part, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("--provider-limits: %q is not PROVIDER=N with N ≥ 1 (e.g. mycloud=16,other=64)", part)
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
