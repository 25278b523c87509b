package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"sort"

	"gopkg.in/yaml.v3"
)

// SakuraFile is the IP pools of Sakura Cloud networks, which have no DHCP:
// entry name (as in the catalog) -> prefix_len and ip_addresses.
const SakuraFile = "sakura_config.yml"

// SakuraPool is the addresses the controller hands out on one network.
type SakuraPool struct {
	PrefixLen   int
	IPAddresses []netip.Addr
}

// LoadSakura reads and checks the pools: prefix_len between 8 and 30,
// distinct IPv4 addresses, all in one network of that length (the one of
// the catalog entry's sakura_private_subnet_gateway_ip when it names one,
// else the first address's). A missing file is no pools.
func LoadSakura(path string, cat *Catalog) (map[string]SakuraPool, Problems) {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	top, err := topMapping(path, raw, "network names to {prefix_len, ip_addresses}")
	if top == nil {
		probs, _ := err.(Problems)
		return nil, probs
	}
	pools := map[string]SakuraPool{}
	var probs Problems
	bad := func(line int, entry, key, format string, args ...any) {
		probs = append(probs, Problem{File: path, Line: line, Provider: "sakura", Entry: entry, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, body := top.Content[i].Value, top.Content[i+1]
		if body.Kind != yaml.MappingNode {
			bad(body.Line, name, "", "must be a mapping with prefix_len and ip_addresses")
			continue
		}
		var pool SakuraPool
		var addrNodes []*yaml.Node
		prefixLine := body.Line
		for j := 0; j+1 < len(body.Content); j += 2 {
			k, v := body.Content[j], body.Content[j+1]
			switch k.Value {
			case "prefix_len":
				prefixLine = k.Line
				if err := v.Decode(&pool.PrefixLen); err != nil || pool.PrefixLen < 8 || pool.PrefixLen > 30 {
					bad(k.Line, name, "prefix_len", "must be a whole number from 8 to 30, got %q", v.Value)
				}
			case "ip_addresses":
				if v.Kind != yaml.SequenceNode {
					bad(k.Line, name, "ip_addresses", "must be a list of IPv4 addresses")
					continue
				}
				addrNodes = v.Content
			default:
				bad(k.Line, name, k.Value, "unknown key (known: prefix_len, ip_addresses)")
			}
		}
		if pool.PrefixLen == 0 {
			bad(prefixLine, name, "prefix_len", "is missing")
			continue
		}
		var network netip.Prefix
		if e, ok := cat.Lookup("sakura", name); ok {
			var gw struct {
				Gateway string `json:"sakura_private_subnet_gateway_ip"`
			}
			if err := json.Unmarshal(e.Values, &gw); err == nil && gw.Gateway != "" {
				if a, err := netip.ParseAddr(gw.Gateway); err == nil {
					network, _ = a.Prefix(pool.PrefixLen)
				}
			}
		}
		seen := map[netip.Addr]int{}
		for idx, n := range addrNodes {
			key := fmt.Sprintf("ip_addresses[%d]", idx)
			a, err := netip.ParseAddr(n.Value)
			if err != nil || !a.Is4() {
				bad(n.Line, name, key, "%q is not an IPv4 address", n.Value)
				continue
			}
			if !network.IsValid() {
				network, _ = a.Prefix(pool.PrefixLen)
			}
			if !network.Contains(a) {
				bad(n.Line, name, key, "%s is outside %s (prefix_len %d)", a, network, pool.PrefixLen)
				continue
			}
			if prev, dup := seen[a]; dup {
				bad(n.Line, name, key, "%s is already ip_addresses[%d]", a, prev)
				continue
			}
			seen[a] = idx
			pool.IPAddresses = append(pool.IPAddresses, a)
		}
		pools[name] = pool
	}
	sort.Slice(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return pools, probs
}
