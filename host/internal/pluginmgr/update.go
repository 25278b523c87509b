package pluginmgr

import (
	"context"
	"fmt"
	"time"
)

// update compares the file a rescan found for this plugin with the one in
// service and acts on a difference. ok is false when nothing changed.
func (i *instance) update(ctx context.Context, c Candidate, drain time.Duration) (ch Change, ok bool) {
	i.mu.Lock()
	cur, running := i.cand, i.state == StateRunning
	i.mu.Unlock()
	if c.Reattach != nil || cur.Reattach != nil {
		return Change{}, false // debug mode: the developer restarts the host
	}
	if c.Path == cur.Path && c.Pin == cur.Pin {
		return i.checkUnchanged(c, running)
	}
	// Re-installed (a new pin), or another file now wins: start the new
	// binary beside the old one, which serves until the swap.
	p, err := launch(ctx, c, i.m.launchOpts())
	if err != nil {
		return i.refuse(c, running, err.Error()), true
	}
	return i.swap(c, p, drain), true
}

// checkUnchanged catches a binary replaced without `plugins install`: its
// pin is the same but its contents are not. The process in service (from
// the pinned binary) keeps serving; restarting would be refused anyway.
func (i *instance) checkUnchanged(c Candidate, running bool) (Change, bool) {
	if c.Pin == "" {
		i.setProblem("")
		return Change{}, false // refused when it was found; still unpinned
	}
	sum, err := HashFile(c.Path)
	if err != nil {
		return i.refuse(c, running, fmt.Sprintf("cannot read %s: %v", c.Path, err)), true
	}
	if sum == c.Pin {
		i.setProblem("")
		return Change{}, false
	}
	reason := fmt.Sprintf("its SHA-256 is %s but %s pins %s (the binary changed after it was installed); to fix: if you rebuilt or replaced it on purpose, run `vcc-host plugins install --path %s` and reload; otherwise restore the original",
		sum, PinPath(c.Path), c.Pin, c.Path)
	return i.refuse(c, running, reason), true
}

// refuse records that the file found cannot run and says what serves.
func (i *instance) refuse(c Candidate, running bool, reason string) Change {
	serving := "nothing serves this provider"
	if running {
		st := i.status()
		serving = fmt.Sprintf("version %s (pid %d, sha256 %s) keeps serving", st.Version, st.PID, short(st.SHA256))
	}
	detail := fmt.Sprintf("%s not loaded: %s; %s", c.Path, reason, serving)
	i.setProblem(detail)
	return Change{Name: i.name, Action: ActionRefused, Detail: detail}
}

// swap puts process p (of candidate c) in service. Calls already running
// finish on the old process, which is killed once they are over; a
// restart pending from a crash finds the plugin running and gives up.
func (i *instance) swap(c Candidate, p *process, drain time.Duration) Change {
	i.mu.Lock()
	if i.state == StateStopped {
		i.mu.Unlock()
		p.kill()
		return Change{Name: i.name, Action: ActionRefused, Detail: "the plugin was stopped during the reload"}
	}
	old, oldCand, oldInfo := i.proc, i.cand, i.info
	i.cand, i.proc, i.info, i.state, i.lastErr = c, p, p.info, StateRunning, nil
	i.gen++
	gen := i.gen
	i.startedAt, i.failures = time.Now(), 0
	if !isClosed(i.ready) {
		close(i.ready)
	}
	detail := fmt.Sprintf("%s version %s (pid %d, sha256 %s) started", c.Path, p.info.Version, p.pid, short(c.Pin))
	action := ActionAdded
	if old != nil {
		action = ActionUpgraded
		detail = fmt.Sprintf("from version %s (pid %d, sha256 %s) to %s; calls in flight finish on the old process",
			oldInfo.Version, old.pid, short(oldCand.Pin), detail)
	}
	i.note = fmt.Sprintf("%s by the reload at %s: %s", action, time.Now().Format(time.RFC3339), detail)
	i.problem = ""
	i.mu.Unlock()
	go i.watch(p, gen)
	if old != nil {
		go old.drain(drain)
	}
	return Change{Name: i.name, Action: action, Detail: detail}
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}
