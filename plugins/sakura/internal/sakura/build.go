package sakura

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/defaults"

	"github.com/vccproject/vcc/proto/kit/wait"
	"github.com/vccproject/vcc/proto/provider"
)

// build is one node's create: a server with its NIC on the local switch,
// a boot disk copied from the archive onto it, the disk edited with the
// node's address, then a boot that starts the Base container. Each step
// is skipped when an earlier attempt did it.
type build struct {
	a      *api
	cat    *catalog
	sp     *spec
	env    provider.CallEnv
	node   provider.NodeRef
	ip     netip.Addr
	tags   []string
	script string // the Base container's start, as user data or startup script
	first  bool   // the host's promise that nothing was made for the node yet

	server  *iaas.Server
	disk    *iaas.Disk
	booted  *boots
	booting bool // asked to boot: the host's polls see it up
}

// polls is how often a copy, an edit or a shutdown under way is looked
// at: at the SDK's state polling interval, as its own waiters do (5 s on
// the cloud, where a copy takes minutes; fakecloud sets 50 ms, the fake
// finishing in tens of milliseconds). A steady interval, not a growing
// one: the cloud's operations take long from the start.
func polls() wait.Backoff {
	d := defaults.DefaultStatePollingInterval
	return wait.Backoff{Min: d, Max: d}
}

// lookUp finds what an earlier attempt made, by the node's tags.
func (b *build) lookUp(ctx context.Context) error {
	f := ofNode(b.env, b.node)
	servers, err := b.a.servers(ctx, b.cat.Zone, f)
	if err != nil {
		return cloudErr("look up the node's server", err)
	}
	if len(servers) > 0 {
		b.server = servers[0]
	}
	disks, err := b.a.disks(ctx, b.cat.Zone, f)
	if err != nil {
		return cloudErr("look up the node's disk", err)
	}
	if len(disks) > 0 {
		b.disk = disks[0]
	}
	return nil
}

func (b *build) name() string {
	if b.node.CloudInstanceName != "" {
		return b.node.CloudInstanceName
	}
	return "vcc-" + b.node.NodeID
}

// run makes what is missing. Between steps it stops when ctx ended: a
// cancelled create must not go on making things.
func (b *build) run(ctx context.Context) error {
	img, err := b.image(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create cut before the server: %w", err)
	}
	if b.server == nil {
		if b.server, err = b.makeServer(ctx); err != nil {
			return err
		}
	}
	if err := b.ensureNIC(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create cut before the boot disk: %w", err)
	}
	if b.disk == nil {
		if b.disk, err = b.makeDisk(ctx, img); err != nil {
			return err
		}
	}
	if err := b.ready(ctx, "the copy of the boot disk"); err != nil {
		return err
	}
	if err := b.attach(ctx); err != nil {
		return err
	}
	if len(b.server.Interfaces) == 0 || b.server.Interfaces[0].UserIPAddress != b.ip.String() {
		if err := b.edit(ctx, img); err != nil {
			return err
		}
	}
	if !b.booted.recent(b.server.ID) { // else booting already
		asked := time.Now()
		up, err := b.boot(ctx, img)
		if err != nil || up {
			return err
		}
		b.booted.doneAt(b.server.ID, asked)
	}
	b.booting = true
	return nil
}

// hostname is the server's name as a host name.
func (b *build) hostname() string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(b.name()))
}
