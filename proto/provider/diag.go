package provider

import (
	"fmt"
	"strings"
)

// Severity of a Diagnostic.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one structured finding: what is wrong, where, and how to
// fix it.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Detail   string   `json:"detail,omitempty"`
	// Field is the dotted path of the offending value, e.g. "spec.disks[1]".
	Field     string `json:"field,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
	// Code is a short machine-readable reason, e.g. CodeUnsupported.
	Code string `json:"code,omitempty"`
}

// Codes the host understands.
const (
	CodeUnsupported = "unsupported"
	CodePluginError = "plugin_error"
	CodeNotFound    = "not_found"
	CodeCapacity    = "capacity"
)

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(" (")
		b.WriteString(d.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Diagnostics is a list of findings.
type Diagnostics []Diagnostic

// HasError reports whether any diagnostic is an error.
func (ds Diagnostics) HasError() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns the error diagnostics as a *DiagnosticsError, or nil.
func (ds Diagnostics) Err() error {
	if !ds.HasError() {
		return nil
	}
	return &DiagnosticsError{Diags: ds}
}

// Errorf makes an error diagnostic about field.
func Errorf(field, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: SeverityError, Field: field, Summary: fmt.Sprintf(format, args...)}
}

// DiagnosticsError is a domain failure reported by a plugin.
type DiagnosticsError struct {
	Diags Diagnostics
}

func (e *DiagnosticsError) Error() string {
	var parts []string
	for _, d := range e.Diags {
		if d.Severity == SeverityError {
			parts = append(parts, d.String())
		}
	}
	return strings.Join(parts, "; ")
}

// Retryable reports whether every error in e may succeed on a later try.
func (e *DiagnosticsError) Retryable() bool {
	found := false
	for _, d := range e.Diags {
		if d.Severity != SeverityError {
			continue
		}
		if !d.Retryable {
			return false
		}
		found = true
	}
	return found
}

// HasCode reports whether any error diagnostic carries code.
func (e *DiagnosticsError) HasCode(code string) bool {
	for _, d := range e.Diags {
		if d.Severity == SeverityError && d.Code == code {
			return true
		}
	}
	return false
}

// RetryableError is a shorthand for a one-diagnostic retryable failure.
func RetryableError(code, format string, args ...any) error {
	return &DiagnosticsError{Diags: Diagnostics{{
		Severity: SeverityError, Summary: fmt.Sprintf(format, args...), Retryable: true, Code: code,
	}}}
}

// UnsupportedError says a provider cannot do op.
func UnsupportedError(provider, op string, needs Capability) error {
	return &DiagnosticsError{Diags: Diagnostics{{
		Severity: SeverityError,
		Summary:  fmt.Sprintf("provider %q does not support %s", provider, op),
		Detail:   fmt.Sprintf("it lacks the %q capability; `vcc-host plugins list` shows what each provider can do", needs),
		Code:     CodeUnsupported,
	}}}
}
