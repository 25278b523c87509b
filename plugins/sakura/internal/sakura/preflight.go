package sakura

import (
	"context"
	"fmt"
	"slices"

	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Preflight checks with reads only, while the user's request is still
// open, what would make a create fail later: the API key, the switch,
// the archive, the zone's server plans and disk sizes, the nodes'
// addresses, the disks to attach. kit/preflight sorts the findings.
func (p *Provider) Preflight(ctx context.Context, req provider.PreflightRequest) (*provider.PreflightResult, error) {
	a, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return &provider.PreflightResult{Diagnostics: diagsOf(err)}, nil
	}
	_, sp, err := p.Call(req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	diags := preflight.Run(ctx,
		preflight.Check{Name: "the switch", Field: "catalog.sakura_local_switch_id", Run: func(ctx context.Context) error {
			_, err := a.sw.Read(ctx, cat.Zone, types.StringID(cat.SwitchID))
			if notFound(err) {
				return provider.NotFound("switch %s is not in zone %s", cat.SwitchID, cat.Zone).On("catalog.sakura_local_switch_id").
					Because("give the resource id of a switch of zone %s (a switch belongs to one zone)", cat.Zone).Err()
			}
			return cloudErr("read switch "+cat.SwitchID, err)
		}},
		preflight.Check{Name: "the archive", Field: "spec.cloud_image", Run: func(ctx context.Context) error {
			_, err := findArchive(ctx, a, cat, sp)
			return err
		}},
		preflight.Check{Name: "the server plan", Field: "spec.core", Run: func(ctx context.Context) error { return serverPlan(ctx, a, cat.Zone, sp) }},
		preflight.Check{Name: "the disk size", Field: "spec.sakuracloud_disk_size", Run: func(ctx context.Context) error { return diskSize(ctx, a, cat.Zone, sp) }},
		preflight.Check{Name: "the nodes' addresses", Field: "spec.ip_addresses", Run: func(ctx context.Context) error {
			return addressesFree(ctx, a, cat, req.Nodes)
		}},
		preflight.Check{Name: "the disks to attach", Field: "spec.disks", Run: func(ctx context.Context) error { return attachable(ctx, a, cat.Zone, sp) }},
	)
	return &provider.PreflightResult{Diagnostics: diags}, nil
}

// diagsOf is a failed open as preflight findings (missing credentials).
func diagsOf(err error) provider.Diagnostics {
	return preflight.Triage(context.Background(), preflight.Check{Name: "the API key"}, err)
}

// serverPlan: the zone offers a plan of these cores and memory.
func serverPlan(ctx context.Context, a *api, zone string, sp *spec) error {
	r, err := a.serverPlan.Find(ctx, zone, nil)
	if err != nil {
		return cloudErr("list the server plans of "+zone, err)
	}
	var mems []int
	for _, pl := range r.ServerPlans {
		if pl.CPU != sp.cores() || pl.GPU != 0 || pl.Availability != types.Availabilities.Available {
			continue
		}
		if pl.MemoryMB == sp.Memory*1024 {
			return nil
		}
		mems = append(mems, pl.MemoryMB/1024)
	}
	slices.Sort(mems)
	d := provider.Invalid("zone %s has no server plan of %d core(s) and %d GB", zone, sp.cores(), sp.Memory).On("spec.memory")
	if len(mems) == 0 {
		return d.On("spec.core").Because("zone %s offers no plan with %d core(s): pick another core count", zone, sp.cores()).Err()
	}
	return d.Because("with %d core(s), zone %s offers %s GB of memory", sp.cores(), zone, list(slices.Compact(mems))).Err()
}

// diskSize: the zone's disk plan offers the size.
func diskSize(ctx context.Context, a *api, zone string, sp *spec) error {
	plan, err := a.diskPlan.Read(ctx, zone, diskPlanIDs[sp.DiskPlan])
	if err != nil {
		return cloudErr("read the "+sp.DiskPlan+" disk plan of "+zone, err)
	}
	var sizes []int
	for _, s := range plan.Size {
		if s.Availability == types.Availabilities.Available {
			if s.SizeMB == sp.DiskSize*1024 {
				return nil
			}
			sizes = append(sizes, s.SizeMB/1024)
		}
	}
	slices.Sort(sizes)
	return provider.Invalid("zone %s offers no %d GB %s disk: it offers %s GB", zone, sp.DiskSize, sp.DiskPlan, list(sizes)).
		On("spec.sakuracloud_disk_size").Because("pick one of those sizes, or another plan or zone").Err()
}

// attachable: every disk to attach is in the zone and on no server.
func attachable(ctx context.Context, a *api, zone string, sp *spec) error {
	var diags provider.Diagnostics
	for i, id := range sp.Disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		d, err := a.disk.Read(ctx, zone, types.StringID(id))
		switch {
		case notFound(err):
			diags = append(diags, provider.NotFound("disk %s is not in zone %s", id, zone).On(field))
		case err != nil:
			return cloudErr("read disk "+id, err)
		case !d.ServerID.IsEmpty():
			diags = append(diags, provider.Invalid("disk %s is connected to server %s", id, d.ServerID).On(field).
				Because("a disk joins one server: disconnect it first, or leave it out"))
		}
	}
	return diags.Err()
}
