// Package moto starts moto_server, a real EC2 wire-protocol emulator, on
// 127.0.0.1 for a test, and reads its state through the EC2 Query API
// (plain HTTP; moto does not check signatures), so neither the plugin kit
// nor the host needs an AWS SDK to use it. In CI (CI=true) a missing
// moto_server fails the test instead of skipping it.
package moto

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/providertest"
)

// Server is a running moto_server and its default VPC's first subnet,
// security group and an x86_64 image.
type Server struct {
	URL, Subnet, SubnetCIDR, SecurityGroup, Image string

	count *counter
	pid   int
}

// Start runs moto_server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	providertest.Require(t, err == nil, "moto_server (it ships with the machine's Python)")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil { // frees the port for moto
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), pid: cmd.Process.Pid}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(s.URL + "/moto-api/"); err == nil {
			_ = resp.Body.Close() // moto answers: that was the question
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("moto_server did not answer within 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var subs struct {
		Items []struct {
			ID   string `xml:"subnetId"`
			CIDR string `xml:"cidrBlock"`
		} `xml:"subnetSet>item"`
	}
	var sgs struct {
		Items []struct {
			ID string `xml:"groupId"`
		} `xml:"securityGroupInfo>item"`
	}
	var imgs struct {
		Items []struct {
			ID string `xml:"imageId"`
		} `xml:"imagesSet>item"`
	}
	s.Call(t, url.Values{"Action": {"DescribeSubnets"}}, &subs)
	s.Call(t, url.Values{"Action": {"DescribeSecurityGroups"}}, &sgs)
	s.Call(t, url.Values{"Action": {"DescribeImages"}, "Filter.1.Name": {"architecture"}, "Filter.1.Value.1": {"x86_64"}}, &imgs)
	if len(subs.Items) == 0 || len(sgs.Items) == 0 || len(imgs.Items) == 0 {
		t.Fatal("moto has no default subnet, security group or image")
	}
	s.Subnet, s.SubnetCIDR, s.SecurityGroup, s.Image = subs.Items[0].ID, subs.Items[0].CIDR, sgs.Items[0].ID, imgs.Items[0].ID
	return s
}

// Call sends one EC2 Query API action and decodes the XML answer into out.
func (s *Server) Call(t testing.TB, v url.Values, out any) {
	t.Helper()
	v.Set("Version", "2016-11-15")
	s.call(t, "ec2", v, out)
}

func (s *Server) call(t testing.TB, service string, v url.Values, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto routes by the SigV4 credential scope; it does not check the
	// signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto %s: %s: %s", v.Get("Action"), resp.Status, body)
	}
	if out != nil {
		if err := xml.Unmarshal(body, out); err != nil {
			t.Fatalf("moto %s: %v", v.Get("Action"), err)
		}
	}
}

// Instance is what the tests check of an EC2 instance.
type Instance struct {
	ID             string   `xml:"instanceId"`
	Type           string   `xml:"instanceType"`
	Subnet         string   `xml:"subnetId"`
	State          string   `xml:"instanceState>name"`
	Lifecycle      string   `xml:"instanceLifecycle"`
	PrivateIP      string   `xml:"privateIpAddress"`
	SecurityGroups []string `xml:"groupSet>item>groupId"`
	Tags           []struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	} `xml:"tagSet>item"`
}

// Tag returns the value of one tag.
func (i Instance) Tag(key string) string {
	for _, t := range i.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// Instances lists the instances that are not terminated.
func (s *Server) Instances(t testing.TB) []Instance {
	var out struct {
		Instances []Instance `xml:"reservationSet>item>instancesSet>item"`
	}
	s.Call(t, url.Values{"Action": {"DescribeInstances"}}, &out)
	var live []Instance
	for _, in := range out.Instances {
		if in.State != "terminated" {
			live = append(live, in)
		}
	}
	return live
}

// Terminate ends an instance behind everyone's back.
func (s *Server) Terminate(t testing.TB, id string) {
	s.Call(t, url.Values{"Action": {"TerminateInstances"}, "InstanceId.1": {id}}, nil)
}

// Catalog is a vpn_catalog entry (JSON) for this server.
func (s *Server) Catalog() string {
	return fmt.Sprintf(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": %q, "aws_vpc_security_group_id": %q, "aws_endpoint_url": %q, "private_network_ipmask": %q}`,
		s.Subnet, s.SecurityGroup, s.URL, s.SubnetCIDR)
}

// UserData returns an instance's user data, decoded.
func (s *Server) UserData(t testing.TB, id string) string {
	var out struct {
		Value string `xml:"userData>value"`
	}
	s.Call(t, url.Values{"Action": {"DescribeInstanceAttribute"}, "InstanceId": {id}, "Attribute": {"userData"}}, &out)
	raw, err := base64.StdEncoding.DecodeString(out.Value)
	if err != nil {
		t.Fatalf("user data of %s: %v", id, err)
	}
	return string(raw)
}

// CreateVolume makes an EBS volume and returns its id.
func (s *Server) CreateVolume(t testing.TB, zone string, sizeGB int) string {
	var out struct {
		ID string `xml:"volumeId"`
	}
	s.Call(t, url.Values{"Action": {"CreateVolume"}, "AvailabilityZone": {zone}, "Size": {fmt.Sprint(sizeGB)}}, &out)
	return out.ID
}

// Attachment returns the instance and device a volume is attached to.
func (s *Server) Attachment(t testing.TB, volumeID string) (instance, device string) {
	var out struct {
		Attachments []struct {
			Instance string `xml:"instanceId"`
			Device   string `xml:"device"`
		} `xml:"volumeSet>item>attachmentSet>item"`
	}
	s.Call(t, url.Values{"Action": {"DescribeVolumes"}, "VolumeId.1": {volumeID}}, &out)
	if len(out.Attachments) == 0 {
		return "", ""
	}
	return out.Attachments[0].Instance, out.Attachments[0].Device
}
