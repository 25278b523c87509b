package oracle

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/provider"
)

// imageTTL is how long a resolved image name is reused: a newer image of
// the name is picked up within it.
const imageTTL = 5 * time.Minute

type imageEntry struct {
	id string
	at time.Time
}

// images caches image names resolved to OCIDs, per tenancy scope and
// compartment.
type images struct {
	mu sync.Mutex
	m  map[string]imageEntry
}

var resolved = &images{m: map[string]imageEntry{}}

// resolveImage turns cloud_image into an image OCID: an OCID is read back
// (it must exist), a name is the newest AVAILABLE image of that display
// name among the compartment's and Oracle's platform images (ListImages
// lists exactly those).
func resolveImage(ctx context.Context, c *client, cat *catalog, name string) (string, error) {
	if strings.HasPrefix(name, "ocid1.image.") {
		if _, err := c.Compute.GetImage(ctx, core.GetImageRequest{ImageId: &name}); err != nil {
			if isStatus(err, 404) {
				return "", provider.NotFound("image %s does not exist (or the user may not read it)", name).On("spec.cloud_image").Err()
			}
			return "", cloudErr("read image "+name, err)
		}
		return name, nil
	}
	key := cat.target().Scope() + "\x00" + cat.Compartment + "\x00" + name
	resolved.mu.Lock()
	e, ok := resolved.m[key]
	resolved.mu.Unlock()
	if ok && time.Since(e.at) < imageTTL {
		return e.id, nil
	}
	res, err := c.Compute.ListImages(ctx, core.ListImagesRequest{CompartmentId: &cat.Compartment, DisplayName: &name,
		LifecycleState: core.ImageLifecycleStateAvailable, SortBy: core.ListImagesSortByTimecreated, SortOrder: core.ListImagesSortOrderDesc,
		Limit: common.Int(1)})
	if err != nil {
		return "", cloudErr("look up image "+name, err)
	}
	if len(res.Items) == 0 {
		return "", provider.NotFound("no available image is named %q in the compartment or among Oracle's platform images", name).On("spec.cloud_image").
			Because("give an image's exact display name (like Canonical-Ubuntu-24.04) or its OCID").Err()
	}
	id := deref(res.Items[0].Id)
	resolved.mu.Lock()
	resolved.m[key] = imageEntry{id, time.Now()}
	resolved.mu.Unlock()
	return id, nil
}
