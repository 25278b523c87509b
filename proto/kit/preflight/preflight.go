// Package preflight runs a plugin's preflight look-ups and sorts what they
// found the same way for every cloud: a refusal is an error on the field
// to fix; a look-up the cloud cannot answer now (unreachable, throttled)
// or the credentials may not make (denied: a narrow policy) is a warning,
// since the create itself may well work.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vccproject/vcc/proto/provider"
)

// Check is one read-only look-up.
type Check struct {
	// Name says what is checked, e.g. "the subnet"; used in warnings.
	Name string
	// Field is blamed for an error the look-up's diagnostic does not
	// place itself.
	Field string
	Run   func(ctx context.Context) error
}

// Triage turns a look-up's error into what a preflight reports.
func Triage(ctx context.Context, c Check, err error) provider.Diagnostics {
	if err == nil {
		return nil
	}
	var de *provider.DiagnosticsError
	if !errors.As(err, &de) {
		if ctx.Err() != nil {
			return provider.Diagnostics{provider.Unreachable("preflight cut short while checking %s: %v", c.Name, ctx.Err()).Warning()}
		}
		de = &provider.DiagnosticsError{Diags: provider.Diagnostics{provider.New(provider.CodePluginError, "%v", err)}}
	}
	var out provider.Diagnostics
	for _, d := range de.Diags {
		switch {
		case d.Severity == provider.SeverityWarning:
		case d.Retryable:
			d.Severity = provider.SeverityWarning
			d.Summary = fmt.Sprintf("could not check %s now (the create goes ahead and retries): %s", c.Name, d.Summary)
		case d.Code == provider.CodeDenied:
			d.Severity, d.Field = provider.SeverityWarning, ""
			d.Summary = fmt.Sprintf("not permitted to check %s before creating (the create goes ahead): %s", c.Name, d.Summary)
			if d.Detail == "" {
				d.Detail = "allow the read calls listed in the provider's README section for early, precise errors"
			}
		}
		// A refusal blames the checked field; a warning is about the
		// cloud, not about what the user wrote.
		if d.Severity == provider.SeverityError && d.Field == "" && d.Code != provider.CodeAuthFailed {
			d.Field = c.Field
		}
		out = append(out, d)
	}
	return out
}

// Run runs checks at once and returns their diagnostics in the order of
// checks (so answers read the same every time). Identical errors (the
// same refused credentials seen by every look-up) are reported once.
func Run(ctx context.Context, checks ...Check) provider.Diagnostics {
	found := make([]provider.Diagnostics, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { found[i] = Triage(ctx, c, c.Run(ctx)) })
	}
	wg.Wait()
	var out provider.Diagnostics
	seen := map[string]bool{}
	for _, ds := range found {
		for _, d := range ds {
			key := d.Code + "\x00" + d.Field + "\x00" + d.Summary
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}

// Fatal reports whether diags hold an error that makes further look-ups
// pointless (refused credentials).
func Fatal(diags provider.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == provider.SeverityError && d.Code == provider.CodeAuthFailed {
			return true
		}
	}
	return false
}
