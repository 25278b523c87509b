package armemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is Azure's error answer: {"error": {"code", "message"}} with
// the code also in x-ms-error-code, as ARM sends it.
type apiError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	// Target is the resource the error is about, where ARM names one.
	Target string `json:"target,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func notFound(kind, name, rg string) *apiError {
	return fail(http.StatusNotFound, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", kind, name, rg)
}

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("x-ms-error-code", e.Code)
	writeJSON(w, e.status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
