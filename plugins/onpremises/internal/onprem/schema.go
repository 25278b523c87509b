package onprem

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"

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

// spec is the decoded onpremises part of a unit spec.
type spec struct {
	UserName    string   `json:"user_name"`
	SSHPort     int      `json:"ssh_port"`
	NetworkIF   string   `json:"network_if"`
	IPAddresses []string `json:"ip_addresses"`
}

var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)
var ifRE = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,15}$`)

// validate checks a spec without contacting anything.
func validate(raw json.RawMessage) (spec, provider.Diagnostics) {
	diags := specSchema.Validate(raw, "spec")
	s := spec{SSHPort: DefaultSSHPort}
	if diags.HasError() {
		return s, diags
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, append(diags, provider.Errorf("spec", "%v", err))
	}
	if s.SSHPort == 0 {
		s.SSHPort = DefaultSSHPort
	}
	switch {
	case s.UserName == "":
		diags = append(diags, provider.Diagnostic{Severity: provider.SeverityError, Field: "spec.user_name",
			Summary: "user_name is required", Detail: "the login user on the servers, e.g. \"ubuntu\"; it must be in the docker group or may sudo without a password"})
	case !userRE.MatchString(s.UserName):
		diags = append(diags, provider.Errorf("spec.user_name", "%q is not a Linux user name", s.UserName))
	}
	if s.SSHPort < 1 || s.SSHPort > 65535 {
		diags = append(diags, provider.Errorf("spec.ssh_port", "%d is not a TCP port", s.SSHPort))
	}
	if s.NetworkIF != "" && !ifRE.MatchString(s.NetworkIF) {
		diags = append(diags, provider.Errorf("spec.network_if", "%q is not an interface name", s.NetworkIF))
	}
	if len(s.IPAddresses) == 0 {
		diags = append(diags, provider.Diagnostic{Severity: provider.SeverityError, Field: "spec.ip_addresses",
			Summary: "ip_addresses is required", Detail: "one existing server per node: the addresses the controller reaches them at over SSH"})
	}
	seen := map[string]int{}
	for i, ip := range s.IPAddresses {
		f := fmt.Sprintf("spec.ip_addresses[%d]", i)
		if net.ParseIP(ip) == nil {
			diags = append(diags, provider.Errorf(f, "%q is not an IP address", ip))
		} else if j, dup := seen[ip]; dup {
			diags = append(diags, provider.Errorf(f, "%s is also ip_addresses[%d]; one node per server", ip, j))
		}
		seen[ip] = i
	}
	return s, diags
}
