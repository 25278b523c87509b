package fields

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// Spec is the common part of a unit spec (provider.CommonSpecAttributes).
type Spec struct {
	NumNodes        int               `json:"num_nodes"`
	Image           string            `json:"image"`
	ParamsV         []string          `json:"params_v"`
	ParamsE         []string          `json:"params_e"`
	IPAddresses     []string          `json:"ip_addresses"`
	MACAddresses    []string          `json:"mac_addresses"`
	Tags            map[string]string `json:"tags"`
	CloudImage      string            `json:"cloud_image"`
	Disks           []string          `json:"disks"`
	PrivateNetwork  string            `json:"private_network"`
	UserInitCommand string            `json:"user_init_command"`
	AutoReplace     bool              `json:"auto_replace"`
}

// Limits of the common fields.
const (
	// MaxUserInitCommand bounds user_init_command: it travels in the
	// node's user data, which clouds cap (16 KiB on EC2 before encoding).
	MaxUserInitCommand = 12 << 10
	MaxTags            = 40
	MaxTagKey          = 128
	MaxTagValue        = 256
)

var (
	envRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	imageRE = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$`)
)

// CheckCommon checks the common spec fields on their own.
func (s *Spec) CheckCommon(prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	at := func(field string) string { return prefix + "." + field }
	if s.NumNodes < 0 {
		d = append(d, provider.Invalid("must not be negative, got %d", s.NumNodes).On(at("num_nodes")))
	}
	if len(s.IPAddresses) > 0 && s.NumNodes != len(s.IPAddresses) {
		d = append(d, provider.Invalid("num_nodes is %d but %d ip_addresses are given", s.NumNodes, len(s.IPAddresses)).On(at("num_nodes")).
			Because("one node is made per fixed IP: drop num_nodes or make them agree"))
	}
	d = append(d, distinct(s.IPAddresses, at("ip_addresses"), func(v string) (string, error) {
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return "", fmt.Errorf("%q is not an IP address", v)
		}
		return a.String(), nil
	})...)
	if len(s.MACAddresses) > 0 && len(s.MACAddresses) != s.NumNodes {
		d = append(d, provider.Invalid("%d mac_addresses for %d nodes", len(s.MACAddresses), s.NumNodes).On(at("mac_addresses")).
			Because("give one MAC address per node, or none"))
	}
	d = append(d, distinct(s.MACAddresses, at("mac_addresses"), func(v string) (string, error) {
		m, err := net.ParseMAC(v)
		if err != nil || len(m) != 6 {
			return "", fmt.Errorf("%q is not a MAC address like 02:00:00:00:00:01", v)
		}
		return m.String(), nil
	})...)
	d = append(d, distinct(s.Disks, at("disks"), func(v string) (string, error) {
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("an empty volume id")
		}
		return v, nil
	})...)
	d = append(d, checkTags(s.Tags, at("tags"))...)
	for i, v := range s.ParamsV {
		if parts := strings.Split(v, ":"); len(parts) < 2 || len(parts) > 3 || parts[0] == "" || !strings.HasPrefix(parts[1], "/") {
			d = append(d, provider.Invalid("%q is not a volume HOST:CONTAINER[:OPTIONS]", v).On(fmt.Sprintf("%s[%d]", at("params_v"), i)).
				Because("like /data:/data or /data:/data:ro; the container path is absolute"))
		}
	}
	for i, v := range s.ParamsE {
		if !envRE.MatchString(v) {
			d = append(d, provider.Invalid("%q is not KEY=VALUE", v).On(fmt.Sprintf("%s[%d]", at("params_e"), i)).
				Because("the key is letters, digits and _, not starting with a digit"))
		}
	}
	if s.Image != "" && !imageRE.MatchString(s.Image) {
		d = append(d, provider.Invalid("%q is not an image reference", s.Image).On(at("image")).
			Because("like vcc/base:latest or registry.example.org:5000/vcp/base:1.0"))
	}
	if n := len(s.UserInitCommand); n > MaxUserInitCommand {
		d = append(d, provider.Invalid("is %d bytes; at most %d fit in a node's user data", n, MaxUserInitCommand).On(at("user_init_command")).
			Because("put a longer script in the image or fetch it from the command"))
	}
	if c := s.UserInitCommand; strings.HasPrefix(c, "#!") && !strings.HasPrefix(c, "#!/") {
		d = append(d, provider.Invalid("the shebang %q names no absolute interpreter", strings.SplitN(c, "\n", 2)[0]).On(at("user_init_command")).
			Because("start the script with #!/bin/sh or #!/bin/bash, or leave the shebang out"))
	}
	return d
}

// CheckFixedIPs checks the fixed IPs against the catalog entry's network:
// inside the mask, and not its network or broadcast address.
func (s *Spec) CheckFixedIPs(n *Network, prefix string) provider.Diagnostics {
	p := n.Prefix()
	if !p.IsValid() {
		return nil
	}
	var d provider.Diagnostics
	for i, v := range s.IPAddresses {
		a, err := netip.ParseAddr(v)
		if err != nil {
			continue // CheckCommon reports it
		}
		f := fmt.Sprintf("%s.ip_addresses[%d]", prefix, i)
		switch {
		case !p.Contains(a):
			d = append(d, provider.Invalid("%s is not inside %s", a, p).On(f).
				Because("fixed IPs must lie in the catalog entry's private_network_ipmask"))
		case a == p.Addr() || a == broadcast(p):
			d = append(d, provider.Invalid("%s is the network's own %s address", a, map[bool]string{true: "network", false: "broadcast"}[a == p.Addr()]).On(f).
				Because("pick a host address of %s", p))
		}
	}
	return d
}

func broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	bits := p.Bits()
	for i := 0; i < 4; i++ {
		for b := 0; b < 8; b++ {
			if i*8+b >= bits {
				a[i] |= 0x80 >> b
			}
		}
	}
	return netip.AddrFrom4(a)
}

// distinct checks every entry with norm and refuses repeats.
func distinct(l []string, field string, norm func(string) (string, error)) provider.Diagnostics {
	var d provider.Diagnostics
	seen := map[string]int{}
	for i, v := range l {
		f := fmt.Sprintf("%s[%d]", field, i)
		key, err := norm(v)
		if err != nil {
			d = append(d, provider.Invalid("%v", err).On(f))
			continue
		}
		if j, dup := seen[key]; dup {
			d = append(d, provider.Invalid("%s is also %s[%d]", v, field[strings.LastIndex(field, ".")+1:], j).On(f))
			continue
		}
		seen[key] = i
	}
	return d
}

// checkTags refuses what no cloud accepts and the keys vcc reserves.
func checkTags(tags map[string]string, field string) provider.Diagnostics {
	var d provider.Diagnostics
	if len(tags) > MaxTags {
		d = append(d, provider.Invalid("%d tags; at most %d", len(tags), MaxTags).On(field))
	}
	for k, v := range tags {
		f := field + "." + k
		switch {
		case k == "" || len(k) > MaxTagKey:
			d = append(d, provider.Invalid("a tag key must have 1 to %d characters", MaxTagKey).On(f))
		case strings.HasPrefix(strings.ToLower(k), "vcc:") || strings.HasPrefix(strings.ToLower(k), "vcc."):
			d = append(d, provider.Invalid("tag key %q is reserved: the controller sets vcc: tags itself", k).On(f))
		case len(v) > MaxTagValue:
			d = append(d, provider.Invalid("a tag value has at most %d characters, got %d", MaxTagValue, len(v)).On(f))
		}
	}
	return d
}

// SpecFields gives the embedded Spec to generic code (decode.Docs).
func (s *Spec) SpecFields() *Spec { return s }
