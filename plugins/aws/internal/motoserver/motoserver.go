// Package motoserver starts moto_server, a real EC2 wire-protocol
// emulator, on 127.0.0.1 for a test. In CI (CI=true) a missing moto_server
// fails the test instead of skipping it.
package motoserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Server is a running moto_server with the default VPC's first subnet
// and security group.
type Server struct {
	URL, Subnet, SubnetCIDR, SecurityGroup, Image string
	EC2                                           *ec2.Client
}

// Start runs moto_server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server is not installed; the AWS tests need it (it ships with the machine's Python)")
		}
		t.Skip("moto_server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(s.URL + "/moto-api/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("moto_server did not answer within 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.EC2 = ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	ctx := context.Background()
	subs, err := s.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subs.Subnets) == 0 {
		t.Fatalf("moto subnets: %v", err)
	}
	s.Subnet, s.SubnetCIDR = aws.ToString(subs.Subnets[0].SubnetId), aws.ToString(subs.Subnets[0].CidrBlock)
	sgs, err := s.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil || len(sgs.SecurityGroups) == 0 {
		t.Fatalf("moto security groups: %v", err)
	}
	s.SecurityGroup = aws.ToString(sgs.SecurityGroups[0].GroupId)
	imgs, err := s.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("moto images: %v", err)
	}
	s.Image = aws.ToString(imgs.Images[0].ImageId)
	return s
}

// Catalog is a catalog entry for this server.
func (s *Server) Catalog() string {
	return fmt.Sprintf(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": %q, "aws_vpc_security_group_id": %q, "aws_endpoint_url": %q, "private_network_ipmask": %q}`,
		s.Subnet, s.SecurityGroup, s.URL, s.SubnetCIDR)
}
