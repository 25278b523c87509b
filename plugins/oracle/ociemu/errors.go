package ociemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// apiError is an OCI error: the HTTP status and the JSON body
// {"code": ..., "message": ...} OCI answers with.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e apiError) Error() string { return e.Code + ": " + e.Message }

func notFound() error {
	return apiError{http.StatusNotFound, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found."}
}

// relatedNotFound is OCI's answer when a resource named in the body (not
// the path) does not exist or may not be used: a 400, unlike the 404 of a
// resource in the URI.
func relatedNotFound(what string) error {
	return apiError{http.StatusBadRequest, "RelatedResourceNotAuthorizedOrNotFound",
		"Authorization failed or requested resource not found: " + what + "."}
}

func invalid(msg string) error { return apiError{http.StatusBadRequest, "InvalidParameter", msg} }

func missing(field string) error {
	return apiError{http.StatusBadRequest, "MissingParameter", "Missing required parameter " + field + "."}
}

func incorrectState(msg string) error { return apiError{http.StatusConflict, "IncorrectState", msg} }

// requestID is the opc-request-id OCI answers with: the client's own
// (from its opc-request-id header) followed by the server's part.
func requestID(r *http.Request) string {
	own := strings.ToUpper(randomID()[:32])
	if c := r.Header.Get("opc-request-id"); c != "" {
		return c + "/" + own
	}
	return own
}

func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var e apiError
	if !errors.As(err, &e) {
		e = apiError{http.StatusInternalServerError, "InternalError", err.Error()}
	}
	writeJSON(w, r, e.Status, map[string]string{"code": e.Code, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("opc-request-id", requestID(r))
	if status == http.StatusNoContent || v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if p, ok := v.(paged); ok {
		if p.next != "" {
			w.Header().Set("opc-next-page", p.next)
		}
		v = p.items
	}
	if e, ok := v.(etagged); ok {
		w.Header().Set("etag", e.etag)
		v = e.v
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// paged is a list answer with OCI's opc-next-page header.
type paged struct {
	items any
	next  string
}

// etagged is an answer with an etag header.
type etagged struct {
	v    any
	etag string
}

// fault is an error injected for the next n calls of an operation.
type fault struct {
	op  string
	n   int
	err apiError
}

// Fail makes the next n calls of op (like "LaunchInstance", or "*" for
// any) fail with status, code and message, after authentication: for
// tests of error mapping (a 500 "Out of host capacity.", a 429
// TooManyRequests, ...). With op+AnswerLost the call is done first.
func (s *Server) Fail(op string, n, status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{op: op, n: n, err: apiError{status, code, message}})
}

// takeFault returns the fault that applies to this call of op, if any.
// Callers hold s.mu.
func (s *Server) takeFault(op string) *fault {
	for i, f := range s.faults {
		if f.op == op || (f.op == "*" && !strings.HasSuffix(op, AnswerLost)) {
			f.n--
			if f.n <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}
