package azure

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/vccproject/vcc/plugins/azure/internal/armclient"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// DescribeNodes answers the host's polls and reconcile in at most three
// list calls whatever the number of nodes: the subscription's VMs with
// statusOnly (power states), and for a full answer the resource group's
// VMs (tags) and NICs (addresses). kit/describe fills in not_found.
func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	views, err := powerStates(ctx, c)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	if req.StateOnly && !req.AllOfController && allKnown(req.Nodes) {
		// The host polls waiting nodes often: the states alone.
		for _, n := range req.Nodes {
			if iv, ok := views[strings.ToLower(n.CloudInstanceID)]; ok {
				st := provider.NodeStatus{NodeID: n.NodeID, CloudInstanceID: n.CloudInstanceID}
				st.State, st.StateReason = p.stateOf("", iv)
				ans.Add(st)
			}
		}
		return ans.Nodes(), nil
	}
	vms, err := groupVMs(ctx, c, cat.Group)
	if err != nil {
		return nil, err
	}
	ips, err := nicAddresses(ctx, c, cat.Group)
	if err != nil {
		return nil, err
	}
	for _, vm := range vms {
		if !tags.Owned(fromAz(vm.Tags), req.Env.ControllerID) {
			continue
		}
		st := p.statusOf(vm, views[strings.ToLower(deref(vm.ID))])
		// ARM may spell a resource group's name in ids otherwise than
		// the catalog: report the id as create did.
		st.CloudInstanceID = p.vmID(cat, req.Env.Credentials["subscription_id"], deref(vm.Name))
		if np := vm.Properties.NetworkProfile; np != nil && len(np.NetworkInterfaces) > 0 {
			st.CloudInstanceAddress = ips[strings.ToLower(deref(np.NetworkInterfaces[0].ID))]
		}
		ans.Add(st)
	}
	return ans.Nodes(), nil
}

// allKnown: every node has its VM's id (a create whose answer was lost
// has none, and is found by its tags instead).
func allKnown(nodes []provider.NodeRef) bool {
	for _, n := range nodes {
		if n.CloudInstanceID == "" {
			return false
		}
	}
	return len(nodes) > 0
}

// powerStates are the instance views of the subscription's VMs by
// lower-case id.
func powerStates(ctx context.Context, c *armclient.Clients) (map[string]*armcompute.VirtualMachineInstanceView, error) {
	out := map[string]*armcompute.VirtualMachineInstanceView{}
	pager := c.VMs.NewListAllPager(&armcompute.VirtualMachinesClientListAllOptions{StatusOnly: ptr("true")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armclient.Err("list the VMs' states", err)
		}
		for _, vm := range page.Value {
			if vm.ID != nil && vm.Properties != nil {
				out[strings.ToLower(*vm.ID)] = vm.Properties.InstanceView
			}
		}
	}
	return out, nil
}

func groupVMs(ctx context.Context, c *armclient.Clients, group string) ([]*armcompute.VirtualMachine, error) {
	var out []*armcompute.VirtualMachine
	pager := c.VMs.NewListPager(group, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armclient.Err("list the VMs of resource group "+group, err)
		}
		out = append(out, page.Value...)
	}
	return out, nil
}

// nicAddresses are the private IPs of the group's NICs by lower-case id.
func nicAddresses(ctx context.Context, c *armclient.Clients, group string) (map[string]string, error) {
	out := map[string]string{}
	pager := c.NICs.NewListPager(group, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, armclient.Err("list the NICs of resource group "+group, err)
		}
		for _, n := range page.Value {
			out[strings.ToLower(deref(n.ID))] = privateIP(n)
		}
	}
	return out, nil
}
