package ec2x

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Subnet is what a launch needs to know of a subnet.
type Subnet struct {
	ID, VPC, Zone, CIDR string
}

// Subnet looks a subnet up; field names the input that gave its id.
func (c *Client) Subnet(ctx context.Context, id, field string) (Subnet, error) {
	out, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if err != nil {
		return Subnet{}, Diagnose(err, field)
	}
	if len(out.Subnets) == 0 {
		return Subnet{}, Diagnose(notFoundError("InvalidSubnetID.NotFound", fmt.Sprintf("the subnet ID '%s' does not exist", id)), field)
	}
	s := out.Subnets[0]
	return Subnet{ID: id, VPC: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone), CIDR: aws.ToString(s.CidrBlock)}, nil
}

// GroupVPC returns the VPC of a security group.
func (c *Client) GroupVPC(ctx context.Context, id, field string) (string, error) {
	out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return "", Diagnose(err, field)
	}
	if len(out.SecurityGroups) == 0 {
		return "", Diagnose(notFoundError("InvalidGroup.NotFound", fmt.Sprintf("the security group '%s' does not exist", id)), field)
	}
	return aws.ToString(out.SecurityGroups[0].VpcId), nil
}

// Offered tells whether an instance type can be launched in a zone.
func (c *Client) Offered(ctx context.Context, instanceType, zone string) (bool, error) {
	out, err := c.ec2.DescribeInstanceTypeOfferings(ctx, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters: []types.Filter{
			{Name: aws.String("location"), Values: []string{zone}},
			{Name: aws.String("instance-type"), Values: []string{instanceType}},
		},
	})
	if err != nil {
		return false, Diagnose(err, "spec.instance_type")
	}
	return len(out.InstanceTypeOfferings) > 0, nil
}
