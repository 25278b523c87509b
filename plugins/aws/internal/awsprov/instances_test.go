package awsprov

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest/moto"
)

func request(m *moto.Server, nodeID, spec string) provider.NodeRequest {
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
	m := moto.Start(t)
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
			var in moto.Instance
			for _, i := range m.Instances(t) {
				if i.ID == st.CloudInstanceID {
					in = i
				}
			}
			if in.Type != "m4.xlarge" || in.Subnet != m.Subnet || len(in.SecurityGroups) != 1 || in.SecurityGroups[0] != m.SecurityGroup {
				t.Errorf("instance %+v", in)
			}
			if in.Tag(provider.TagControllerID) != "ctl-1" || in.Tag(provider.TagNodeID) != node || in.Tag("Name") != "VCP-ctl-1" || in.Tag("team") != "a" {
				t.Errorf("tags %+v", in.Tags)
			}
			if (in.Lifecycle == "spot") != spot {
				t.Errorf("lifecycle %q, spot %v", in.Lifecycle, spot)
			}
			ud := m.UserData(t, in.ID)
			for _, want := range []string{"docker run", "vcc.node_id=" + node, "VCCCTR_IPADDR=10.0.0.1", "X=1", "vcc-base-" + node} {
				if !strings.Contains(ud, want) {
					t.Errorf("user data lacks %q:\n%s", want, ud)
				}
			}
		})
	}
}

// TestCloudErrors: EC2's refusals come back as diagnostics on the field
// to fix; nothing is left running.
func TestCloudErrors(t *testing.T) {
	m := moto.Start(t)
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

// TestAttachDisks: existing volumes in spec.disks are attached once the
// instance runs; a retried create attaches nothing twice.
func TestAttachDisks(t *testing.T) {
	m := moto.Start(t)
	ctx := context.Background()
	v1, v2 := m.CreateVolume(t, "us-east-1a", 8), m.CreateVolume(t, "us-east-1a", 16)
	req := request(m, "node-disks", fmt.Sprintf(`{"cloud_image": %q, "disks": [%q, %q]}`, m.Image, v1, v2))
	req.FirstAttempt = true
	p := New("0.1.0", false)
	st, err := p.CreateNode(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != provider.InstanceRunning {
		t.Errorf("state after attaching: %s", st.State)
	}
	for vol, dev := range map[string]string{v1: "/dev/sdf", v2: "/dev/sdg"} {
		if inst, device := m.Attachment(t, vol); inst != st.CloudInstanceID || device != dev {
			t.Errorf("volume %s attached to %q as %q, want %s as %s", vol, inst, device, st.CloudInstanceID, dev)
		}
	}
	req.FirstAttempt = false
	again, err := p.CreateNode(ctx, req)
	if err != nil || again.CloudInstanceID != st.CloudInstanceID {
		t.Fatalf("retried create: %+v %v", again, err)
	}
	other := request(m, "node-other", fmt.Sprintf(`{"cloud_image": %q, "disks": [%q]}`, m.Image, v1))
	other.FirstAttempt = true
	_, err = p.CreateNode(ctx, other)
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) || de.Diags[0].Field != "spec.disks[0]" || !strings.Contains(err.Error(), "is attached to") {
		t.Errorf("a volume in use elsewhere: %v", err)
	}
	for _, in := range m.Instances(t) {
		if in.Tag(provider.TagNodeID) == "node-other" {
			t.Errorf("the refused create left instance %s (%s)", in.ID, in.State)
		}
	}
}

// TestStateOnlyDescribe: the host's polls (state only) are answered from
// DescribeInstanceStatus: states without addresses; an id EC2 does not
// know, or a terminated instance, is not found; a spot instance that is
// neither pending nor running gets a full look (its state reason tells a
// reclaim), so it comes back with its address.
func TestStateOnlyDescribe(t *testing.T) {
	m := moto.Start(t)
	ctx := context.Background()
	type seen struct {
		State   provider.InstanceState
		Address bool
	}
	for _, spot := range []bool{false, true} {
		t.Run(fmt.Sprintf("spot=%v", spot), func(t *testing.T) {
			p := New("0.1.0", spot)
			spec := fmt.Sprintf(`{"cloud_image": %q}`, m.Image)
			var refs []provider.NodeRef
			for _, name := range []string{"running", "stopped", "terminated"} {
				req := request(m, fmt.Sprintf("so-%v-%s", spot, name), spec)
				req.FirstAttempt = true
				st, err := p.CreateNode(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				req.Node.CloudInstanceID = st.CloudInstanceID
				refs = append(refs, req.Node)
				switch name {
				case "stopped":
					m.Call(t, url.Values{"Action": {"StopInstances"}, "InstanceId.1": {st.CloudInstanceID}}, nil)
				case "terminated":
					m.Terminate(t, st.CloudInstanceID)
				}
			}
			refs = append(refs, provider.NodeRef{NodeID: "so-unknown", CloudInstanceID: "i-0123456789abcdef0"})
			got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: request(m, "", spec).Env, Nodes: refs, StateOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			gotBy := map[string]seen{}
			for _, st := range got {
				gotBy[st.NodeID] = seen{st.State, st.CloudInstanceAddress != ""}
			}
			want := map[string]seen{
				refs[0].NodeID: {provider.InstanceRunning, false},
				refs[1].NodeID: {provider.InstanceStopped, spot}, // spot: a full look
				refs[2].NodeID: {provider.InstanceNotFound, false},
				"so-unknown":   {provider.InstanceNotFound, false},
			}
			if diff := cmp.Diff(want, gotBy); diff != "" {
				t.Errorf("state-only describe (-want +got):\n%s", diff)
			}
		})
	}
}
