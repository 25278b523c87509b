package pluginmgr

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// What a rescan did to one plugin (Change.Action).
const (
	ActionAdded    = "added"    // a new plugin file: started
	ActionUpgraded = "upgraded" // a re-pinned binary: the new process serves, the old one finishes its calls
	ActionRefused  = "refused"  // a new or changed binary that cannot run: the one in service (if any) keeps serving
	ActionRemoved  = "removed"  // its file is gone: stopped
	ActionKept     = "kept"     // its file is gone but units use it: still serving
)

// Change is one thing a rescan did, for the log, `vcc-host init` and
// `vcc-host plugins list`.
type Change struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Detail string `json:"detail"`
}

func (c Change) String() string { return fmt.Sprintf("plugin %s %s: %s", c.Name, c.Action, c.Detail) }

// RescanOptions says what a rescan may do to plugins in use.
type RescanOptions struct {
	// InUse counts the units using provider name. A plugin whose file is
	// gone is stopped only when none does (or with Force): stopping it
	// would strand those units' nodes.
	InUse func(ctx context.Context, name string) (int, error)
	// Force stops removed plugins even while units use them.
	Force bool
	// DrainTimeout bounds how long a replaced or removed process may
	// finish its calls before it is killed; default 10 minutes.
	DrainTimeout time.Duration
}

// Rescan looks at the plugin dirs again and brings the running plugins in
// line: new files start, re-pinned binaries are upgraded between calls
// (their pin checked), files gone stop unless units use them. A binary
// that changed without being re-installed, or is not pinned, is refused
// and the process in service keeps serving. Unchanged plugins are left
// alone. It returns what it did, also logged and shown by Statuses.
func (m *Manager) Rescan(ctx context.Context, opts RescanOptions) []Change {
	m.rescanMu.Lock()
	defer m.rescanMu.Unlock()
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = 10 * time.Minute
	}
	active, shadowed, warnings := m.discover()
	m.mu.Lock()
	current := map[string]*instance{}
	for _, inst := range m.all {
		current[inst.name] = inst
	}
	m.mu.Unlock()

	var changes []Change
	var added []*instance
	found := map[string]bool{}
	for _, c := range active {
		found[c.Name] = true
		inst, ok := current[c.Name]
		if !ok {
			inst = newInstance(c, m)
			inst.start(ctx)
			added = append(added, inst)
			changes = append(changes, inst.addedChange())
			continue
		}
		if ch, ok := inst.update(ctx, c, opts.DrainTimeout); ok {
			changes = append(changes, ch)
		}
	}
	var gone []*instance
	for name, inst := range current {
		if found[name] {
			continue
		}
		ch, stop := m.removal(ctx, inst, opts)
		changes = append(changes, ch)
		if stop {
			gone = append(gone, inst)
		}
	}
	m.commit(added, gone, shadowed, warnings, opts.DrainTimeout)
	sort.Slice(changes, func(i, j int) bool { return changes[i].Name < changes[j].Name })
	for _, ch := range changes {
		if ch.Action == ActionRefused || ch.Action == ActionKept {
			m.logger.Warn(ch.String())
		} else {
			m.logger.Info(ch.String())
		}
	}
	return changes
}

// commit puts the rescan's outcome in place: new instances in, stopped
// ones out (they finish their calls first), the index rebuilt.
func (m *Manager) commit(added, gone []*instance, shadowed []Candidate, warnings []string, drain time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removed = nil
	keep := m.all[:0:0]
	for _, inst := range m.all {
		stopped := false
		for _, g := range gone {
			stopped = stopped || g == inst
		}
		if !stopped {
			keep = append(keep, inst)
			continue
		}
		st := inst.status()
		st.State, st.PID, st.Problem = StateRemoved, 0, ""
		st.Reason = "its file was removed; stopped by the reload at " + time.Now().Format(time.RFC3339)
		m.removed = append(m.removed, st)
		inst.retire(drain)
	}
	m.all = append(keep, added...)
	m.shadowed, m.warnings = shadowed, warnings
	m.indexLocked()
}

// removal decides about a plugin whose file is gone: stop it, or keep it
// for the units that use it.
func (m *Manager) removal(ctx context.Context, inst *instance, opts RescanOptions) (Change, bool) {
	inst.mu.Lock()
	path := inst.cand.Path
	inst.mu.Unlock()
	n := 0
	if opts.InUse != nil {
		var err error
		if n, err = opts.InUse(ctx, inst.name); err != nil {
			// Not knowing is treated as in use: stopping could strand nodes.
			n = -1
		}
	}
	if n == 0 || opts.Force {
		detail := path + " is gone: stopped (calls in flight finish first)"
		if n != 0 {
			detail += fmt.Sprintf("; %s still used it, stopped as asked (--force-plugin-removal)", unitsText(n))
		}
		return Change{Name: inst.name, Action: ActionRemoved, Detail: detail}, true
	}
	detail := fmt.Sprintf("%s is gone but %s use it: kept running until they are deleted; put the file back, or run `vcc-host init --force-plugin-removal` to stop it anyway",
		path, unitsText(n))
	inst.setProblem(detail)
	return Change{Name: inst.name, Action: ActionKept, Detail: detail}, false
}

func unitsText(n int) string {
	if n < 0 {
		return "units may (the store could not be asked)"
	}
	return fmt.Sprintf("%d unit(s)", n)
}

func (i *instance) setNote(s string) {
	i.mu.Lock()
	i.note = s
	i.mu.Unlock()
}

func (i *instance) setProblem(s string) {
	i.mu.Lock()
	i.problem = s
	i.mu.Unlock()
}

func (i *instance) addedChange() Change {
	st := i.status()
	if st.State != StateRunning {
		return Change{Name: i.name, Action: ActionRefused, Detail: fmt.Sprintf("new plugin %s did not start: %s", st.Path, st.Reason)}
	}
	detail := fmt.Sprintf("new plugin %s version %s started (pid %d)", st.Path, st.Version, st.PID)
	i.setNote(fmt.Sprintf("added by the reload at %s", time.Now().Format(time.RFC3339)))
	return Change{Name: i.name, Action: ActionAdded, Detail: detail}
}

// retire stops the instance: no new calls, and its process is killed once
// the calls on it are over (or after drain).
func (i *instance) retire(drain time.Duration) {
	if proc := i.detach(); proc != nil {
		go proc.drain(drain)
	}
}

// drain kills the process after its calls end, or after timeout.
func (p *process) drain(timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		p.calls.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
	p.kill()
}
