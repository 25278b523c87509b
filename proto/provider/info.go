package provider

// Capability is an optional feature a provider offers.
type Capability string

const (
	CapPower            Capability = "power"
	CapReboot           Capability = "reboot"
	CapSpot             Capability = "spot"
	CapFixedIP          Capability = "fixed_ip"
	CapTags             Capability = "tags"
	CapAttachDisks      Capability = "attach_disks"
	CapGPU              Capability = "gpu"
	CapListByController Capability = "list_by_controller"
	// CapPreflight: the plugin implements Preflighter.
	CapPreflight Capability = "preflight"
	// CapBaseContainer: the plugin starts the Base container on each node,
	// whose agent joins the controller's Serf; the host then keeps a node
	// BOOTING until its agent has joined.
	CapBaseContainer Capability = "base_container"
	// CapAsyncDelete: DeleteNode starts the deletion and returns; the
	// host confirms it with DescribeNodes (batched for a unit's nodes)
	// before it forgets the node.
	CapAsyncDelete Capability = "async_delete"
	// CapSSHLogin: the plugin logs in to servers with the controller's
	// SSH key, which the host then sends as CallEnv.ControllerSSHKey.
	CapSSHLogin Capability = "ssh_login"
	// CapSimulator marks a plugin that drives no real cloud.
	CapSimulator Capability = "simulator"
	// CapDisks: the provider's nodes are disks (block volumes), the nodes
	// of storage units. CreateNode makes a volume, DescribeNodes reports
	// it with NodeStatus.Disk, DeleteNode deletes it, detaching it first
	// (the host asks only when none of its nodes holds it, or the user
	// forced it). Compute-only capabilities (DiskExcludes) never go
	// with it.
	CapDisks Capability = "disks"
)

// DiskExcludes are the capabilities a disk provider (CapDisks) must not
// declare: they are about instances.
var DiskExcludes = []Capability{CapPower, CapReboot, CapSpot, CapFixedIP, CapAttachDisks, CapGPU, CapBaseContainer, CapSSHLogin}

// Info describes a plugin: what `vcc-host plugins list` shows and what the
// host validates catalogs, specs and credentials with.
type Info struct {
	// Name is the provider's identity, e.g. "aws_spot". The binary's file
	// name must agree with it (with '-' and '_' equal).
	Name string
	// Version is the plugin's own semantic version.
	Version string
	// ProtocolVersion is filled in by the plugin kit.
	ProtocolVersion int
	Description     string
	Capabilities    []Capability
	CatalogSchema   Schema
	SpecSchema      Schema
	Flavors         []Flavor
	CredentialKeys  []CredentialKey
	// Aliases are other names the API accepts for this provider.
	Aliases []string
	// CredentialsFamily names the provider whose stored credentials this
	// one uses when the user stored none of its own (aws_spot: "aws").
	// The two sets are never mixed key by key.
	CredentialsFamily string
	// IPPoolFile, when set, says this provider's networks have no DHCP:
	// the host gives every node a fixed IP from the pool of its catalog
	// entry, declared in this file of the config directory (upstream's
	// format: ENTRY: {prefix_len, ip_addresses}), and fills
	// NodeRef.FixedIP. An address is never given twice.
	IPPoolFile string
}

// Has reports whether the plugin offers c.
func (i *Info) Has(c Capability) bool {
	for _, have := range i.Capabilities {
		if have == c {
			return true
		}
	}
	return false
}

// Flavor is a named preset of spec values (small, medium, large, ...).
type Flavor struct {
	Name        string
	Description string
	Values      map[string]any
}

// CredentialKey names one secret the provider needs from the host.
type CredentialKey struct {
	Name        string
	Description string
	Required    bool
	// Aliases are other names a user may store it under (an upstream's
	// older spelling); the host sends the value under Name.
	Aliases []string
}
