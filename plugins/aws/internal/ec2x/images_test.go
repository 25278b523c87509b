package ec2x

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vccproject/vcc/proto/providertest/moto"
)

// TestImageOwners: an AMI name resolves only among trusted owners (self
// and Amazon unless the catalog says otherwise), so an image someone else
// publishes under a popular name is never picked; an id is taken as
// given.
func TestImageOwners(t *testing.T) {
	m := moto.Start(t)
	ctx := context.Background()
	c := New(Target{Region: "us-east-1", AccessKey: "testing", SecretKey: "testing", Endpoint: m.URL})
	out, err := c.API().DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{m.Image}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("the fixture's image: %v", err)
	}
	name := aws.ToString(out.Images[0].Name)

	// Our own account publishes an image under the same name (standing
	// in for a stranger's: moto has a single account).
	in, err := c.Run(ctx, Launch{NodeID: "img", ControllerID: "x", Name: "n", Image: m.Image, InstanceType: "m4.large", SubnetID: m.Subnet, SecurityGroupID: m.SecurityGroup})
	if err != nil {
		t.Fatal(err)
	}
	own, err := c.API().CreateImage(ctx, &ec2.CreateImageInput{InstanceId: in.InstanceId, Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]struct {
		ref     string
		owners  []string
		want    string
		wantErr string
	}{
		"amazon_only":   {ref: name, owners: []string{"amazon"}, want: m.Image},
		"self_only":     {ref: name, owners: []string{"self"}, want: aws.ToString(own.ImageId)},
		"other_account": {ref: name, owners: []string{"099720109477"}, wantErr: "owned by 099720109477"},
		"id_as_given":   {ref: m.Image, owners: []string{"099720109477"}, want: m.Image},
	}
	for label, tc := range cases {
		t.Run(label, func(t *testing.T) {
			got, _, err := c.ResolveImage(ctx, tc.ref, tc.owners)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %s, %v; want an error saying %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
