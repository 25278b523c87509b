package onprem

import (
	"regexp"

	"github.com/vccproject/vcc/proto/kit/decode"
	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// DefaultSSHPort is upstream's: the Base container may run its own sshd
// on 22 in the host's network, so the host's sshd moves to 20022.
const DefaultSSHPort = 20022

var specSchema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "user_name", Type: provider.TypeString, Description: "login user on the servers; in the docker group, or with sudo without password"},
	{Name: "ssh_port", Type: provider.TypeInt, Default: DefaultSSHPort, Description: "the servers' sshd port"},
	{Name: "network_if", Type: provider.TypeString, Description: "interface whose IPv4 address the node uses as its private IP (default: the address in ip_addresses)"},
}})

var flavors = []provider.Flavor{{Name: "default", Description: "an existing server as it is", Values: map[string]any{}}}

// spec is the decoded onpremises spec.
type spec struct {
	fields.Spec
	UserName  string `json:"user_name"`
	SSHPort   int    `json:"ssh_port"`
	NetworkIF string `json:"network_if"`
}

var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)
var ifRE = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,15}$`)

// Check adds what only existing servers need: a Linux user, a port, and
// one server per node.
func (s *spec) Check(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	switch {
	case s.UserName == "":
		d = append(d, provider.Invalid("user_name is required").On(prefix+".user_name").
			Because("the login user on the servers, e.g. \"ubuntu\"; it must be in the docker group or may sudo without a password"))
	case !userRE.MatchString(s.UserName):
		d = append(d, provider.Invalid("%q is not a Linux user name", s.UserName).On(prefix+".user_name").
			Because("a Linux login name: lower-case letters, digits, _ . -"))
	}
	if s.SSHPort < 1 || s.SSHPort > 65535 {
		d = append(d, provider.Invalid("%d is not a TCP port", s.SSHPort).On(prefix+".ssh_port"))
	}
	if s.NetworkIF != "" && !ifRE.MatchString(s.NetworkIF) {
		d = append(d, provider.Invalid("%q is not an interface name", s.NetworkIF).On(prefix+".network_if"))
	}
	if len(s.IPAddresses) == 0 {
		d = append(d, provider.Invalid("ip_addresses is required").On(prefix+".ip_addresses").
			Because("one existing server per node: the addresses the controller reaches them at over SSH"))
	}
	return d
}

// catalog is an onpremises catalog entry: the common keys only. Fixed IPs
// (the servers) must lie in its private_network_ipmask when it sets one.
type catalog struct {
	fields.Network
}

var docs = decode.Docs[catalog, spec]{CatalogSchema: provider.CommonCatalogAttributes(), SpecSchema: specSchema}
