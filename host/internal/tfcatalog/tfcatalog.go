// Package tfcatalog turns `terraform output -json` of aws/vpn.tf into a
// vpn_catalog.yml entry.
package tfcatalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Required and Optional are the outputs the catalog entry is made of.
var (
	Required = []string{"aws_region", "aws_vpc_subnet_id", "aws_vpc_security_group_id"}
	Optional = []string{"aws_availability_zone", "private_network_ipmask"}
)

type output struct {
	Sensitive bool `json:"sensitive"`
	Value     any  `json:"value"`
}

// FromOutput renders the entry `provider: {entry: {...}}` as YAML. Sensitive
// outputs are never copied; missing required outputs are an error naming
// them.
func FromOutput(raw []byte, provider, entry string) (string, error) {
	var outs map[string]output
	if err := json.Unmarshal(raw, &outs); err != nil {
		return "", fmt.Errorf("not the JSON of `terraform output -json`: %w", err)
	}
	values := map[string]string{}
	var missing []string
	for _, name := range append(append([]string{}, Required...), Optional...) {
		o, ok := outs[name]
		s, isString := o.Value.(string)
		switch {
		case !ok || o.Sensitive || !isString || s == "":
			if contains(Required, name) {
				missing = append(missing, name)
			}
		default:
			values[name] = s
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("the terraform output lacks %s (was it made by aws/vpn.tf and applied?)", strings.Join(missing, ", "))
	}
	doc := map[string]map[string]map[string]string{provider: {entry: values}}
	out, err := yaml.Marshal(doc)
	return string(out), err
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
