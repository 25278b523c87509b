// Package tags puts the controller's and the node's ids on everything a
// plugin makes (instances, disks, NICs, ports, containers), in one
// spelling per cloud style, and reads them back.
package tags

import (
	"maps"
	"strconv"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// Keys besides provider.TagControllerID and provider.TagNodeID, for
// people looking at the cloud's console.
const (
	TagVCID   = "vcc:vcid"
	TagUnit   = "vcc:unit"
	TagNodeNo = "vcc:node_no"
)

// For returns the tags of a resource made for node: the user's tags, then
// the vcc ones (which the user cannot override; fields.Spec refuses vcc:
// keys). Empty ids are left out.
func For(env provider.CallEnv, node provider.NodeRef, user map[string]string) map[string]string {
	out := make(map[string]string, len(user)+5)
	maps.Copy(out, user)
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set(provider.TagControllerID, env.ControllerID)
	set(provider.TagNodeID, node.NodeID)
	set(TagVCID, node.VCID)
	set(TagUnit, node.UnitName)
	if node.NodeNo > 0 {
		out[TagNodeNo] = strconv.Itoa(node.NodeNo)
	}
	return out
}

// Dotted rewrites vcc: keys as vcc. keys, for systems whose keys allow no
// colon (Docker labels by convention, GCE labels, OCI defined tags).
func Dotted(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, "vcc:"); ok {
			k = "vcc." + rest
		}
		out[k] = v
	}
	return out
}

// NodeID reads the node id from tags in either spelling; "" when absent.
func NodeID(m map[string]string) string { return get(m, provider.TagNodeID) }

// ControllerID reads the controller id from tags in either spelling.
func ControllerID(m map[string]string) string { return get(m, provider.TagControllerID) }

// Owned reports whether tags mark a resource of this controller.
func Owned(m map[string]string, controllerID string) bool {
	return controllerID != "" && ControllerID(m) == controllerID
}

func get(m map[string]string, key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return m["vcc."+strings.TrimPrefix(key, "vcc:")]
}
