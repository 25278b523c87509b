package openstack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/vccproject/vcc/proto/provider"
)

// FlavorID resolves a Nova flavor name (or id) to its id; the project's
// flavors are read once per client.
func (c *Cloud) FlavorID(ctx context.Context, name string) (string, error) {
	c.flavorMu.Lock()
	defer c.flavorMu.Unlock()
	if id, ok := c.flavorID[name]; ok {
		return id, nil
	}
	pages, err := flavors.ListDetail(c.Compute, flavors.ListOpts{AccessType: flavors.AllAccess}).AllPages(ctx)
	if err != nil {
		return "", cloudErr("list Nova flavors", err)
	}
	list, err := flavors.ExtractFlavors(pages)
	if err != nil {
		return "", cloudErr("read Nova flavors", err)
	}
	var names []string
	for _, f := range list {
		c.flavorID[f.Name], c.flavorID[f.ID] = f.ID, f.ID
		names = append(names, f.Name)
	}
	if id, ok := c.flavorID[name]; ok {
		return id, nil
	}
	return "", provider.NotFound("the cloud has no flavor %q", name).On("spec.flavor_name").
		Because("use one of %s, or map vcc's flavor in the catalog entry's flavors", strings.Join(names, ", ")).Err()
}

// ImageID resolves an image name or id among the images the project
// may trust: public ones and its own (never another project's shared
// image by name); a name that matches several is refused.
func (c *Cloud) ImageID(ctx context.Context, ref string) (string, error) {
	if isUUID(ref) {
		img, err := images.Get(ctx, c.Image, ref).Extract()
		if err != nil {
			return "", cloudErr("read image "+ref, err)
		}
		return img.ID, nil
	}
	c.imageMu.Lock()
	defer c.imageMu.Unlock()
	if hit, ok := c.imageID[ref]; ok && time.Since(hit.when) < imageTTL {
		return hit.id, nil
	}
	pages, err := images.List(c.Image, images.ListOpts{Name: ref}).AllPages(ctx)
	if err != nil {
		return "", cloudErr("look up image "+ref, err)
	}
	list, err := images.ExtractImages(pages)
	if err != nil {
		return "", cloudErr("read images", err)
	}
	var ids []string
	for _, img := range list {
		if img.Visibility == images.ImageVisibilityPublic || img.Owner == c.ProjectID {
			ids = append(ids, img.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", provider.NotFound("no public or own image is named %q", ref).On("spec.cloud_image").
			Because("check `openstack image list --public --name %s`, or give the image's id", ref).Err()
	case 1:
		c.imageID[ref] = cachedImage{id: ids[0], when: time.Now()}
		return ids[0], nil
	}
	return "", provider.Invalid("%d images are named %q: %s", len(ids), ref, strings.Join(ids, ", ")).On("spec.cloud_image").
		Because("give the image's id").Err()
}

// NetworkByName finds the project's network of that name (a site's
// catalog may name its network instead of giving its id).
func (c *Cloud) NetworkByName(ctx context.Context, name, field string) (*networks.Network, error) {
	pages, err := networks.List(c.Network, networks.ListOpts{Name: name}).AllPages(ctx)
	if err != nil {
		return nil, cloudErr("look up network "+name, err)
	}
	list, err := networks.ExtractNetworks(pages)
	if err != nil {
		return nil, cloudErr("read networks", err)
	}
	switch len(list) {
	case 0:
		return nil, provider.NotFound("the project has no network named %q", name).On(field).Because("check `openstack network list`").Err()
	case 1:
		return &list[0], nil
	}
	return nil, provider.Invalid("%d networks are named %q", len(list), name).On(field).Because("name the network by its id").Err()
}

// SecurityGroupID resolves a security group name or id of the project.
func (c *Cloud) SecurityGroupID(ctx context.Context, ref, field string) (string, error) {
	opts := groups.ListOpts{Name: ref}
	if isUUID(ref) {
		opts = groups.ListOpts{ID: ref}
	}
	pages, err := groups.List(c.Network, opts).AllPages(ctx)
	if err != nil {
		return "", cloudErr("look up security group "+ref, err)
	}
	list, err := groups.ExtractGroups(pages)
	if err != nil {
		return "", cloudErr("read security groups", err)
	}
	switch len(list) {
	case 0:
		return "", provider.NotFound("the project has no security group %q", ref).On(field).Because("check `openstack security group list`").Err()
	case 1:
		return list[0].ID, nil
	}
	return "", provider.Invalid("%d security groups are named %q", len(list), ref).On(field).Because("give the group's id").Err()
}

// fieldf formats a field path with an index.
func fieldf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
