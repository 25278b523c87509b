package sakura

import (
	"context"
	"fmt"

	client "github.com/sacloud/api-client-go"
	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/search"
	"github.com/sacloud/iaas-api-go/search/keys"
	"github.com/sacloud/iaas-api-go/types"
	"github.com/sacloud/saclient-go"

	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// api is Sakura Cloud's API as one API key sees it; the zone is an
// argument of each call.
type api struct {
	server     iaas.ServerAPI
	nic        iaas.InterfaceAPI
	disk       iaas.DiskAPI
	archive    iaas.ArchiveAPI
	sw         iaas.SwitchAPI
	note       iaas.NoteAPI
	diskPlan   iaas.DiskPlanAPI
	serverPlan iaas.ServerPlanAPI
}

// newAPI builds the client of one API key. The client would otherwise
// read SAKURACLOUD_* variables and a usacloud profile, which could send a
// plugin's calls elsewhere (another API root, other keys): it reads
// neither, only what the call brings.
func newAPI(token, secret, version string) (*api, error) {
	var sa saclient.Client
	//nolint:staticcheck // deprecated, yet the one way to turn env and profiles off
	err := sa.CompatSettingsFromAPIClientParams(iaas.SakuraCloudAPIRoot, client.WithApiKeys(token, secret),
		client.WithUserAgent("vcc-provider-sakura/"+version+" "+iaas.DefaultUserAgent),
		client.WithDisableProfile(true), client.WithDisableEnv(true))
	if err != nil {
		return nil, fmt.Errorf("set up the Sakura Cloud client: %w", err)
	}
	caller := iaas.NewClientFromSaclient(&sa)
	return &api{server: iaas.NewServerOp(caller), nic: iaas.NewInterfaceOp(caller), disk: iaas.NewDiskOp(caller), archive: iaas.NewArchiveOp(caller),
		sw: iaas.NewSwitchOp(caller), note: iaas.NewNoteOp(caller), diskPlan: iaas.NewDiskPlanOp(caller),
		serverPlan: iaas.NewServerPlanOp(caller)}, nil
}

// page is how many resources one find asks for.
const page = 1000

// findAll pages through a find until it has every match.
func findAll[T any](ctx context.Context, filter search.Filter, find func(context.Context, *iaas.FindCondition) ([]T, int, error)) ([]T, error) {
	var out []T
	for from := 0; ; from += page {
		got, total, err := find(ctx, &iaas.FindCondition{Filter: filter, From: from, Count: page})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

func (a *api) servers(ctx context.Context, zone string, f search.Filter) ([]*iaas.Server, error) {
	return findAll(ctx, f, func(ctx context.Context, c *iaas.FindCondition) ([]*iaas.Server, int, error) {
		r, err := a.server.Find(ctx, zone, c)
		if err != nil {
			return nil, 0, err
		}
		return r.Servers, r.Total, nil
	})
}

func (a *api) disks(ctx context.Context, zone string, f search.Filter) ([]*iaas.Disk, error) {
	return findAll(ctx, f, func(ctx context.Context, c *iaas.FindCondition) ([]*iaas.Disk, int, error) {
		r, err := a.disk.Find(ctx, zone, c)
		if err != nil {
			return nil, 0, err
		}
		return r.Disks, r.Total, nil
	})
}

// notes are global, not of a zone.
func (a *api) notes(ctx context.Context, f search.Filter) ([]*iaas.Note, error) {
	return findAll(ctx, f, func(ctx context.Context, c *iaas.FindCondition) ([]*iaas.Note, int, error) {
		r, err := a.note.Find(ctx, c)
		if err != nil {
			return nil, 0, err
		}
		return r.Notes, r.Total, nil
	})
}

// tagged matches resources carrying every one of the tags.
func tagged(l ...string) search.Filter {
	return search.Filter{search.Key(keys.Tags): search.TagsAndEqual(l...)}
}

// ofNode are the tags that name what was made for node: this
// controller's id and the node's (Sakura tags are plain strings).
func ofNode(env provider.CallEnv, node provider.NodeRef) search.Filter {
	return tagged(tags.Pair(provider.TagControllerID, env.ControllerID), tags.Pair(provider.TagNodeID, node.NodeID))
}

// withIDs matches any of the ids.
func withIDs(ids []types.ID) search.Filter {
	l := make([]any, len(ids))
	for i, id := range ids {
		l[i] = id
	}
	return search.Filter{search.Key(keys.ID): search.OrEqual(l...)}
}
