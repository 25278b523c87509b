package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vccproject/vcc/proto/provider"
)

// State of a supervised plugin.
type State string

const (
	StateStarting State = "starting"
	StateRunning  State = "running"
	StateCrashed  State = "crashed" // waiting to be restarted
	StateRefused  State = "refused" // will not run until fixed
	StateStopped  State = "stopped"
	StateRemoved  State = "removed" // its file went; stopped by a rescan
)

// instance supervises the processes of one plugin: one at a time, a new
// one after each crash. gen counts processes; it is the canary that makes
// many calls failing together restart the plugin once.
type instance struct {
	name string // never changes, so read without mu
	m    *Manager

	mu        sync.Mutex
	cand      Candidate // the file in use; a rescan's upgrade replaces it
	proc      *process
	info      *provider.Info // from the last good start; kept across crashes
	gen       uint64
	state     State
	crashes   int // process deaths since the host started
	failures  int // consecutive failed starts or crashes, drives backoff
	lastErr   error
	startedAt time.Time
	ready     chan struct{} // closed when the current start attempt ends
	// note says what a rescan last did to this plugin (added,
	// upgraded); problem what the last rescan found wrong and left as it
	// was (a changed binary refused, a removed file kept). See Rescan.
	note, problem string
}

func newInstance(c Candidate, m *Manager) *instance {
	return &instance{name: c.Name, cand: c, m: m, state: StateStarting, ready: make(chan struct{})}
}

// start runs one start attempt. Invariant: ready is open exactly while a
// start attempt is pending, so callers wait through a restart.
func (i *instance) start(ctx context.Context) {
	i.mu.Lock()
	cand := i.cand
	i.mu.Unlock()
	p, err := launch(ctx, cand, i.m.launchOpts())
	i.mu.Lock()
	defer i.mu.Unlock()
	// Stopped meanwhile, or a rescan's upgrade put a process in place
	// while this restart was pending: this one is not wanted.
	if i.state == StateStopped || i.state == StateRunning {
		if p != nil {
			go p.kill()
		}
		return
	}
	if err != nil {
		i.lastErr = err
		var refused *RefusedError
		if errors.As(err, &refused) {
			i.state = StateRefused
			i.m.logger.Error("plugin refused", "plugin", i.name, "path", cand.Path, "reason", refused.Reason, "fix", refused.Fix)
			close(i.ready)
			return
		}
		i.state = StateCrashed
		i.failures++
		i.m.logger.Error("plugin failed to start", "plugin", i.name, "error", err)
		i.restartLocked()
		return
	}
	i.proc, i.info, i.state, i.lastErr = p, p.info, StateRunning, nil
	i.gen++
	i.startedAt = time.Now()
	gen := i.gen
	close(i.ready)
	i.m.logger.Info("plugin running", "plugin", p.info.Name, "version", p.info.Version, "pid", p.pid)
	go i.watch(p, gen)
}

// watch reports the death of process gen.
func (i *instance) watch(p *process, gen uint64) {
	<-p.prov.Done()
	i.exited(gen, errors.New("plugin process exited"))
}

// exited handles the death of process gen. Only the first report of a
// generation acts; later ones (other failing calls) find gen moved on.
func (i *instance) exited(gen uint64, cause error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if gen != i.gen || i.state != StateRunning {
		return
	}
	i.crashes++
	if time.Since(i.startedAt) > i.m.cfg.StableAfter {
		i.failures = 0 // it ran long enough: restart at once
	}
	i.failures++
	i.state, i.lastErr = StateCrashed, cause
	i.ready = make(chan struct{})
	proc := i.proc
	i.proc = nil
	go proc.kill() // reap it and sweep its process group
	i.m.logger.Error("plugin crashed", "plugin", i.name, "crashes", i.crashes, "error", cause)
	i.restartLocked()
}

// restartLocked schedules the next start after a backoff that doubles with
// each consecutive failure up to MaxBackoff, or, when not supervising,
// settles the crash.
func (i *instance) restartLocked() {
	if !i.m.cfg.Supervise {
		close(i.ready)
		return
	}
	delay := min(i.m.cfg.RestartBackoff<<min(i.failures-1, 16), i.m.cfg.MaxBackoff)
	i.m.logger.Info("restarting plugin", "plugin", i.name, "in", delay)
	time.AfterFunc(delay, func() { i.start(context.Background()) })
}

// acquire waits until the plugin runs and returns its process, counted
// as in use until the caller's proc.calls.Done (an upgrade retires the
// old process only when its calls are over).
func (i *instance) acquire(ctx context.Context) (*process, uint64, error) {
	for {
		i.mu.Lock()
		state, proc, gen, ready, lastErr := i.state, i.proc, i.gen, i.ready, i.lastErr
		if state == StateRunning {
			proc.calls.Add(1)
		}
		i.mu.Unlock()
		switch state {
		case StateRunning:
			return proc, gen, nil
		case StateRefused, StateStopped:
			return nil, 0, fmt.Errorf("provider %q is not available (%s): %w", i.name, state, lastErr)
		case StateCrashed:
			if isClosed(ready) {
				return nil, 0, fmt.Errorf("provider %q is not running: %w", i.name, lastErr)
			}
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("provider %q: waiting for the plugin to (re)start: %w", i.name, ctx.Err())
		}
	}
}

// call runs fn against the plugin. When the plugin dies during the call,
// it is restarted, and fn is run once more if the operation is safe to
// repeat (idempotent by the protocol's contract).
func (i *instance) call(ctx context.Context, op string, safe bool, fn func(provider.Provider) error) error {
	for attempt := 0; ; attempt++ {
		proc, gen, err := i.acquire(ctx)
		if err != nil {
			return err
		}
		err = fn(proc.prov)
		proc.calls.Done()
		if err == nil {
			return nil
		}
		if !i.died(ctx, proc, err) {
			return fmt.Errorf("provider %q: %s: %w", i.name, op, err)
		}
		i.exited(gen, fmt.Errorf("died during %s: %w", op, err))
		if !safe || attempt > 0 {
			why := "it is not safe to repeat"
			if safe {
				why = "it crashed again on the retry"
			}
			return fmt.Errorf("provider %q crashed during %s, not retried because %s: %w", i.name, op, why, err)
		}
		i.m.logger.Warn("retrying call after plugin crash", "plugin", i.name, "op", op)
	}
}

// died tells a dead plugin from an ordinary failed call: a transport error
// while the process is (about to be seen) gone.
func (i *instance) died(ctx context.Context, proc *process, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.Canceled, codes.Internal:
	default:
		return false
	}
	select {
	case <-proc.prov.Done():
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

func (i *instance) stop() {
	if proc := i.detach(); proc != nil {
		proc.kill()
	}
}

// detach marks the instance stopped, wakes callers waiting for it to be
// ready and hands back its process (nil if none) for the caller to end.
func (i *instance) detach() *process {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.state = StateStopped
	proc := i.proc
	i.proc = nil
	if !isClosed(i.ready) {
		close(i.ready)
	}
	return proc
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
