package controller

import (
	"fmt"
	"net/http"

	"github.com/vccproject/vcc/proto/provider"
)

// Error is a failure the API reports as a 4xx with a JSON body.
type Error struct {
	Status  int
	Msg     string
	Details []FieldError
}

// FieldError blames one request field.
type FieldError struct {
	Field   string
	Message string
}

func (e *Error) Error() string {
	s := e.Msg
	for _, d := range e.Details {
		s += fmt.Sprintf("; %s: %s", d.Field, d.Message)
	}
	return s
}

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Msg: fmt.Sprintf(format, args...)}
}

func invalid(msg string, details ...FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: msg, Details: details}
}

// refused is a request a plugin's diagnostics refuse: the status follows
// the first error's code (provider.HTTPStatus: denied 403, quota and
// conflict 409, the rest 400), so clients can tell "fix the request" from
// "not allowed" from "over a limit".
func refused(msg string, diags provider.Diagnostics) *Error {
	status := http.StatusBadRequest
	for _, d := range diags {
		if d.Severity == provider.SeverityError {
			if s := provider.HTTPStatus(d.Code); s == http.StatusForbidden || s == http.StatusConflict {
				status = s
			}
			break
		}
	}
	return &Error{Status: status, Msg: msg, Details: fromDiags(diags)}
}

// fromDiags turns a plugin's error diagnostics into field errors.
func fromDiags(diags provider.Diagnostics) []FieldError {
	var out []FieldError
	for _, d := range diags {
		if d.Severity != provider.SeverityError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += " (" + d.Detail + ")"
		}
		field := d.Field
		if field == "" {
			field = "spec"
		}
		out = append(out, FieldError{Field: field, Message: msg})
	}
	return out
}
