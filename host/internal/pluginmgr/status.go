package pluginmgr

import (
	"errors"
	"fmt"

	"github.com/vccproject/vcc/proto/provider"
)

// Status is one row of `vcc-host plugins list`. Its JSON names are a
// contract relied on by tools outside this repository.
type Status struct {
	Name         string                `json:"name"`
	Version      string                `json:"version"`
	Protocol     int                   `json:"protocol"`
	Path         string                `json:"path"`
	SHA256       string                `json:"sha256"`
	Pinned       bool                  `json:"pinned"`
	State        State                 `json:"state"`
	Crashes      int                   `json:"crashes"`
	Reason       string                `json:"reason,omitempty"`
	PID          int                   `json:"pid,omitempty"`
	Simulator    bool                  `json:"simulator"`
	Capabilities []provider.Capability `json:"capabilities"`
	ShadowedBy   string                `json:"shadowed_by,omitempty"`
	// Note says what a reload last did to the plugin (added, upgraded);
	// Problem what the last reload found wrong with its file and left as
	// it was (a changed binary refused, a removed file kept). See Rescan.
	Note    string `json:"note,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// Statuses describes every plugin found, shadowed ones last.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	all, shadowed, removed := m.all, m.shadowed, m.removed
	m.mu.Unlock()
	out := make([]Status, 0, len(all)+len(shadowed)+len(removed))
	for _, inst := range all {
		out = append(out, inst.status())
	}
	out = append(out, removed...)
	for _, c := range shadowed {
		out = append(out, Status{
			Name: c.Name, Version: c.FileVersion, Path: c.Path, SHA256: c.Pin, Pinned: c.Pin != "",
			State: "shadowed", ShadowedBy: c.ShadowedBy, Capabilities: []provider.Capability{},
			Reason: fmt.Sprintf("not used: %s takes precedence", c.ShadowedBy),
		})
	}
	return out
}

func (i *instance) status() Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := Status{
		Name: i.cand.Name, Version: i.cand.FileVersion, Path: i.cand.Path, SHA256: i.cand.Pin,
		Pinned: i.cand.Pin != "", State: i.state, Crashes: i.crashes, Capabilities: []provider.Capability{},
	}
	if i.info != nil {
		s.Name, s.Version, s.Protocol = i.info.Name, i.info.Version, i.info.ProtocolVersion
		s.Simulator = i.info.Has(provider.CapSimulator)
		s.Capabilities = append(s.Capabilities, i.info.Capabilities...)
	}
	if i.proc != nil {
		s.PID = i.proc.pid
	}
	s.Note, s.Problem = i.note, i.problem
	if i.lastErr != nil {
		s.Reason = i.lastErr.Error()
		var refused *RefusedError
		if errors.As(i.lastErr, &refused) {
			s.Reason = refused.Reason + "; to fix: " + refused.Fix
		}
	}
	return s
}
