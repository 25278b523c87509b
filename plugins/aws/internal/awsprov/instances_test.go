package awsprov

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/plugins/aws/internal/motoserver"
	"github.com/vccproject/vcc/proto/provider"
)

func request(m *motoserver.Server, nodeID, spec string) provider.NodeRequest {
	return provider.NodeRequest{
		Env: provider.CallEnv{ControllerID: "ctl-1", ControllerAddress: "10.0.0.1", CatalogEntry: json.RawMessage(m.Catalog()),
			Credentials: provider.Credentials{"access_key": "testing", "secret_key": "testing"}},
		Node: provider.NodeRef{NodeID: nodeID, NodeNo: 1, CloudInstanceName: "VCP-ctl-1"},
		Spec: json.RawMessage(spec),
	}
}

// TestLaunchedInstance: the instance in EC2 has the spec's type, the
// catalog's subnet and group, vcc's tags and a user data that starts the
// Base container; spot instances are spot.
func TestLaunchedInstance(t *testing.T) {
	m := motoserver.Start(t)
	ctx := context.Background()
	for _, spot := range []bool{false, true} {
		t.Run(fmt.Sprintf("spot=%v", spot), func(t *testing.T) {
			node := fmt.Sprintf("node-spot-%v", spot)
			req := request(m, node, fmt.Sprintf(`{"instance_type": "m4.xlarge", "cloud_image": %q, "tags": {"team": "a"}, "params_e": ["X=1"], "spot_type": "persistent"}`, m.Image))
			if !spot {
				req.Spec = json.RawMessage(fmt.Sprintf(`{"instance_type": "m4.xlarge", "cloud_image": %q, "tags": {"team": "a"}, "params_e": ["X=1"]}`, m.Image))
			}
			st, err := New("0.1.0", spot).CreateNode(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{st.CloudInstanceID}})
			if err != nil {
				t.Fatal(err)
			}
			in := out.Reservations[0].Instances[0]
			tags := map[string]string{}
			for _, tg := range in.Tags {
				tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
			}
			if in.InstanceType != types.InstanceTypeM4Xlarge || aws.ToString(in.SubnetId) != m.Subnet ||
				len(in.SecurityGroups) != 1 || aws.ToString(in.SecurityGroups[0].GroupId) != m.SecurityGroup {
				t.Errorf("instance %s in %s with %v", in.InstanceType, aws.ToString(in.SubnetId), in.SecurityGroups)
			}
			if tags[provider.TagControllerID] != "ctl-1" || tags[provider.TagNodeID] != node || tags["Name"] != "VCP-ctl-1" || tags["team"] != "a" {
				t.Errorf("tags %v", tags)
			}
			if (in.InstanceLifecycle == types.InstanceLifecycleTypeSpot) != spot {
				t.Errorf("lifecycle %q, spot %v", in.InstanceLifecycle, spot)
			}
			attr, err := m.EC2.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: in.InstanceId, Attribute: types.InstanceAttributeNameUserData})
			if err != nil {
				t.Fatal(err)
			}
			ud, _ := base64.StdEncoding.DecodeString(aws.ToString(attr.UserData.Value))
			for _, want := range []string{"docker run", "vcc.node_id=" + node, "VCCCTR_IPADDR=10.0.0.1", "X=1", "vcc-base-" + node} {
				if !strings.Contains(string(ud), want) {
					t.Errorf("user data lacks %q:\n%s", want, ud)
				}
			}
		})
	}
}

// TestCloudErrors: EC2's refusals come back as diagnostics on the field
// to fix; nothing is left running.
func TestCloudErrors(t *testing.T) {
	m := motoserver.Start(t)
	ctx := context.Background()
	cases := map[string]struct {
		mutate    func(*provider.NodeRequest)
		wantField string
	}{
		"unknown_ami":      {func(r *provider.NodeRequest) { r.Spec = json.RawMessage(`{"cloud_image": "ami-0123456789abcdef0"}`) }, "spec.cloud_image"},
		"unknown_ami_name": {func(r *provider.NodeRequest) { r.Spec = json.RawMessage(`{"cloud_image": "no-such-image"}`) }, "spec.cloud_image"},
		"unknown_subnet": {func(r *provider.NodeRequest) {
			r.Env.CatalogEntry = json.RawMessage(strings.Replace(m.Catalog(), m.Subnet, "subnet-0123456789abcdef0", 1))
		}, "catalog.aws_vpc_subnet_id"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(m, "node-"+name, fmt.Sprintf(`{"cloud_image": %q}`, m.Image))
			tc.mutate(&req)
			_, err := New("0.1.0", false).CreateNode(ctx, req)
			var de *provider.DiagnosticsError
			if !errors.As(err, &de) || de.Diags[0].Field != tc.wantField {
				t.Fatalf("got %v, want a diagnostic on %s", err, tc.wantField)
			}
		})
	}
	all, _ := New("0.1.0", false).DescribeNodes(ctx, provider.DescribeRequest{Env: request(m, "", "{}").Env, AllOfController: true})
	if len(all) != 0 {
		t.Errorf("refused creates left %d instances", len(all))
	}
}
