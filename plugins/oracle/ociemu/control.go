package ociemu

import (
	"encoding/json"
	"net/http"
)

// ControlPrefix is where ControlHandler serves: outside OCI's API paths.
const ControlPrefix = "/_emu/"

// ControlHandler serves, unauthenticated, what a test in another process
// needs of the emulator (the standalone command mounts it): GET
// /_emu/instances lists the instances (TERMINATED ones too, until
// forgotten), GET /_emu/volumes the block volumes (likewise), GET
// /_emu/attachments the volume attachments not DETACHED, POST
// /_emu/preempt?id=OCID reclaims a preemptible instance, POST
// /_emu/crash?id=OCID cuts a running instance's power, POST /_emu/fail
// {"op","n","status","code","message"} injects errors. It is no part of
// OCI's API: never expose it beyond a test machine.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ControlPrefix+"instances", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, orNone(s.Instances()))
	})
	mux.HandleFunc("GET "+ControlPrefix+"volumes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, orNone(s.Volumes()))
	})
	mux.HandleFunc("GET "+ControlPrefix+"attachments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, orNone(s.VolumeAttachments()))
	})
	mux.HandleFunc("POST "+ControlPrefix+"preempt", func(w http.ResponseWriter, r *http.Request) {
		if !s.Preempt(r.URL.Query().Get("id")) {
			writeErr(w, r, apiError{http.StatusConflict, "IncorrectState", "no live preemptible instance " + r.URL.Query().Get("id")})
			return
		}
		writeJSON(w, r, http.StatusNoContent, nil)
	})
	mux.HandleFunc("POST "+ControlPrefix+"crash", func(w http.ResponseWriter, r *http.Request) {
		if !s.Crash(r.URL.Query().Get("id")) {
			writeErr(w, r, apiError{http.StatusConflict, "IncorrectState", "no running instance " + r.URL.Query().Get("id")})
			return
		}
		writeJSON(w, r, http.StatusNoContent, nil)
	})
	mux.HandleFunc("POST "+ControlPrefix+"fail", func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			Op, Code, Message string
			N, Status         int
		}
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil || f.Op == "" || f.Status == 0 {
			writeErr(w, r, invalid("want {\"op\", \"n\", \"status\", \"code\", \"message\"}"))
			return
		}
		s.Fail(f.Op, max(f.N, 1), f.Status, f.Code, f.Message)
		writeJSON(w, r, http.StatusNoContent, nil)
	})
	return mux
}

func orNone[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// WithControl serves the API and, under ControlPrefix, ControlHandler.
func (s *Server) WithControl() http.Handler {
	api, ctl := s.Handler(), s.ControlHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(ControlPrefix) && r.URL.Path[:len(ControlPrefix)] == ControlPrefix {
			ctl.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
