package sakura

import (
	"context"
	"sync"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/wait"
	"github.com/vccproject/vcc/proto/provider"
)

// DeleteNode removes everything made for the node, found by its tags:
// its server (forced down first), its boot disk and a startup script
// left over (looked up together). What is gone is success: the host
// repeats deletes. The spec's existing disks are only disconnected.
// Sakura deletes a server in seconds once it is down, so the plugin waits
// for that rather than declaring async_delete.
func (p *Provider) DeleteNode(ctx context.Context, req provider.NodeRequest) error {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return err
	}
	unlock, err := p.nodes.lock(ctx, req.Node.NodeID)
	if err != nil {
		return err
	}
	defer unlock()
	// The three lookups are independent API calls: made together, a
	// delete waits for the slowest, not their sum (and a unit's delete
	// for its nodes' slowest, wave after wave under the provider limit).
	f := ofNode(req.Env, req.Node)
	var (
		wg             sync.WaitGroup
		servers        []*iaas.Server
		serr, scripted error
	)
	wg.Go(func() {
		if servers, serr = a.servers(ctx, cat.Zone, f); serr != nil {
			serr = cloudErr("look up the node's server", serr)
		}
	})
	// A startup script outlives its use only when a create was cut
	// short: dropping it needs nothing of the server.
	wg.Go(func() { scripted = dropScripts(ctx, a, req.Env, req.Node) })
	disks, err := a.disks(ctx, cat.Zone, f)
	if err != nil {
		err = cloudErr("look up the node's disks", err)
	}
	wg.Wait()
	for _, err := range []error{serr, err, scripted} {
		if err != nil {
			return err // the first, typed as the host needs it
		}
	}
	ours := map[types.ID]bool{}
	for _, d := range disks {
		ours[d.ID] = true
	}
	for _, s := range servers {
		if err := removeServer(ctx, a, cat.Zone, s, ours, &p.boots); err != nil {
			return err
		}
	}
	// A boot disk of a create cut before it was joined to the server:
	// nobody else would ever remove it.
	for id, left := range ours {
		if !left {
			continue
		}
		if err := a.disk.Delete(ctx, cat.Zone, id); err != nil && !notFound(err) {
			return cloudErr("delete disk "+id.String(), err)
		}
	}
	return nil
}

// bootAsked is when a recent boot of id was asked.
func bootAsked(b *boots, id types.ID) time.Time {
	t, _ := b.since(id)
	return t
}

// reshut is how long a forced shutdown may take before it is asked
// again.
const reshut = 10 * time.Second

// removeServer forces the server down and deletes it with the disks of
// ours it has (and marks them done in ours), not the ones the spec
// attached. It keeps at it until the server is gone: one that comes back
// up is shut down again, a busy one waited for, and one this process is
// booting or resetting waited for until that is over (the fake would
// finish the boot after the delete, bringing back a server without NIC).
func removeServer(ctx context.Context, a *api, zone string, s *iaas.Server, ours map[types.ID]bool, booting *boots) error {
	id := s.ID.String()
	var with []types.ID
	for _, d := range s.Disks {
		if ours[d.ID] {
			with, ours[d.ID] = append(with, d.ID), false
		}
	}
	var shut time.Time // when the last shutdown was asked
	return wait.For(ctx, "server "+id+" to be deleted", polls(), func(ctx context.Context) (bool, string, error) {
		now, err := a.server.Read(ctx, zone, s.ID)
		switch {
		case notFound(err):
			return true, "gone", nil
		case err != nil:
			return false, "", cloudErr("read server "+id, err)
		case booting.recent(s.ID) && !over(now, bootAsked(booting, s.ID)):
			return false, "booting", nil
		case now.InstanceStatus.IsUp() && time.Since(shut) < reshut:
			return false, "up, shutting down", nil
		case now.InstanceStatus.IsUp():
			booting.forget(s.ID)
			shut = time.Now()
			err := a.server.Shutdown(ctx, zone, s.ID, &iaas.ShutdownOption{Force: true})
			if err != nil && !conflict(err) && !notFound(err) {
				return false, "", cloudErr("shut server "+id+" down", err)
			}
			return false, "up, shutting down", nil
		case now.InstanceStatus == types.ServerInstanceStatuses.Cleaning:
			return false, "shutting down", nil
		}
		err = a.server.DeleteWithDisks(ctx, zone, s.ID, &iaas.ServerDeleteWithDisksRequest{IDs: with})
		switch {
		case err == nil, notFound(err):
			return true, "deleted", nil
		case conflict(err):
			return false, "busy: " + err.Error(), nil
		}
		return false, "", cloudErr("delete server "+id, err)
	})
}
