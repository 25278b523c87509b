package armemu

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// op is a long-running operation: it reports InProgress until due, then
// applies its effect once and reports Succeeded (or Failed with the
// effect's error). Effects run lazily, at the next request after due,
// under the server's lock, so the emulator needs no goroutine per op.
type op struct {
	id, provider string
	start, due   time.Time
	done         bool
	apply        func() *apiError
	err          *apiError
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// startOp records an operation of provider (Microsoft.Compute or
// Microsoft.Network) that takes after.
func (s *Server) startOp(provider string, after time.Duration, apply func() *apiError) *op {
	now := s.now()
	o := &op{id: newID(), provider: provider, start: now, due: now.Add(after), apply: apply}
	s.ops[o.id] = o
	return o
}

// settle applies the effects of the operations that are due, oldest
// first.
func (s *Server) settle() {
	now := s.now()
	var due []*op
	for _, o := range s.ops {
		if !o.done && !o.due.After(now) {
			due = append(due, o)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].due.Before(due[j].due) })
	for _, o := range due {
		o.done = true
		if o.apply != nil {
			o.err = o.apply()
		}
	}
}

// asyncURL is the operation's Azure-AsyncOperation address.
func (s *Server) asyncURL(o *op) string {
	return fmt.Sprintf("%s/subscriptions/%s/providers/%s/locations/%s/operations/%s?api-version=2024-07-01",
		s.URL, s.Subscription, o.provider, s.Location, o.id)
}

// accepted answers a request that started o, with body (nil: none).
func (s *Server) accepted(w http.ResponseWriter, status int, o *op, body any) {
	w.Header().Set("Azure-AsyncOperation", s.asyncURL(o))
	if status == http.StatusAccepted {
		w.Header().Set("Location", s.asyncURL(o)+"&monitor=true")
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}

// operation answers a poll of the operation's status, or of its
// Location (monitor=true: 202 while running, 200 when done).
func (s *Server) operation(w http.ResponseWriter, r *http.Request, id string) {
	o, ok := s.ops[id]
	if !ok {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", id))
		return
	}
	if r.URL.Query().Get("monitor") == "true" {
		switch {
		case !o.done:
			w.Header().Set("Location", s.asyncURL(o)+"&monitor=true")
			w.WriteHeader(http.StatusAccepted)
		case o.err != nil:
			writeErr(w, o.err)
		default:
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	body := map[string]any{"name": o.id, "startTime": o.start.UTC().Format(time.RFC3339Nano), "status": "InProgress"}
	if o.done {
		body["endTime"] = o.due.UTC().Format(time.RFC3339Nano)
		body["status"] = "Succeeded"
		if o.err != nil {
			body["status"], body["error"] = "Failed", o.err
		}
	}
	writeJSON(w, http.StatusOK, body)
}
