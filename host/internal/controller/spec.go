package controller

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// resolved is a unit spec after flavor and defaults.
type resolved struct {
	spec         map[string]json.RawMessage
	numNodes     int
	ips          []string
	catalogEntry string
	// countField is where the count came from: num_nodes, or num_disks
	// for a disk provider (upstream's storage spec).
	countField string
}

// countField is the spec field that counts a unit's nodes.
func countField(info *provider.Info) string {
	if info.Has(provider.CapDisks) {
		return "num_disks"
	}
	return "num_nodes"
}

// resolveSpec checks the user's spec against the provider's schema, then
// lays it over the flavor's values and the schema's defaults. A fixed-IP
// list sets the node count.
func resolveSpec(info *provider.Info, flavorName string, flavors map[string]json.RawMessage, user map[string]json.RawMessage) (*resolved, error) {
	if info.Has(provider.CapDisks) {
		asked := map[string]bool{}
		for k := range user {
			asked["spec."+k] = true
		}
		if err := refuseAddresses(asked); err != nil {
			return nil, err
		}
		if _, ok := user["num_nodes"]; ok {
			return nil, invalid("num_nodes in a storage spec", FieldError{Field: "spec.num_nodes",
				Message: fmt.Sprintf("a storage unit counts its disks: use num_disks (provider %s)", info.Name)})
		}
	}
	userRaw, _ := json.Marshal(user)
	if diags := info.SpecSchema.Validate(userRaw, "spec"); diags.HasError() {
		return nil, invalid("the spec does not fit provider "+info.Name, fromDiags(diags)...)
	}
	merged := map[string]json.RawMessage{}
	defaults, _ := info.SpecSchema.WithDefaults(json.RawMessage(`{}`))
	_ = json.Unmarshal(defaults, &merged)
	if flavorName != "" {
		fl, ok := flavors[flavorName]
		if !ok {
			names := make([]string, 0, len(flavors))
			for n := range flavors {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, invalid("unknown flavor", FieldError{Field: "flavor",
				Message: fmt.Sprintf("provider %s has no flavor %q (flavors: %s)", info.Name, flavorName, strings.Join(names, ", "))})
		}
		var fv map[string]json.RawMessage
		_ = json.Unmarshal(fl, &fv)
		for k, v := range fv {
			merged[k] = v
		}
	}
	for k, v := range user {
		merged[k] = v
	}
	r := &resolved{spec: merged, numNodes: 1, catalogEntry: "default", countField: countField(info)}
	// The schema checked these; a value that still does not decode (a
	// flavor's, say) is refused rather than replaced by the default.
	for field, dst := range map[string]any{r.countField: &r.numNodes, "private_network": &r.catalogEntry} {
		if v, ok := merged[field]; ok && !isNullJSON(v) {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, invalid("bad "+field, FieldError{Field: "spec." + field, Message: err.Error()})
			}
		}
	}
	_ = json.Unmarshal(user["ip_addresses"], &r.ips)
	if len(r.ips) > 0 {
		if _, set := user["num_nodes"]; set && r.numNodes != len(r.ips) {
			return nil, invalid("num_nodes and ip_addresses disagree", FieldError{Field: "spec.num_nodes",
				Message: fmt.Sprintf("num_nodes is %d but %d ip_addresses are given; one node is made per address, so drop num_nodes or make them agree", r.numNodes, len(r.ips))})
		}
		if err := checkIPs(r.ips, "spec.ip_addresses"); err != nil {
			return nil, err
		}
		r.numNodes = len(r.ips)
		r.spec["num_nodes"], _ = json.Marshal(r.numNodes)
	}
	return r, nil
}

// checkIPs refuses malformed and repeated addresses.
func checkIPs(ips []string, field string) error {
	seen := map[string]int{}
	var errs []FieldError
	for i, ip := range ips {
		f := fmt.Sprintf("%s[%d]", field, i)
		if _, err := netip.ParseAddr(ip); err != nil {
			errs = append(errs, FieldError{Field: f, Message: fmt.Sprintf("%q is not an IP address", ip)})
			continue
		}
		if j, dup := seen[ip]; dup {
			errs = append(errs, FieldError{Field: f, Message: fmt.Sprintf("%s is already at index %d", ip, j)})
		}
		seen[ip] = i
	}
	if len(errs) > 0 {
		return invalid("bad fixed IP addresses", errs...)
	}
	return nil
}

func isNullJSON(v json.RawMessage) bool { return strings.TrimSpace(string(v)) == "null" }

func (r *resolved) json() json.RawMessage {
	raw, _ := json.Marshal(r.spec)
	return raw
}
