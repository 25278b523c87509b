// Package wait polls a cloud until something is true, with backoff, for
// as long as the caller's context allows (gophercloud's WaitFor, made
// cancellable).
package wait

import (
	"context"
	"fmt"
	"time"
)

// Backoff is how often to look: from Min, doubling up to Max.
type Backoff struct {
	Min, Max time.Duration
}

// Default looks after 250 ms, then at most every 5 s.
var Default = Backoff{Min: 250 * time.Millisecond, Max: 5 * time.Second}

// TimeoutError says what was awaited and what was last seen when the
// context ended; it wraps the context's error.
type TimeoutError struct {
	What     string
	LastSeen string
	Err      error
}

func (e *TimeoutError) Error() string {
	s := "gave up waiting for " + e.What
	if e.LastSeen != "" {
		s += " (last seen: " + e.LastSeen + ")"
	}
	return s + ": " + e.Err.Error()
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// For calls check until it reports done, fails, or ctx ends. check
// returns a short description of what it saw (for the timeout error).
// A check error ends the wait at once: retrying is the caller's choice.
func For(ctx context.Context, what string, b Backoff, check func(context.Context) (done bool, seen string, err error)) error {
	if b.Min <= 0 {
		b = Default
	}
	delay := b.Min
	var seen string
	for {
		done, s, err := check(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if done {
			return nil
		}
		seen = s
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return &TimeoutError{What: what, LastSeen: seen, Err: ctx.Err()}
		case <-t.C:
		}
		delay = min(delay*2, max(b.Max, b.Min))
	}
}
