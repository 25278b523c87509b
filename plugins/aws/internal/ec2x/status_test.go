package ec2x

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/proto/provider"
)

func TestStatus(t *testing.T) {
	inst := func(state types.InstanceStateName, code, msg string) types.Instance {
		in := types.Instance{InstanceId: aws.String("i-1"), PrivateIpAddress: aws.String("10.0.0.5"), State: &types.InstanceState{Name: state},
			Tags: []types.Tag{{Key: aws.String(provider.TagNodeID), Value: aws.String("n1")}, {Key: aws.String("Name"), Value: aws.String("VCP-1")}}}
		if code != "" {
			in.StateReason = &types.StateReason{Code: aws.String(code), Message: aws.String(msg)}
		}
		return in
	}
	cases := map[string]struct {
		in     types.Instance
		state  provider.InstanceState
		reason string
	}{
		"pending":   {inst(types.InstanceStateNamePending, "", ""), provider.InstancePending, ""},
		"running":   {inst(types.InstanceStateNameRunning, "", ""), provider.InstanceRunning, ""},
		"stopped":   {inst(types.InstanceStateNameStopped, "Client.UserInitiatedShutdown", "User initiated shutdown"), provider.InstanceStopped, "User initiated shutdown"},
		"reclaimed": {inst(types.InstanceStateNameStopped, "Server.SpotInstanceShutdown", "capacity"), provider.InstanceError, "spot instance reclaimed by AWS: capacity"},
		"gone":      {inst(types.InstanceStateNameTerminated, "", ""), provider.InstanceNotFound, ""},
		"closing":   {inst(types.InstanceStateNameShuttingDown, "", ""), provider.InstanceTerminating, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := Status(tc.in)
			if st.State != tc.state || st.StateReason != tc.reason || st.NodeID != "n1" || st.CloudInstanceName != "VCP-1" || st.CloudInstanceAddress != "10.0.0.5" {
				t.Errorf("got %+v", st)
			}
		})
	}
}
