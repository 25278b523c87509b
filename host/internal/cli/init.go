package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/vccproject/vcc/host/internal/admin"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/dotenv"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// initCmd validates the configuration and certificates, prints a summary,
// and asks a running host to load them. It changes nothing else and may
// run any number of times.
func (e env) initCmd(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c common
	var d dirs
	c.register(fs, "off")
	d.register(fs)
	grafana := fs.Bool("grafana-password", false, "print a new random GRAFANA_ADMIN_PASSWORD to put in .env (stored nowhere)")
	forceRemoval := fs.Bool("force-plugin-removal", false, "stop plugins whose file was removed even while units use them (their nodes can then be neither described nor deleted until the plugin is back)")
	if err := parse(fs, args); err != nil {
		return err
	}
	dot, err := dotenv.Load(d.envFile, d.requireEnv)
	if err != nil {
		return err
	}
	// Certificates first: a bad one is told before any plugin starts.
	if err := os.MkdirAll(d.data, 0o700); err != nil {
		return err
	}
	if _, err := d.tls(); err != nil {
		return err
	}
	if pid := runningHost(d.data); pid > 0 {
		// The running host is the authority: it rescans its plugin dirs
		// and checks the configuration against the plugins it serves (a
		// refused binary on disk does not stop the one in service).
		if err := e.deploymentSummary(d, dot, *grafana); err != nil {
			return err
		}
		return e.askReload(pid, d.data, *forceRemoval)
	}
	plugins := pluginmgr.New(c.managerConfig(e.stderr, false))
	plugins.Start(e.ctx)
	defer plugins.Close()
	conf, probs, err := controller.LoadConfig(e.ctx, d.config, plugins)
	var all config.Problems
	if !errors.As(err, &all) && err != nil {
		return err
	}
	if all == nil {
		all = probs
	}
	for _, p := range all {
		fmt.Fprintln(e.stdout, p.String())
	}
	if err != nil {
		return fmt.Errorf("configuration has %d error(s); nothing was loaded", len(all.Errors()))
	}
	fmt.Fprintln(e.stdout, catalogSummary(conf.Catalog))
	fmt.Fprintf(e.stdout, "flavors: %d from %s, plus each plugin's own\n", countFlavors(conf.Flavors), conf.Flavors.File)
	fmt.Fprintf(e.stdout, "plugins: %s\n", strings.Join(plugins.Names(), ", "))
	for _, p := range conf.Pools.All() {
		fmt.Fprintf(e.stdout, "IP pool %s: %d addresses\n", p.Name(), len(p.Addresses))
	}
	if err := e.deploymentSummary(d, dot, *grafana); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "no vcc-host is running on this data dir; it will load this (and its plugins) at start")
	return nil
}

// catalogSummary is one line: the catalog file and each provider's
// entries.
func catalogSummary(cat *config.Catalog) string {
	provs := make([]string, 0, len(cat.Entries))
	for prov := range cat.Entries {
		provs = append(provs, prov)
	}
	sort.Strings(provs)
	var b strings.Builder
	fmt.Fprintf(&b, "catalog %s:", cat.File)
	for _, prov := range provs {
		fmt.Fprintf(&b, " %s(%s)", prov, strings.Join(cat.Names(prov), ","))
	}
	return b.String()
}

// deploymentSummary checks the certificates and prints what .env and
// they set.
func (e env) deploymentSummary(d dirs, dot dotenv.Values, newGrafana bool) error {
	if err := os.MkdirAll(d.data, 0o700); err != nil {
		return err
	}
	mat, err := d.tls()
	if err != nil {
		return err
	}
	switch {
	case newGrafana:
		// Printed when asked, stored nowhere: Grafana's password is never
		// admin/admin, and a rerun of init does not change the advice.
		fmt.Fprintf(e.stdout, "for monitoring, add to %s: GRAFANA_ADMIN_PASSWORD=%s\n", d.envFile, model.NewID()[:20])
	case !dot.HasGrafanaPassword:
		fmt.Fprintf(e.stdout, "for monitoring, set GRAFANA_ADMIN_PASSWORD in %s (vcc-host init --grafana-password makes one)\n", d.envFile)
	}
	if dot.Addr() != "" || dot.Registry != "" {
		fmt.Fprintf(e.stdout, "nodes reach the controller at %s; Base images from %s\n", dash(dot.Addr()), dash(dot.Registry))
	}
	cert := mat.Dir
	if mat.Generated {
		cert += " (generated development CA)"
	}
	fmt.Fprintf(e.stdout, "certificate: %s, CA %s\n", cert, mat.CAPath)
	return nil
}

func countFlavors(f *config.Flavors) int {
	n := 0
	for _, m := range f.Entries {
		n += len(m)
	}
	return n
}

// runningHost returns the pid of a live vcc-host on dataDir, or 0.
func runningHost(dataDir string) int {
	raw, err := os.ReadFile(filepath.Join(dataDir, PIDFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// askReload has the host running on dataDir rescan its plugins and reload
// its configuration, and prints what it did. The admin socket carries the
// answer; a host that cannot be reached there (another user's) gets
// SIGHUP, which only says it was asked.
func (e env) askReload(pid int, dataDir string, force bool) error {
	resp, err := admin.Call(e.ctx, filepath.Join(dataDir, admin.SocketFile), admin.Request{Op: "reload", Force: force})
	if err != nil {
		if force {
			return fmt.Errorf("--force-plugin-removal needs the running vcc-host's admin socket (%s): %w; run init as the user the host runs as", filepath.Join(dataDir, admin.SocketFile), err)
		}
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			return fmt.Errorf("ask the running vcc-host (pid %d) to reload: %w", pid, err)
		}
		fmt.Fprintf(e.stdout, "asked the running vcc-host (pid %d) to reload; its log says what it did\n", pid)
		return nil
	}
	fmt.Fprintf(e.stdout, "asked the running vcc-host (pid %d) to reload:\n", pid)
	for _, l := range resp.Reload {
		fmt.Fprintln(e.stdout, "  "+l)
	}
	return resp.Err()
}
