package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/sdk"
)

// MaxSecret bounds one credential value (a PEM key fits easily).
const MaxSecret = 64 << 10

// Credentials belong to the calling user, not to its token: a new token
// of the same user finds them.

func (s *Server) credentialsOn(w http.ResponseWriter) bool {
	if s.opts.Secrets == nil {
		writeError(w, http.StatusNotFound, "no secret backend is configured")
		return false
	}
	return true
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if !s.credentialsOn(w) {
		return
	}
	paths, err := s.opts.Secrets.ListSecrets(r.Context(), caller(r).User, "credentials/")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []sdk.Credential{}
	for _, p := range paths {
		if prov, key, ok := strings.Cut(strings.TrimPrefix(p, "credentials/"), "/"); ok {
			out = append(out, sdk.Credential{Provider: prov, Key: key})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"credentials": out})
}

// credentialKey checks a provider/key pair: an installed provider must
// declare the key.
func (s *Server) credentialKey(w http.ResponseWriter, ps httprouter.Params) (string, string, bool) {
	prov, key := pluginmgr.Normalize(ps.ByName("provider")), ps.ByName("key")
	if info, err := s.plugins.Info(prov); err == nil {
		var names []string
		for _, k := range info.CredentialKeys {
			names = append(names, k.Name)
			names = append(names, k.Aliases...) // stored as given, read under the key's name
		}
		// A credentials family named by a plugin is accepted as its own provider.
		if !slices.Contains(names, key) {
			msg := fmt.Sprintf("provider %s takes the keys: %s", prov, strings.Join(names, ", "))
			if len(names) == 0 {
				msg = fmt.Sprintf("provider %s takes no credentials", prov)
			}
			if info.Has(provider.CapSSHLogin) {
				msg += "; it logs in with the controller's own SSH key: authorise GET /vcp/v1/occtr/publickey on the servers"
			}
			writeError(w, http.StatusBadRequest, "unknown credential key", sdk.FieldError{Field: "key", Message: msg})
			return "", "", false
		}
	}
	return prov, key, true
}

func (s *Server) putCredential(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if !s.credentialsOn(w) {
		return
	}
	prov, key, ok := s.credentialKey(w, ps)
	if !ok {
		return
	}
	var body struct {
		Value string `json:"value"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.Value == "" || len(body.Value) > MaxSecret {
		writeError(w, http.StatusBadRequest, "bad credential value", sdk.FieldError{Field: "value", Message: "must be 1 to " + strconv.Itoa(MaxSecret) + " bytes"})
		return
	}
	if err := s.opts.Secrets.PutSecret(r.Context(), caller(r).User, controller.CredentialPath(prov, key), body.Value); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getCredential(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if !s.credentialsOn(w) {
		return
	}
	prov, key := pluginmgr.Normalize(ps.ByName("provider")), ps.ByName("key")
	v, err := s.opts.Secrets.GetSecret(r.Context(), caller(r).User, controller.CredentialPath(prov, key))
	if errors.Is(err, identity.ErrNoSecret) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s has no credential %s/%s", caller(r).User, prov, key))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sdk.Credential{Provider: prov, Key: key, Value: v})
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if !s.credentialsOn(w) {
		return
	}
	prov, key := pluginmgr.Normalize(ps.ByName("provider")), ps.ByName("key")
	err := s.opts.Secrets.DeleteSecret(r.Context(), caller(r).User, controller.CredentialPath(prov, key))
	if errors.Is(err, identity.ErrNoSecret) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s has no credential %s/%s", caller(r).User, prov, key))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// auditTail shows the newest audit lines (?limit=, 1 to 1000, default
// 100) to super users (the route's rule).
func (s *Server) auditTail(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	n := 100
	if raw := r.URL.Query().Get("limit"); raw != "" {
		var err error
		if n, err = strconv.Atoi(raw); err != nil || n <= 0 || n > 1000 {
			badParam(w, "limit", fmt.Sprintf("must be a number from 1 to 1000, got %q", raw))
			return
		}
	}
	if s.opts.Audit == nil {
		writeError(w, http.StatusNotFound, "auditing is off")
		return
	}
	lines, err := s.opts.Audit.Tail(n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": lines})
}
