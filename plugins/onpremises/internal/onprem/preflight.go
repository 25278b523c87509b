package onprem

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/provider"
)

// basePorts are the TCP ports the Base container takes in the server's
// network: Serf and the node metrics.
var basePorts = []int{provider.DefaultSerfPort, 18083}

// Preflight checks every server before anything is created: SSH login
// with a pinned (or first-seen) host key, Docker reachable, no other
// node's Base container there, the Base container's ports free. It
// changes nothing on the servers.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	c, diags := p.Catalog(req.Env.CatalogEntry)
	res := &provider.PreflightResult{Diagnostics: diags, HostKeys: map[string]string{}}
	if diags.HasError() {
		return res, nil
	}
	sp, diags := p.Spec(c, req.Spec)
	if res.Diagnostics = append(res.Diagnostics, diags...); diags.HasError() {
		return res, nil
	}
	s := *sp
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range req.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found, key := p.check(ctx, req.Env, s, n)
			// Blame the server's entry in ip_addresses.
			for i := range found {
				if found[i].Field == "" {
					found[i].Field = serverField(s, n.FixedIP)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Diagnostics = append(res.Diagnostics, found...)
			if key != "" {
				res.HostKeys[hostPort(n.FixedIP, s.SSHPort)] = key
			}
		}()
	}
	wg.Wait()
	return res, nil
}

// check preflights one server; it returns the host key seen when none was
// pinned yet.
func (p *Provider) check(ctx context.Context, env provider.CallEnv, s spec, n provider.NodeRef) (provider.Diagnostics, string) {
	t, err := nodeTarget(s, n)
	if err != nil {
		return provider.AsDiagnostics(err), ""
	}
	c, e, err := p.connect(ctx, env, t, false)
	key := ""
	if c != nil && env.KnownHosts[t.Addr] == "" {
		key = c.seen
	}
	if err != nil {
		return provider.AsDiagnostics(err), key
	}
	var out provider.Diagnostics
	others, err := e.baseContainers(ctx)
	if err != nil {
		return append(out, provider.Unreachable("list containers on %s: %v", t.Addr, err)), key
	}
	mine := false
	for _, o := range others {
		if o.Labels[basecontainer.LabelNodeID] == n.NodeID {
			mine = true
			continue
		}
		out = append(out, provider.Invalid("%s already runs the Base container of node %s (controller %s)", t.Addr, o.Labels[basecontainer.LabelNodeID], o.Labels[basecontainer.LabelControllerID]).
			Because("a server holds one node: delete that node first, or remove the container %s if its controller is gone", o.Name))
	}
	if !mine {
		out = append(out, portsFree(ctx, c, t)...)
	}
	if s.NetworkIF != "" {
		if _, err := privateIP(ctx, c, s, n.FixedIP); err != nil {
			out = append(out, provider.AsDiagnostics(err)...)
		}
	}
	return out, key
}

// portsFree reads the server's listening TCP sockets from /proc (present
// on every Linux, unlike ss or netstat).
func portsFree(ctx context.Context, c *conn, t target) provider.Diagnostics {
	raw, err := c.run(ctx, "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
	if err != nil && raw == "" {
		return provider.Diagnostics{provider.Unreachable("could not read the listening ports of %s: %v", t.Addr, err).Warning()}
	}
	listening := listeningPorts(raw)
	var out provider.Diagnostics
	for _, port := range basePorts {
		if listening[port] {
			out = append(out, provider.Invalid("port %d is already in use on %s", port, t.Addr).
				Because("the Base container needs it in the server's network (Serf 7947, metrics 18083); stop what listens there"))
		}
	}
	return out
}

// listeningPorts parses /proc/net/tcp lines: local address is field 1
// ("0100007F:1F6B"), state field 3, 0A = LISTEN.
func listeningPorts(raw string) map[int]bool {
	out := map[int]bool{}
	for _, line := range strings.Split(raw, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		if port, err := strconv.ParseInt(hexPort, 16, 32); err == nil {
			out[int(port)] = true
		}
	}
	return out
}

func serverField(s spec, ip string) string {
	for i, a := range s.IPAddresses {
		if a == ip {
			return fmt.Sprintf("spec.ip_addresses[%d]", i)
		}
	}
	return "spec.ip_addresses"
}
