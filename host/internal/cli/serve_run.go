package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/api"
	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/connlimit"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/metrics"
	"github.com/vccproject/vcc/host/internal/tlsconf"
)

// checkFiles loads the certificates and parses the catalog and flavors;
// it runs first, so a bad certificate or a YAML error is told before any
// plugin starts (the plugins check the entries later).
func (h *serveHost) checkFiles() error {
	if _, err := config.LoadCatalog(filepath.Join(h.f.d.config, config.CatalogFile)); err != nil {
		return err
	}
	if _, err := config.LoadFlavors(filepath.Join(h.f.d.config, config.FlavorFile)); err != nil {
		return err
	}
	var err error
	if h.tls, err = h.f.d.tls(); err != nil {
		return err
	}
	if h.caPEM, err = os.ReadFile(h.tls.CAPath); err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	return nil
}

// listen opens the API's and the metrics' listeners; the API is not
// served yet.
func (h *serveHost) listen() error {
	var err error
	if h.ln, err = net.Listen("tcp", h.f.listen); err != nil {
		return fmt.Errorf("listen on %s: %w (%s)", h.f.listen, err, listenHint(h.f.listen, err))
	}
	h.onClose(func() { _ = h.ln.Close() }) // the API server may have closed it already
	if h.f.metricsAddr == "off" {
		return nil
	}
	mln, err := net.Listen("tcp", h.f.metricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listener %s: %w (--metrics-listen off disables it)", h.f.metricsAddr, err)
	}
	msrv := &http.Server{Handler: &metrics.Server{Ctrl: h.ctrl, Plugins: h.plugins, Version: Version, NodePort: h.f.nodeMetricsPort}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = msrv.Serve(mln) }()
	h.onClose(func() { h.e.closeAtExit("metrics listener", msrv) })
	h.metricsURL = "http://" + mln.Addr().String()
	return nil
}

// apiServer builds the HTTPS server of the REST API on ln. Every request
// must arrive within the read timeout and be answered within the write
// timeout; the long ones (?wait= polls, the event stream) lift their
// own deadlines (api.longRequest). An idle keep-alive connection is
// closed after idleTimeout, and a client holding too many is refused.
func (h *serveHost) apiServer(ln *connlimit.Listener) *http.Server {
	opts := api.Options{
		Version: Version, Commit: commit(), DeleteOrphans: h.f.deleteOrphans, PublicKey: h.pubKey, CAPEM: h.caPEM, Secrets: h.backend, Audit: h.audit,
		VaultAddr: h.f.vault.Addr,
	}
	// With Vault, notebooks' Vault calls go to Vault; the embedded
	// backend answers them itself.
	if emb, ok := h.backend.(*identity.Embedded); ok {
		opts.Vault = emb
	}
	return &http.Server{
		Handler:           connlimit.Handler(ln, api.New(h.ctrl, h.plugins, h.ids, h.bus, h.log, opts)),
		ConnContext:       connlimit.ConnContext(ln),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{h.tls.Cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: min(10*time.Second, h.f.readTimeout),
		ReadTimeout:       h.f.readTimeout,
		WriteTimeout:      2 * h.f.readTimeout,
		IdleTimeout:       idleTimeout,
	}
}

// idleTimeout closes keep-alive connections nobody uses.
const idleTimeout = 90 * time.Second

// run serves until SIGINT or SIGTERM (e.ctx), or `vcc-host destroy`;
// SIGHUP reloads the configuration.
func (h *serveHost) run() error {
	ln := connlimit.Wrap(h.ln, h.f.clientConns)
	srv := h.apiServer(ln)
	// shutdown lets `vcc-host destroy` stop this host through the socket.
	runCtx, shutdown := context.WithCancel(h.e.ctx)
	defer shutdown()
	if err := h.serveAdmin(shutdown); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	pidPath := filepath.Join(h.f.d.data, PIDFile)
	_ = os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	defer func() { _ = os.Remove(pidPath) }() // as its write: best effort
	h.banner()

	go h.ctrl.RunReconciler(runCtx, h.f.reconcileEvery, h.f.deleteOrphans)
	go h.ctrl.RunLiveness(runCtx, 2*time.Second)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			h.reload()
		case err := <-errc:
			return fmt.Errorf("https server: %w", err)
		case <-runCtx.Done():
			fmt.Fprintln(h.e.stdout, "vcc-host: stopping")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			return nil
		}
	}
}

// serveAdmin answers the admin commands (users, tokens, status, destroy)
// on the data dir's socket.
func (h *serveHost) serveAdmin(shutdown func()) error {
	started := time.Now()
	info := &admin.Host{
		Destroy: func() { h.destroy = true; shutdown() },
		Status: func(ctx context.Context) []admin.Component {
			return hostStatus(ctx, started, h.ln, h.metricsURL, h.backend, h.plugins, h.ctrl, h.mon)
		},
		Nodes:   func() ([]string, error) { return describeNodes(h.st) },
		Reload:  h.reloadAll,
		Plugins: func() (json.RawMessage, error) { return json.Marshal(h.plugins.Statuses()) },
	}
	return admin.Serve(h.e.ctx, filepath.Join(h.f.d.data, admin.SocketFile), h.ids, info)
}

// banner says where the controller listens and where its secrets are.
func (h *serveHost) banner() {
	caNote := h.tls.CAPath
	if h.tls.Generated {
		caNote += " (a generated development CA: put ca.pem, occtr_cert.pem and occtr_key.pem in " + h.f.d.cert + " for real use)"
	}
	// SDKs that fetch the CA from GET /ca.pem show this for users to check.
	if fp, err := tlsconf.Fingerprint(h.caPEM); err == nil {
		caNote += "\n  CA fingerprint (SHA-256): " + fp
	}
	w := h.e.stdout
	fmt.Fprintf(w, "vcc-host %s listening on https://%s%s\n", versionText(), h.ln.Addr(), everywhere(h.ln.Addr().String(), "--listen 127.0.0.1:PORT"))
	fmt.Fprintf(w, "  CA: %s\n  admin token: %s\n  identity backend: %s\n", caNote, h.tokenPath, h.backend.Name())
	if h.mon != nil {
		fmt.Fprintf(w, "  serf: nodes join %s%s\n", h.mon.Addr(), everywhere(h.f.serf, "--serf-listen VPN_ADDRESS:7947"))
	}
	fmt.Fprintf(w, "  data: %s, config: %s, controller id: %s\n", h.f.d.data, h.f.d.config, h.ctrl.ID())
}

// listenHint says how to get past a listen error, suggesting a port
// that is free now (never the busy one).
func listenHint(addr string, err error) string {
	host, port, _ := net.SplitHostPort(addr)
	free := ""
	for _, p := range []string{"8443", "9443", "18443", "0"} {
		if p == port {
			continue
		}
		if ln, lerr := net.Listen("tcp", net.JoinHostPort(host, p)); lerr == nil {
			free = ln.Addr().(*net.TCPAddr).AddrPort().String()
			_, free, _ = net.SplitHostPort(free)
			_ = ln.Close()
			break
		}
	}
	switch {
	case errors.Is(err, syscall.EACCES):
		return fmt.Sprintf("ports below 1024 need root or CAP_NET_BIND_SERVICE: use --listen %s:%s (or VCC_LISTEN)", host, free)
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Sprintf("another program, perhaps another vcc-host, uses port %s: stop it, or use a free port, e.g. --listen %s:%s (or VCC_LISTEN)", port, host, free)
	}
	return "set another address with --listen or VCC_LISTEN"
}

// everywhere notes that addr listens on every interface, and how to
// narrow it; "" for a specific address.
func everywhere(addr, narrower string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return ""
	}
	return " (every interface; " + narrower + " listens on one address only)"
}

// reload is SIGHUP's: the plugin dirs and the configuration on disk, put
// in force unless they have errors (see reloadAll).
func (h *serveHost) reload() {
	_, _ = h.reloadAll(h.e.ctx, false) // logged there; a signal has no one to answer
}
