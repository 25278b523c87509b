package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// ExitNotRunning is `status`'s exit code when no host runs on the data
// dir, as supervisorctl and systemctl answer non-zero.
const ExitNotRunning = 3

// hostStatus is what a running host reports of itself.
func hostStatus(ctx context.Context, started time.Time, ln net.Listener, metricsURL string, be identity.Backend,
	plugins *pluginmgr.Manager, ctrl *controller.Controller, mon *liveness.Monitor) []admin.Component {
	up := time.Since(started).Round(time.Second).String()
	out := []admin.Component{
		{Name: "REST API", State: "RUNNING", Detail: "https://" + ln.Addr().String() + fmt.Sprintf(" (pid %d)", os.Getpid()), Uptime: up},
		{Name: "store", State: "RUNNING", Detail: "bbolt, controller id " + ctrl.ID(), Uptime: up},
	}
	secrets := admin.Component{Name: "secrets backend", State: "RUNNING", Detail: be.Name(), Uptime: up}
	if p, ok := be.(interface{ Ping(context.Context) error }); ok {
		if err := p.Ping(ctx); err != nil {
			secrets.State, secrets.LastError = "DEGRADED", err.Error()
		}
	}
	out = append(out, secrets)
	for _, s := range plugins.Statuses() {
		if s.State == "shadowed" {
			continue
		}
		c := admin.Component{Name: "plugin " + s.Name, State: "RUNNING", Detail: fmt.Sprintf("%s, pid %d", s.Version, s.PID)}
		switch s.State {
		case pluginmgr.StateRunning:
			if s.Crashes > 0 {
				c.LastError = fmt.Sprintf("restarted after %d crash(es)", s.Crashes)
			}
			if s.Note != "" {
				c.Detail += "; " + s.Note
			}
			if s.Problem != "" {
				c.State, c.LastError = "DEGRADED", s.Problem
			}
		case pluginmgr.StateCrashed, pluginmgr.StateStarting:
			c.State, c.Detail, c.LastError = "DEGRADED", "restarting", s.Reason
		default:
			c.State, c.Detail, c.LastError = "STOPPED", string(s.State), s.Reason
		}
		out = append(out, c)
	}
	if rep := ctrl.LastReconcile(); rep != nil && len(rep.Errors) > 0 {
		out = append(out, admin.Component{Name: "reconcile", State: "DEGRADED", Detail: "last pass " + rep.Time.Format(time.RFC3339), LastError: rep.Errors[0]})
	} else if rep != nil {
		out = append(out, admin.Component{Name: "reconcile", State: "RUNNING", Detail: "last pass " + rep.Time.Format(time.RFC3339)})
	}
	out = append(out, poolStatus(ctrl, up))
	feed := admin.Component{Name: "prometheus targets", State: "STOPPED", Detail: "--metrics-listen off"}
	if metricsURL != "" {
		feed = admin.Component{Name: "prometheus targets", State: "RUNNING", Detail: metricsURL + "/sd/nodes, " + metricsURL + "/metrics", Uptime: up}
	}
	serf := admin.Component{Name: "serf", State: "STOPPED", Detail: "--serf-listen off: node liveness disabled"}
	if mon != nil {
		gossip := "gossip encrypted"
		if mon.Key() == nil {
			gossip = "gossip NOT encrypted (see the serve log)"
		}
		serf = admin.Component{Name: "serf", State: "RUNNING", Uptime: up,
			Detail: fmt.Sprintf("%s, %d node agent(s) alive, %s", mon.Addr(), mon.Members(), gossip), LastError: mon.LastError()}
	}
	return append(out, feed, serf)
}

// status prints one line per component.
func (e env) status(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var d dirs
	d.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	resp, err := admin.Call(e.ctx, filepath.Join(d.data, admin.SocketFile), admin.Request{Op: "status"})
	comps := resp.Status
	running := err == nil
	if errors.Is(err, admin.ErrNotRunning) {
		comps = []admin.Component{{Name: "REST API", State: "STOPPED", Detail: "no vcc-host is running on " + d.data}}
	} else if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(comps); err != nil {
			return err
		}
	} else {
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, c := range comps {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.State, dash(c.Detail), dash(c.Uptime), c.LastError)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if !running {
		return exitCode(ExitNotRunning)
	}
	return nil
}

// exitCode ends a command with a code but no extra message.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// poolStatus is the line of the host-managed IP pools: use per pool, and
// addresses still held outside a shrunk pool file.
func poolStatus(ctrl *controller.Controller, up string) admin.Component {
	c := admin.Component{Name: "ip pools", State: "RUNNING", Uptime: up}
	pools, err := ctrl.IPPoolViews(&auth.Identity{Role: "super", Privileged: true})
	if err != nil {
		c.State, c.LastError = "DEGRADED", err.Error()
		return c
	}
	var used, outside []string
	for _, p := range pools {
		used = append(used, fmt.Sprintf("%s/%s %d of %d used", p.Provider, p.Entry, p.Used, p.Size))
		if p.Outside > 0 {
			outside = append(outside, fmt.Sprintf("%s/%s: %d address(es) held outside %s", p.Provider, p.Entry, p.Outside, p.File))
		}
	}
	c.Detail, c.LastError = strings.Join(used, ", "), strings.Join(outside, "; ")
	if len(pools) == 0 {
		c.Detail = "none: no plugin draws fixed IPs from a pool"
	}
	return c
}
