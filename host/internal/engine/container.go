package engine

import (
	"context"
	"errors"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// containerDown says whether st shows a Base container that cannot come
// up by itself: exited, or restarting after a crash.
func containerDown(st *provider.NodeStatus) bool {
	return st != nil && (st.BaseContainer == provider.ContainerExited || st.BaseContainer == provider.ContainerRestarting)
}

// errContainerDown carries the status that showed the container down.
type errContainerDown struct{ st provider.NodeStatus }

func (e *errContainerDown) Error() string { return containerReason(&e.st) }

func containerReason(st *provider.NodeStatus) string {
	what := "the Base container " + st.BaseContainer
	if st.BaseContainer == provider.ContainerRestarting {
		what = "the Base container is crash-looping (restarting)"
	}
	if st.StateReason != "" {
		what += ": " + st.StateReason
	}
	return what
}

// containerFailed records the node CONTAINER_ERROR with the container's
// state and reason, and fails its step.
func (e *Engine) containerFailed(t *target, st *provider.NodeStatus) error {
	reason := containerReason(st)
	if err := e.record(t.node.NodeID, st, model.NodeContainerError, func(n *model.Node) { n.SetError(model.SourceOperation, reason) }); err != nil {
		return err
	}
	return errors.New(reason)
}

// watchContainer follows the node through its unit's poller (one
// describe per tick for all the unit's waiting nodes) until ctx ends, and
// stops the wait (stop, with an errContainerDown) when its Base container
// is down: a container that exits or crash-loops is told in seconds, not
// at the join timeout.
func (e *Engine) watchContainer(ctx context.Context, t *target, stop context.CancelCauseFunc) {
	for {
		st, err := e.observe(ctx, t)
		if err != nil {
			return // ctx ended
		}
		if containerDown(&st) {
			stop(&errContainerDown{st})
			return
		}
	}
}
