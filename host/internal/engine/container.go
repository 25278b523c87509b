package engine

import (
	"context"
	"errors"
	"time"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/proto/provider"
)

// containerCheckEvery is how often a node waiting for its agent is
// described when its plugin can see the Base container (existing
// servers): a container that exits or crash-loops is told in seconds,
// not at the join timeout.
const containerCheckEvery = 3 * time.Second

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

// watchContainer describes the node until ctx ends, and stops the wait
// (stop, with an errContainerDown) when its Base container is down.
func (e *Engine) watchContainer(ctx context.Context, t *target, stop context.CancelCauseFunc) {
	tick := time.NewTicker(containerCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st, err := e.describeOne(ctx, t)
		if err == nil && containerDown(st) {
			stop(&errContainerDown{*st})
			return
		}
	}
}
