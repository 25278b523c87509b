package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/sdk"
)

type identityKey struct{}

func caller(r *http.Request) *auth.Identity {
	return r.Context().Value(identityKey{}).(*auth.Identity)
}

// guard runs rt's handler once the caller passes rt's access rule, in
// this order: a valid token (401), its rights (403), then the query
// parameters (400).
func (s *Server) guard(rt route) httprouter.Handle {
	if strings.HasPrefix(rt.path, vaultPrefix) {
		return s.vaultGuard(rt) // the same rules, answered in Vault's words
	}
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if rt.access == public {
			if checkQuery(w, r, rt.query) {
				rt.handle(w, r, ps)
			}
			return
		}
		tok, err := auth.TokenFrom(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vcc"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		who, err := s.auth.Authenticate(r.Context(), tok)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vcc", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		if rec, ok := r.Context().Value(auditKey{}).(*auditInfo); ok {
			rec.who = who
		}
		if !allowed(w, r, rt, who) || !checkQuery(w, r, rt.query) || !privileged(w, r, who) {
			return
		}
		ctx := auth.WithToken(context.WithValue(r.Context(), identityKey{}, who), tok)
		rt.handle(w, r.WithContext(ctx), ps)
	}
}

// allowed answers 403 when the token's rights fall short of rt's.
func allowed(w http.ResponseWriter, r *http.Request, rt route, who *auth.Identity) bool {
	switch {
	case who.ReadOnly && rt.access.needsFull(r.Method):
		what := "it may not " + r.Method + " " + r.URL.Path
		if r.Method == http.MethodGet {
			what = "reading " + r.URL.Path + " reveals a secret"
		}
		writeError(w, http.StatusForbidden, "this token is readonly and "+what+": use a full-access token")
	case rt.access.needsSuper() && who.Role != "super":
		writeError(w, http.StatusForbidden, fmt.Sprintf("%s %s is for super users; %s is %s", r.Method, r.URL.Path, who.User, who.Role))
	default:
		return true
	}
	return false
}

// checkQuery refuses query parameters the route does not take, so a
// mistyped one is an error rather than silently ignored.
func checkQuery(w http.ResponseWriter, r *http.Request, takes []string) bool {
	for name := range r.URL.Query() {
		if name != "privileged" && !slices.Contains(takes, name) {
			known := strings.Join(append(slices.Clone(takes), "privileged"), ", ")
			badParam(w, name, "is not a parameter of "+r.Method+" "+r.URL.Path+"; it takes: "+known)
			return false
		}
	}
	return true
}

// privileged reads ?privileged=: a boolean, true only for super users.
func privileged(w http.ResponseWriter, r *http.Request, who *auth.Identity) bool {
	raw := r.URL.Query().Get("privileged")
	if raw == "" {
		return true
	}
	priv, err := strconv.ParseBool(raw)
	if err != nil {
		badParam(w, "privileged", fmt.Sprintf("must be true or false, got %q", raw))
		return false
	}
	if priv && who.Role != "super" {
		writeError(w, http.StatusForbidden, "privileged access is for super users; "+who.User+" is "+who.Role)
		return false
	}
	who.Privileged = priv
	return true
}

func badParam(w http.ResponseWriter, name, msg string) {
	writeError(w, http.StatusBadRequest, "bad query parameter", sdk.FieldError{Field: name, Message: msg})
}
