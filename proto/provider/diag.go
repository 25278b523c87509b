package provider

import (
	"errors"
	"fmt"
	"sort"
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

// Codes: the fixed set every plugin maps its cloud's errors onto. The host
// relies on them: Retryable says whether it tries again, and the API picks
// the HTTP status of a refused request from the code (see HTTPStatus).
// Each has a constructor below that sets Retryable rightly.
const (
	// CodeInvalid: the request itself is wrong (a field's value, a
	// combination); fix the input. Not retryable.
	CodeInvalid = "invalid"
	// CodeAuthFailed: the cloud refused the credentials (wrong, expired,
	// revoked). Not retryable.
	CodeAuthFailed = "auth_failed"
	// CodeDenied: the credentials are good but not allowed to do this
	// (IAM policy, role). Not retryable.
	CodeDenied = "denied"
	// CodeNotFound: a named thing does not exist (image, subnet,
	// instance). Not retryable.
	CodeNotFound = "not_found"
	// CodeQuota: an account limit is reached; raise it or free some.
	// Not retryable.
	CodeQuota = "quota"
	// CodeCapacity: the cloud has no room now (zone out of a size, spot
	// capacity). Retryable.
	CodeCapacity = "capacity"
	// CodeThrottled: too many requests. Retryable.
	CodeThrottled = "throttled"
	// CodeUnreachable: the cloud or server did not answer (network,
	// timeout, 5xx). Retryable.
	CodeUnreachable = "unreachable"
	// CodeConflict: the thing is busy or in a state that forbids the call
	// now (an instance still starting). Retryable.
	CodeConflict = "conflict"
	// CodeUnsupported: the provider cannot do this at all.
	CodeUnsupported = "unsupported"
	// CodePluginError: the plugin failed in a way it did not classify
	// (a bug, a panic). Not retryable.
	CodePluginError = "plugin_error"
)

// codeInfo is what the host may rely on for each code.
var codeInfo = map[string]struct {
	retryable bool
	status    int
}{
	CodeInvalid:     {false, 400},
	CodeAuthFailed:  {false, 400},
	CodeDenied:      {false, 403},
	CodeNotFound:    {false, 400},
	CodeQuota:       {false, 409},
	CodeCapacity:    {true, 503},
	CodeThrottled:   {true, 503},
	CodeUnreachable: {true, 503},
	CodeConflict:    {true, 409},
	CodeUnsupported: {false, 400},
	CodePluginError: {false, 502},
}

// Codes lists the known codes.
func Codes() []string {
	out := make([]string, 0, len(codeInfo))
	for c := range codeInfo {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// KnownCode reports whether code is one of Codes (or empty).
func KnownCode(code string) bool {
	_, ok := codeInfo[code]
	return ok || code == ""
}

// RetryableCode reports whether a failure with code may succeed later.
func RetryableCode(code string) bool { return codeInfo[code].retryable }

// HTTPStatus is the status a refused API request answers for a failure
// with code: 400 for what the user must fix in the request, 403 denied,
// 409 quota/conflict, 503 for what may pass later, 502 for plugin bugs.
func HTTPStatus(code string) int {
	if s := codeInfo[code].status; s != 0 {
		return s
	}
	return 400
}

// New makes an error diagnostic with code, Retryable set from the code.
func New(code, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: code, Retryable: RetryableCode(code), Summary: fmt.Sprintf(format, args...)}
}

// Invalid: the request is wrong; say which field with On.
func Invalid(format string, args ...any) Diagnostic { return New(CodeInvalid, format, args...) }

// AuthFailed: the cloud refused the credentials.
func AuthFailed(format string, args ...any) Diagnostic {
	return New(CodeAuthFailed, format, args...).On("credentials")
}

// Denied: the credentials may not do this.
func Denied(format string, args ...any) Diagnostic { return New(CodeDenied, format, args...) }

// NotFound: a named thing does not exist.
func NotFound(format string, args ...any) Diagnostic { return New(CodeNotFound, format, args...) }

// Quota: an account limit is reached.
func Quota(format string, args ...any) Diagnostic { return New(CodeQuota, format, args...) }

// Capacity: the cloud has no room now.
func Capacity(format string, args ...any) Diagnostic { return New(CodeCapacity, format, args...) }

// Throttled: too many requests.
func Throttled(format string, args ...any) Diagnostic { return New(CodeThrottled, format, args...) }

// Unreachable: the cloud or server did not answer.
func Unreachable(format string, args ...any) Diagnostic {
	return New(CodeUnreachable, format, args...)
}

// Conflict: the thing is busy or in the wrong state now.
func Conflict(format string, args ...any) Diagnostic { return New(CodeConflict, format, args...) }

// On returns d blamed on field (a dotted path like "spec.disks[1]").
func (d Diagnostic) On(field string) Diagnostic { d.Field = field; return d }

// Because returns d with detail: how to fix it.
func (d Diagnostic) Because(format string, args ...any) Diagnostic {
	d.Detail = fmt.Sprintf(format, args...)
	return d
}

// Warning returns d as a warning (reported, not refusing).
func (d Diagnostic) Warning() Diagnostic { d.Severity = SeverityWarning; return d }

// Err returns d as an error.
func (d Diagnostic) Err() error { return Diagnostics{d}.Err() }

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

// AsDiagnostics is err's diagnostics: a *DiagnosticsError's own, or one
// plugin_error diagnostic for any other error; nil for nil.
func AsDiagnostics(err error) Diagnostics {
	if err == nil {
		return nil
	}
	var de *DiagnosticsError
	if errors.As(err, &de) {
		return de.Diags
	}
	return Diagnostics{New(CodePluginError, "%v", err)}
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
