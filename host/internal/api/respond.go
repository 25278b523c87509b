package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/sdk"
)

// MaxBody bounds a request body.
const MaxBody = 1 << 20

// MaxList bounds the lists inside a request (selectors, IPs).
const MaxList = 1000

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status int, msg string, details ...sdk.FieldError) {
	writeJSON(w, status, sdk.Error{Message: msg, Details: details})
}

// fail answers err: controller errors keep their status and details;
// anything else is a 500 whose text is logged, not shown in full.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *controller.Error
	if errors.As(err, &ce) {
		details := make([]sdk.FieldError, len(ce.Details))
		for i, d := range ce.Details {
			details[i] = sdk.FieldError{Field: d.Field, Message: d.Message}
		}
		writeError(w, ce.Status, ce.Msg, details...)
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error: "+err.Error())
}

// decode reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over MaxBody, with the field to blame.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var (
		typeErr *json.UnmarshalTypeError
		synErr  *json.SyntaxError
		maxErr  *http.MaxBytesError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		// The server's read timeout: a body trickled or never completed.
		writeError(w, http.StatusRequestTimeout, "the request body did not arrive in time: a request must be sent whole within the server's read timeout")
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "the request needs a JSON body")
	case errors.As(err, &maxErr):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBody))
	case errors.As(err, &typeErr):
		writeError(w, http.StatusBadRequest, "a field has the wrong type",
			sdk.FieldError{Field: typeErr.Field, Message: fmt.Sprintf("must be %s, got a JSON %s", typeErr.Type, typeErr.Value)})
	case errors.As(err, &synErr):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", synErr.Offset, err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		writeError(w, http.StatusBadRequest, "unknown field", sdk.FieldError{Field: field, Message: "is not a field of this request"})
	default:
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
	}
	return false
}

// longRequest gives a response that comes late by design (a long poll,
// an event stream) d more to be written, beyond the server's write
// timeout (0: the caller extends it as it writes). A request's read
// deadline needs no lifting: once its body is read, net/http clears it.
func longRequest(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
	}
}

// checkLists refuses selector and IP lists over MaxList.
func checkLists(w http.ResponseWriter, lists map[string]int) bool {
	for field, n := range lists {
		if n > MaxList {
			writeError(w, http.StatusBadRequest, "list too long", sdk.FieldError{Field: field, Message: fmt.Sprintf("at most %d entries per request, got %d", MaxList, n)})
			return false
		}
	}
	return true
}

// deleteOptions reads a delete's ?force= and ?forget= flags; anything but
// a boolean is a 400 (a mistyped flag must not delete less or more).
func deleteOptions(w http.ResponseWriter, r *http.Request) (controller.DeleteOptions, bool) {
	var opts controller.DeleteOptions
	for name, dst := range map[string]*bool{"force": &opts.Force, "forget": &opts.Forget} {
		raw := r.URL.Query().Get(name)
		if raw == "" {
			continue
		}
		v, err := strconv.ParseBool(raw)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad query parameter", sdk.FieldError{Field: name, Message: fmt.Sprintf("must be true or false, got %q", raw)})
			return opts, false
		}
		*dst = v
	}
	return opts, true
}
