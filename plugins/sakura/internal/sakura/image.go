package sakura

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/helper/query"
	"github.com/sacloud/iaas-api-go/ostype"
	"github.com/sacloud/iaas-api-go/search"
	"github.com/sacloud/iaas-api-go/search/keys"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/provider"
)

// image is the archive the boot disk is copied from.
func (b *build) image(ctx context.Context) (*iaas.Archive, error) {
	return findArchive(ctx, b.a, b.cat, b.sp)
}

// findArchive resolves cloud_image in the catalog entry's zone: an id, a
// name (among the public archives and the account's own, the only ones
// an API key sees), or default: the entry's sakura_archive, else the
// newest public Ubuntu.
func findArchive(ctx context.Context, a *api, cat *catalog, sp *spec) (*iaas.Archive, error) {
	want, field := sp.CloudImage, "spec.cloud_image"
	if want == "" || want == "default" {
		want, field = cat.Archive, "catalog.sakura_archive"
	}
	switch {
	case want == "":
		arc, err := query.FindArchiveByOSType(ctx, a.archive, cat.Zone, ostype.Ubuntu)
		var e iaas.APIError
		if err != nil && !errors.As(err, &e) { // the helper's own "not found"
			return nil, provider.NotFound("zone %s has no public Ubuntu archive for cloud_image default", cat.Zone).On("spec.cloud_image").
				Because("name an archive in cloud_image, or in the catalog entry's sakura_archive").Err()
		}
		return arc, cloudErr("find the newest public Ubuntu archive", err)
	case idRE.MatchString(want):
		arc, err := a.archive.Read(ctx, cat.Zone, types.StringID(want))
		if notFound(err) {
			return nil, provider.NotFound("archive %s is not in zone %s", want, cat.Zone).On(field).
				Because("archives are per zone: give the id of the archive in %s, or its name", cat.Zone).Err()
		}
		return arc, cloudErr("read archive "+want, err)
	}
	found, err := findAll(ctx, search.Filter{search.Key(keys.Name): search.PartialMatch(want)},
		func(ctx context.Context, c *iaas.FindCondition) ([]*iaas.Archive, int, error) {
			r, err := a.archive.Find(ctx, cat.Zone, c)
			if err != nil {
				return nil, 0, err
			}
			return r.Archives, r.Total, nil
		})
	if err != nil {
		return nil, cloudErr("find archive "+want, err)
	}
	return newest(found, want, cat.Zone, field)
}

// newest picks among archives of exactly that name the newest available
// one (public archives keep their name from release to release).
func newest(found []*iaas.Archive, want, zone, field string) (*iaas.Archive, error) {
	var best *iaas.Archive
	var near []string
	for _, arc := range found {
		if arc.Name != want {
			near = append(near, arc.Name)
			continue
		}
		if arc.Availability == types.Availabilities.Available && (best == nil || arc.CreatedAt.After(best.CreatedAt) || arc.ID > best.ID && arc.CreatedAt.Equal(best.CreatedAt)) {
			best = arc
		}
	}
	if best != nil {
		return best, nil
	}
	d := provider.NotFound("zone %s has no available archive named %q", zone, want).On(field)
	if len(near) > 0 {
		slices.Sort(near)
		near = slices.Compact(near)
		d = d.Because("names that contain it: %s", strings.Join(near[:min(len(near), 5)], "; "))
	} else {
		d = d.Because("give the exact name or the 12-digit id of a public archive or one of yours in %s", zone)
	}
	return nil, d.Err()
}

// cloudInit reports whether the archive runs cloud-init, which takes the
// Base container's start as user data at boot; other archives get it as
// a startup script written into the disk by the disk edit.
func cloudInit(arc *iaas.Archive) bool { return slices.Contains(arc.Tags, "cloud-init") }
