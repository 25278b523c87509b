package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/model"
)

// The Vault API subset. Upstream's notebooks keep their own secrets with
// raw Vault calls: vcc_info()['vault_url'] + '/v1/cubbyhole/<path>' with
// X-Vault-Token set to the VCC token. With the Vault backend that is
// Vault itself; with the embedded backend the controller answers the same
// calls (read, write, list, delete, token lookup-self) over the calling
// user's own secrets (identity.EmbeddedPath), so those notebooks work on
// the embedded default too. Answers and errors have Vault's shapes.

// VaultSubset is what the subset needs of the embedded backend.
type VaultSubset interface {
	Secrets
	LookupToken(ctx context.Context, secret string) (*identity.Token, error)
}

// vaultEngines are the secret engines served, with the lease Vault
// reports on a read (the cubbyhole has none; KV v1 32 days).
var vaultEngines = map[string]int{"cubbyhole": 0, "secret": 2764800}

// vaultPathRE is a safe secret path: segments of common characters, no
// "." or ".." segment (checked apart).
var vaultPathRE = regexp.MustCompile(`^[A-Za-z0-9_.@+=,-]+(/[A-Za-z0-9_.@+=,-]+)*$`)

// maxVaultPath bounds a secret's path.
const maxVaultPath = 512

// vaultPrefix is where the subset lives, beside the API as Vault's
// paths are.
const vaultPrefix = "/v1/"

// vaultRoutes are the subset's routes, in the route table with their
// access rules: reading a secret needs a full-access token, as GET
// /credentials/{provider}/{key} does; a readonly token may look itself up.
func (s *Server) vaultRoutes() []route {
	var out []route
	for _, engine := range []string{"cubbyhole", "secret"} {
		path, h := vaultPrefix+engine+"/*path", s.vaultSecret(engine)
		out = append(out, route{"GET", path, fullToken, self, []string{"list"}, h})
		for _, m := range []string{http.MethodPut, http.MethodPost, http.MethodDelete, "LIST"} {
			out = append(out, route{m, path, fullToken, self, nil, h})
		}
	}
	lookup := vaultPrefix + "auth/token/lookup-self"
	return append(out, route{"GET", lookup, anyToken, self, nil, s.vaultLookupSelf},
		route{"POST", lookup, fullToken, self, nil, s.vaultLookupSelf})
}

func vaultError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string][]string{"errors": {msg}})
}

// vaultGuard is guard for the subset: the same checks in the same order
// (a token, its rights, the query parameters), answered as Vault does: a
// refused token is 403 "permission denied", with why appended for people.
func (s *Server) vaultGuard(rt route) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if s.opts.Vault == nil {
			msg := "this controller keeps secrets in Vault, not in itself: send Vault API requests to Vault"
			if s.opts.VaultAddr != "" {
				msg += " at " + s.opts.VaultAddr
			}
			vaultError(w, http.StatusNotFound, msg+" (in vcp_config.yml: vcc.vault_url)")
			return
		}
		tok, err := auth.TokenFrom(r)
		if err != nil {
			vaultError(w, http.StatusForbidden, "permission denied: "+err.Error())
			return
		}
		who, err := s.auth.Authenticate(r.Context(), tok)
		if err != nil {
			vaultError(w, http.StatusForbidden, "permission denied: "+err.Error())
			return
		}
		if rec, ok := r.Context().Value(auditKey{}).(*auditInfo); ok {
			rec.who = who
		}
		if who.ReadOnly && rt.access.needsFull(r.Method) {
			vaultError(w, http.StatusForbidden, "permission denied: this token is readonly; secrets need a full-access token")
			return
		}
		for name := range r.URL.Query() {
			if name != "privileged" && !slices.Contains(rt.query, name) {
				vaultError(w, http.StatusBadRequest, fmt.Sprintf("%s is not a parameter of %s %s", name, r.Method, r.URL.Path))
				return
			}
		}
		ctx := auth.WithToken(context.WithValue(r.Context(), identityKey{}, who), tok)
		rt.handle(w, r.WithContext(ctx), ps)
	}
}

// vaultSecret serves one engine: GET reads (GET ?list=true and LIST
// list), PUT and POST write {"value": "..."}, DELETE deletes.
func (s *Server) vaultSecret(engine string) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		who := caller(r)
		path := strings.Trim(ps.ByName("path"), "/")
		list := r.Method == "LIST" || (r.Method == http.MethodGet && isTrue(r.URL.Query().Get("list")))
		if msg := checkVaultPath(path, list); msg != "" {
			vaultError(w, http.StatusBadRequest, fmt.Sprintf("%s/%s: %s", engine, path, msg))
			return
		}
		ctx, user, stored := r.Context(), who.User, identity.EmbeddedPath(engine, path)
		switch {
		case list:
			s.vaultList(w, r, user, identity.EmbeddedPath(engine, ""), path)
		case r.Method == http.MethodGet:
			v, err := s.opts.Vault.GetSecret(ctx, user, stored)
			if errors.Is(err, identity.ErrNoSecret) {
				writeJSON(w, http.StatusNotFound, map[string][]string{"errors": {}})
				return
			}
			if err != nil {
				s.vaultFail(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"request_id": model.NewID(), "lease_id": "", "renewable": false,
				"lease_duration": vaultEngines[engine], "data": map[string]string{"value": v}, "wrap_info": nil, "warnings": nil, "auth": nil})
		case r.Method == http.MethodDelete:
			err := s.opts.Vault.DeleteSecret(ctx, user, stored)
			if err != nil && !errors.Is(err, identity.ErrNoSecret) { // Vault: deleting nothing succeeds
				s.vaultFail(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			value, msg := vaultValue(w, r)
			if msg != "" {
				vaultError(w, http.StatusBadRequest, msg)
				return
			}
			if err := s.opts.Vault.PutSecret(ctx, user, stored, value); err != nil {
				s.vaultFail(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

func isTrue(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}

// checkVaultPath says what is wrong with a secret path ("" when fine); a
// list may name the engine's root.
func checkVaultPath(path string, list bool) string {
	if path == "" && list {
		return ""
	}
	if path == "" {
		return "name a secret, e.g. /v1/cubbyhole/PROVIDER/access_key"
	}
	if len(path) > maxVaultPath || !vaultPathRE.MatchString(path) {
		return fmt.Sprintf("a path is up to %d characters of letters, digits and _ . @ + = , - in /-separated segments", maxVaultPath)
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return `"." and ".." are not path segments`
		}
	}
	return ""
}

// vaultValue reads a write's body: the embedded store keeps one string
// per path, so the body must be {"value": "..."}, as upstream's SDK and
// notebooks write every secret.
func vaultValue(w http.ResponseWriter, r *http.Request) (string, string) {
	var body map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxSecret+1024))
	if err := dec.Decode(&body); err != nil {
		return "", "the body must be a JSON object {\"value\": \"...\"}: " + err.Error()
	}
	v, ok := body["value"].(string)
	if !ok || len(body) != 1 {
		var fields []string
		for k := range body {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		return "", fmt.Sprintf(`this controller's embedded secret store keeps one string field "value" per path, as upstream's SDK writes it; got the fields [%s]: write {"value": "..."} (or run the controller with the Vault backend, --vault-addr, for other data)`,
			strings.Join(fields, ", "))
	}
	if v == "" || len(v) > MaxSecret {
		return "", fmt.Sprintf(`"value" must be 1 to %d bytes`, MaxSecret)
	}
	return v, ""
}

// vaultList answers the keys directly under dir, sub-directories with a
// trailing "/", as Vault's LIST; nothing there is a 404 as in Vault.
func (s *Server) vaultList(w http.ResponseWriter, r *http.Request, user, root, dir string) {
	prefix := root
	if dir != "" {
		prefix += dir + "/"
	}
	paths, err := s.opts.Vault.ListSecrets(r.Context(), user, prefix)
	if err != nil {
		s.vaultFail(w, r, err)
		return
	}
	seen := map[string]bool{}
	keys := []string{}
	for _, p := range paths {
		rest := strings.TrimPrefix(p, prefix)
		if i := strings.Index(rest, "/"); i >= 0 {
			rest = rest[:i+1]
		}
		if rest != "" && !seen[rest] {
			seen[rest] = true
			keys = append(keys, rest)
		}
	}
	if len(keys) == 0 {
		writeJSON(w, http.StatusNotFound, map[string][]string{"errors": {}})
		return
	}
	sort.Strings(keys)
	writeJSON(w, http.StatusOK, map[string]any{"request_id": model.NewID(), "lease_id": "", "renewable": false,
		"lease_duration": 0, "data": map[string][]string{"keys": keys}, "wrap_info": nil, "warnings": nil, "auth": nil})
}

// vaultFail answers a backend failure without its details (logged).
func (s *Server) vaultFail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("vault subset request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	vaultError(w, http.StatusInternalServerError, "internal error: "+err.Error())
}
