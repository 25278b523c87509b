package azure

import (
	"fmt"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// names of what the plugin makes for a node. ARM's PUT is idempotent by
// name, so names fixed by the node make a retried create (after a
// timeout, a host crash) converge on the same resources; the VM's is
// the node's cloud_instance_name, the others come from the node id.
type names struct {
	vm, nic, osDisk string
}

func namesOf(n provider.NodeRef) names {
	vm := n.CloudInstanceName
	if vm == "" {
		vm = "vcc-" + n.NodeID
	}
	return names{vm: vm, nic: "vcc-" + n.NodeID + "-nic", osDisk: "vcc-" + n.NodeID + "-osdisk"}
}

// ids of the catalog's network and of the node's resources.
func (c *catalog) subnetID(sub string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/%s/subnets/%s", sub, c.Group, c.VNet, c.Subnet)
}

func (c *catalog) nsgID(sub string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkSecurityGroups/%s", sub, c.Group, c.NSG)
}

func (c *catalog) nicID(sub, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkInterfaces/%s", sub, c.Group, name)
}

// nameOf is the last segment of a resource id.
func nameOf(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// azTags are tags as the SDK takes them.
func azTags(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = &v
	}
	return out
}

func fromAz(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
