package oracle

import (
	"strings"

	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// states maps OCI's instance lifecycle states onto the protocol's (a
// TERMINATED instance is gone: OCI only keeps listing it for a while).
var states = map[core.InstanceLifecycleStateEnum]provider.InstanceState{
	core.InstanceLifecycleStateProvisioning:  provider.InstancePending,
	core.InstanceLifecycleStateStarting:      provider.InstancePending,
	core.InstanceLifecycleStateMoving:        provider.InstancePending,
	core.InstanceLifecycleStateRunning:       provider.InstanceRunning,
	core.InstanceLifecycleStateCreatingImage: provider.InstanceRunning,
	core.InstanceLifecycleStateStopping:      provider.InstanceStopping,
	core.InstanceLifecycleStateStopped:       provider.InstanceStopped,
	core.InstanceLifecycleStateTerminating:   provider.InstanceTerminating,
	core.InstanceLifecycleStateTerminated:    provider.InstanceNotFound,
}

// preemptedReason is what a node reclaimed by OCI reports.
const preemptedReason = "OCI preempted the instance: it reclaimed the preemptible capacity and terminated it"

// statusOf reports an instance; addr is its private address if known.
func (p *Provider) statusOf(in core.Instance, addr string) provider.NodeStatus {
	id := deref(in.Id)
	st := provider.NodeStatus{NodeID: tags.NodeID(in.FreeformTags), CloudInstanceID: id, CloudInstanceName: deref(in.DisplayName),
		CloudInstanceAddress: addr, Tags: undotted(in.FreeformTags)}
	st.State, st.StateReason = p.stateOf(id, in.LifecycleState, in.PreemptibleInstanceConfig != nil)
	return st
}

// stateOf maps a state. A preemptible instance terminating or terminated
// that this plugin did not terminate was preempted: an error with the
// reason, which makes its node HOST_ERROR (and replaced with auto_replace).
// A state this plugin does not know is an error with OCI's word for it.
func (p *Provider) stateOf(id string, s core.InstanceLifecycleStateEnum, preemptible bool) (provider.InstanceState, string) {
	if preemptible && (s == core.InstanceLifecycleStateTerminating || s == core.InstanceLifecycleStateTerminated) && !p.terminated.has(id) {
		return provider.InstanceError, preemptedReason
	}
	if st, ok := states[s]; ok {
		return st, ""
	}
	return provider.InstanceError, "OCI reports lifecycle state " + string(s)
}

// undotted reports the tags with vcc's own keys as the protocol spells
// them (vcc:node_id); they are stored dotted (vcc.node_id), as freeform
// tag keys of OCI are safest without a colon.
func undotted(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, "vcc."); ok {
			k = "vcc:" + rest
		}
		out[k] = v
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
