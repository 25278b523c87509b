package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vccproject/vcc/proto/provider"
)

// IPPool is the fixed IPs the host hands out on one catalog entry's
// network, for a provider whose networks have no DHCP. The provider names
// the file (Info.IPPoolFile); the format is upstream's:
// ENTRY: {prefix_len: 24, ip_addresses: [...]}.
type IPPool struct {
	// File is the pool file's path, Line the entry's line in it.
	File string
	Line int
	// Entry is the catalog entry whose nodes draw from the pool, of any
	// of Providers (the providers naming this file).
	Entry     string
	Providers []string
	PrefixLen int
	// Addresses are handed out in this order.
	Addresses []netip.Addr
}

// Key names the pool in the store: file name and entry. Providers that
// share a file share its pools, so no address goes out twice.
func (p *IPPool) Key() string { return PoolKey(filepath.Base(p.File), p.Entry) }

// PoolKey is the key of entry's pool in the pool file named file.
func PoolKey(file, entry string) string { return file + "/" + entry }

// Name is how people see the pool: provider/entry (file).
func (p *IPPool) Name() string {
	return fmt.Sprintf("%s/%s (%s)", strings.Join(p.Providers, ","), p.Entry, filepath.Base(p.File))
}

// Has reports whether a is one of the pool's addresses.
func (p *IPPool) Has(a netip.Addr) bool {
	for _, have := range p.Addresses {
		if have == a {
			return true
		}
	}
	return false
}

// IPPools are the pools in force.
type IPPools struct {
	pools map[string]*IPPool // Key -> pool
}

// Pool returns the pool of entry in the pool file named file, nil when
// there is none.
func (ps *IPPools) Pool(file, entry string) *IPPool {
	if ps == nil {
		return nil
	}
	return ps.pools[PoolKey(file, entry)]
}

// All lists the pools by key.
func (ps *IPPools) All() []*IPPool {
	if ps == nil {
		return nil
	}
	out := make([]*IPPool, 0, len(ps.pools))
	for _, k := range sortedKeys(ps.pools) {
		out = append(out, ps.pools[k])
	}
	return out
}

// LoadIPPools reads the pool file of every provider in infos that names
// one (from dir) and checks it against the catalog: every entry names a
// catalog entry of such a provider; prefix_len is 8 to 30; addresses are
// distinct IPv4 addresses in the network of the first one (of that
// prefix_len) and inside the catalog entry's private_network_ipmask when
// it has one. A catalog entry without a pool, a missing file, or a file
// name that is not a plain name is a warning: its units get no addresses.
func LoadIPPools(dir string, cat *Catalog, infos map[string]*provider.Info) (*IPPools, Problems) {
	ps := &IPPools{pools: map[string]*IPPool{}}
	var probs Problems
	byFile := map[string][]string{}
	for _, prov := range sortedKeys(infos) {
		f := infos[prov].IPPoolFile
		if f == "" {
			continue
		}
		if filepath.Base(f) != f || f == "." || f == ".." || (!strings.HasSuffix(f, ".yml") && !strings.HasSuffix(f, ".yaml")) {
			probs = append(probs, Problem{File: "plugin " + prov, Provider: prov, Warning: true,
				Message: fmt.Sprintf("declares the IP pool file %q, which is not a plain .yml file name in the config dir; its units cannot get addresses until the plugin is fixed", f)})
			continue
		}
		byFile[f] = append(byFile[f], normalize(prov))
	}
	for _, f := range sortedKeys(byFile) {
		pools, named, fprobs := loadPoolFile(filepath.Join(dir, f), byFile[f], cat)
		probs = append(probs, fprobs...)
		for _, p := range pools {
			ps.pools[p.Key()] = p
		}
		probs = append(probs, missingPools(filepath.Join(dir, f), byFile[f], cat, named)...)
	}
	return ps, probs
}

// missingPools warns of the catalog entries of provs that the pool file
// does not name.
func missingPools(path string, provs []string, cat *Catalog, named map[string]bool) Problems {
	var probs Problems
	for _, prov := range provs {
		for _, name := range cat.Names(prov) {
			if named[name] {
				continue
			}
			e, _ := cat.Lookup(prov, name)
			probs = append(probs, Problem{File: e.File, Line: e.Line, Provider: prov, Entry: name, Warning: true,
				Message: fmt.Sprintf("has no IP pool in %s, so its units cannot get addresses; add `%s: {prefix_len: 24, ip_addresses: [...]}` there", path, name)})
		}
	}
	return probs
}

// loadPoolFile parses one pool file: the usable pools and every entry
// named, usable or not. A missing file is no pools.
func loadPoolFile(path string, provs []string, cat *Catalog) (map[string]*IPPool, map[string]bool, Problems) {
	named := map[string]bool{}
	raw, err := readFile(path)
	if err != nil {
		probs, _ := err.(Problems)
		return nil, named, probs
	}
	if raw == nil {
		return nil, named, nil
	}
	top, err := topMapping(path, raw, "catalog entry names to {prefix_len, ip_addresses}")
	if top == nil {
		probs, _ := err.(Problems)
		return nil, named, probs
	}
	pools := map[string]*IPPool{}
	var probs Problems
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, body := top.Content[i], top.Content[i+1]
		if i/2 == MaxEntries {
			return nil, named, Problems{{File: path, Line: name.Line, Entry: name.Value,
				Message: fmt.Sprintf("more than %d pools in one file, the most allowed: remove the pools of entries no unit uses", MaxEntries)}}
		}
		named[name.Value] = true
		p, pprobs := parsePool(path, provs, cat, name, body)
		probs = append(probs, pprobs...)
		if p != nil {
			pools[p.Entry] = p
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return pools, named, probs
}

// parsePool checks one ENTRY: {prefix_len, ip_addresses} block. It
// returns the pool unless the block is unusable as a whole; bad
// addresses are left out and reported.
func parsePool(path string, provs []string, cat *Catalog, name, body *yaml.Node) (*IPPool, Problems) {
	p := &IPPool{File: path, Line: name.Line, Entry: name.Value}
	var probs Problems
	bad := func(line int, key, format string, args ...any) {
		probs = append(probs, Problem{File: path, Line: line, Provider: provs[0], Entry: p.Entry, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	var mask netip.Prefix
	for _, prov := range provs {
		if e, ok := cat.Lookup(prov, p.Entry); ok {
			p.Providers = append(p.Providers, prov)
			mask = entryMask(e)
		}
	}
	if len(p.Providers) == 0 {
		bad(name.Line, "", "names no catalog entry of %s (entries: %s); add the entry to %s or remove the pool",
			strings.Join(provs, ", "), strings.Join(entryNames(cat, provs), ", "), CatalogFile)
		return nil, probs
	}
	if body.Kind != yaml.MappingNode {
		bad(body.Line, "", "must be a mapping with prefix_len and ip_addresses")
		return nil, probs
	}
	var addrNodes []*yaml.Node
	prefixLine := name.Line
	for j := 0; j+1 < len(body.Content); j += 2 {
		k, v := body.Content[j], body.Content[j+1]
		switch k.Value {
		case "prefix_len":
			prefixLine = k.Line
			if err := v.Decode(&p.PrefixLen); err != nil || p.PrefixLen < 8 || p.PrefixLen > 30 {
				bad(k.Line, "prefix_len", "must be a whole number from 8 to 30, got %s", excerpt(v.Value))
				p.PrefixLen = -1
			}
		case "ip_addresses":
			if v.Kind != yaml.SequenceNode {
				bad(k.Line, "ip_addresses", "must be a list of IPv4 addresses")
				continue
			}
			addrNodes = v.Content
		default:
			bad(k.Line, k.Value, "unknown key (known: prefix_len, ip_addresses)")
		}
	}
	if p.PrefixLen == 0 {
		bad(prefixLine, "prefix_len", "is missing")
	}
	if p.PrefixLen <= 0 {
		return nil, probs
	}
	p.Addresses = poolAddresses(p, addrNodes, mask, bad)
	return p, probs
}

// poolAddresses checks the listed addresses, keeping the good ones.
func poolAddresses(p *IPPool, nodes []*yaml.Node, mask netip.Prefix, bad func(int, string, string, ...any)) []netip.Addr {
	var network netip.Prefix
	var out []netip.Addr
	seen := map[netip.Addr]int{}
	for idx, n := range nodes {
		key := fmt.Sprintf("ip_addresses[%d]", idx)
		a, err := netip.ParseAddr(n.Value)
		if err != nil || !a.Is4() {
			bad(n.Line, key, "%s is not an IPv4 address", excerpt(n.Value))
			continue
		}
		if !network.IsValid() {
			network, _ = a.Prefix(p.PrefixLen)
		}
		switch prev, dup := seen[a]; {
		case !network.Contains(a):
			bad(n.Line, key, "%s is outside %s (prefix_len %d)", a, network, p.PrefixLen)
		case mask.IsValid() && !mask.Contains(a):
			bad(n.Line, key, "%s is outside the catalog entry's private_network_ipmask %s", a, mask)
		case dup:
			bad(n.Line, key, "%s is already ip_addresses[%d]", a, prev)
		default:
			seen[a] = idx
			out = append(out, a)
		}
	}
	return out
}

// entryMask is the entry's private_network_ipmask, a common catalog
// field; invalid when unset or malformed (the plugin reports that).
func entryMask(e *Entry) netip.Prefix {
	var v struct {
		Mask string `json:"private_network_ipmask"`
	}
	if err := json.Unmarshal(e.Values, &v); err != nil || v.Mask == "" {
		return netip.Prefix{}
	}
	m, err := netip.ParsePrefix(v.Mask)
	if err != nil {
		return netip.Prefix{}
	}
	return m.Masked()
}

func entryNames(cat *Catalog, provs []string) []string {
	var out []string
	for _, prov := range provs {
		out = append(out, cat.Names(prov)...)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
