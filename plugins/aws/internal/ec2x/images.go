package ec2x

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/proto/provider"
)

// nameTTL is how long an AMI name stays resolved: long enough that the
// nodes of one unit, created together, all get the same AMI; short enough
// that a name moved to a newer AMI is seen within minutes.
const nameTTL = 5 * time.Minute

type image struct {
	mu       sync.Mutex // held while resolving, so concurrent nodes ask once
	id, root string
	at       time.Time
}

// images caches what an AMI reference resolves to, per endpoint, region
// and reference: an id's root device never changes.
var images sync.Map // endpoint|region|ref -> *image

// DefaultImageOwners are whose AMIs a name may resolve to when the
// catalog does not say: the account's own and Amazon's. Public AMI names
// are not unique, and anyone can publish one named like a popular image
// (the "whoAMI" attack), so a name is never looked up among all owners.
var DefaultImageOwners = []string{"self", "amazon"}

// ResolveImage turns an AMI id, or a name published by one of owners,
// into an id and its root device. An id is taken as given: naming it is
// trusting it.
func (c *Client) ResolveImage(ctx context.Context, ref string, owners []string) (string, string, error) {
	if len(owners) == 0 {
		owners = DefaultImageOwners
	}
	key := aws.ToString(c.ec2.Options().BaseEndpoint) + "|" + c.ec2.Options().Region + "|" + ref
	if !strings.HasPrefix(ref, "ami-") {
		key += "|" + strings.Join(owners, ",")
	}
	v, _ := images.LoadOrStore(key, &image{})
	im := v.(*image)
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.id != "" && (strings.HasPrefix(ref, "ami-") || time.Since(im.at) < nameTTL) {
		return im.id, im.root, nil
	}
	id, root, err := c.resolveImage(ctx, ref, owners)
	if err != nil {
		return "", "", err
	}
	im.id, im.root, im.at = id, root, time.Now()
	return id, root, nil
}

func (c *Client) resolveImage(ctx context.Context, ref string, owners []string) (string, string, error) {
	in := &ec2.DescribeImagesInput{}
	if strings.HasPrefix(ref, "ami-") {
		in.ImageIds = []string{ref}
	} else {
		in.Owners = owners
		in.Filters = []types.Filter{{Name: aws.String("name"), Values: []string{ref}}}
	}
	out, err := c.ec2.DescribeImages(ctx, in)
	if err != nil {
		return "", "", Diagnose(err, "spec.cloud_image")
	}
	if len(out.Images) == 0 {
		return "", "", provider.Diagnostics{{Severity: provider.SeverityError, Field: "spec.cloud_image",
			Summary: fmt.Sprintf("no AMI named %q owned by %s in this region", ref, strings.Join(owners, " or ")),
			Detail:  "give an AMI id (ami-...), or an exact AMI name and, for a publisher other than your account and Amazon, its account id in the catalog entry's aws_image_owners (e.g. 099720109477 for Canonical's Ubuntu)"}}.Err()
	}
	newest := out.Images[0]
	for _, im := range out.Images[1:] {
		if aws.ToString(im.CreationDate) > aws.ToString(newest.CreationDate) {
			newest = im
		}
	}
	return aws.ToString(newest.ImageId), aws.ToString(newest.RootDeviceName), nil
}
