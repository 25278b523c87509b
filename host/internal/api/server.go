// Package api serves the REST API under /vcp/v1/occtr/: httprouter
// handlers that decode, authenticate, call the controller and encode. It
// knows nothing of gRPC or plugins beyond their listing.
package api

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/audit"
	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// Prefix is the root of the controller's API, as upstream.
const Prefix = "/vcp/v1/occtr"

// UpstreamVersion is the release of NII's Portable VC Controller whose
// API this controller implements; GET /version reports it so that
// notebooks requiring "VCC >= 25.04" accept vcc. Raise it only when vcc
// implements what a newer release added.
const UpstreamVersion = "25.04.0"

//go:embed openapi.yaml
var openapiDoc []byte

// Server is the HTTP face of the controller.
type Server struct {
	ctrl    *controller.Controller
	plugins *pluginmgr.Manager
	auth    auth.Authenticator
	bus     *events.Bus
	log     hclog.Logger
	opts    Options
	router  *httprouter.Router
}

// Options of the server.
type Options struct {
	Version string
	// Commit is the source commit of the build.
	Commit string
	// DeleteOrphans makes POST /reconcile delete the orphans it finds.
	DeleteOrphans bool
	// PublicKey is the controller's SSH public key (authorized_keys form).
	PublicKey string
	// CAPEM is the CA that signed the server certificate, served without
	// a token so notebooks and SDKs can fetch what to trust.
	CAPEM []byte
	// Secrets stores users' credentials; nil disables the credentials API.
	Secrets Secrets
	// Audit receives one entry per API call; nil disables it.
	Audit *audit.Log
	// Vault, set with the embedded backend, serves the Vault API subset
	// notebooks use (/v1/cubbyhole, /v1/secret, lookup-self) over each
	// user's own secrets; nil when the controller uses a real Vault.
	Vault VaultSubset
	// VaultAddr is that real Vault, named when /v1/ is asked of vcc.
	VaultAddr string
}

// Secrets is what the credentials API needs from the identity backend.
type Secrets interface {
	PutSecret(ctx context.Context, user, path, value string) error
	GetSecret(ctx context.Context, user, path string) (string, error)
	DeleteSecret(ctx context.Context, user, path string) error
	ListSecrets(ctx context.Context, user, prefix string) ([]string, error)
}

// New builds the handler.
func New(ctrl *controller.Controller, plugins *pluginmgr.Manager, authn auth.Authenticator, bus *events.Bus, log hclog.Logger, opts Options) *Server {
	s := &Server{ctrl: ctrl, plugins: plugins, auth: authn, bus: bus, log: log.Named("api"), opts: opts, router: httprouter.New()}
	r := s.router
	// OPTIONS is no method of this API: answered 405 like any other, not
	// 200 to anyone without a token.
	r.HandleOPTIONS = false
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such path: "+r.URL.Path+" (the API lives under "+Prefix+"/, described at /vcp/v1/openapi.yaml)")
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+w.Header().Get("Allow"))
	})
	r.PanicHandler = func(w http.ResponseWriter, r *http.Request, v any) {
		s.log.Error("handler panic", "path", r.URL.Path, "panic", v)
		writeError(w, http.StatusInternalServerError, "internal error")
	}

	register(r, s.routes(), s.guard)
	return s
}

// register adds the routes to r. httprouter takes no literal segment
// beside a wildcard of the same method (POST /vcs/fail beside POST
// /vcs/:vcid), so such a literal route is served by the wildcard route's
// entry, which hands that value to it; each keeps its own guard.
func register(r *httprouter.Router, routes []route, guard func(route) httprouter.Handle) {
	type literal struct {
		param, value string
		handle       httprouter.Handle
	}
	beside := map[int][]literal{}
	taken := map[int]bool{}
	for i, lit := range routes {
		for j, wild := range routes {
			if param, value, ok := literalOf(lit, wild); ok {
				beside[j] = append(beside[j], literal{param, value, guard(lit)})
				taken[i] = true
			}
		}
	}
	for i, rt := range routes {
		if taken[i] {
			continue
		}
		h, lits := guard(rt), beside[i]
		if len(lits) > 0 {
			wild := h
			h = func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) {
				for _, l := range lits {
					if ps.ByName(l.param) == l.value {
						l.handle(w, req, nil)
						return
					}
				}
				wild(w, req, ps)
			}
		}
		r.Handle(rt.method, rt.path, h)
	}
}

// literalOf: lit's path is wild's with one wildcard segment written out.
func literalOf(lit, wild route) (param, value string, ok bool) {
	if lit.method != wild.method || lit.path == wild.path {
		return "", "", false
	}
	ls, ws := strings.Split(lit.path, "/"), strings.Split(wild.path, "/")
	if len(ls) != len(ws) {
		return "", "", false
	}
	for k := range ls {
		switch {
		case ls[k] == ws[k]:
		case param == "" && strings.HasPrefix(ws[k], ":") && !strings.HasPrefix(ls[k], ":"):
			param, value = ws[k][1:], ls[k]
		default:
			return "", "", false
		}
	}
	return param, value, param != ""
}

// ServeHTTP routes the request under a request id (the caller's
// X-Request-Id when well formed), logs it and audits it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !requestIDRE.MatchString(id) {
		id = model.NewID()[:16]
	}
	w.Header().Set("X-Request-Id", id)
	rec := &auditInfo{}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.router.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, rec)))
	e := audit.Entry{Kind: "api", RequestID: id, Method: r.Method, Path: r.URL.Path, Status: sw.status, OpID: sw.Header().Get(opHeader)}
	if rec.who != nil {
		e.User, e.Accessor = rec.who.User, rec.who.Accessor
	}
	logf := s.log.Debug
	if r.Method != http.MethodGet || sw.status >= 500 {
		logf = s.log.Info
	}
	logf("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"user", e.User, "operation_id", e.OpID, "duration", time.Since(start))
	if s.opts.Audit == nil {
		return
	}
	if err := s.opts.Audit.Write(e); err != nil {
		s.log.Error("audit log write failed", "request_id", id, "error", err)
	}
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// opHeader names the operation a response started, for the audit line.
const opHeader = "X-Vcc-Operation"

type auditKey struct{}

// auditInfo lets the inner handler tell the audit middleware who called.
type auditInfo struct{ who *auth.Identity }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps server-sent events streaming through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// waitParam reads ?wait=DURATION for long polls, capped at a minute; a
// malformed one is a 400.
func waitParam(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	raw := r.URL.Query().Get("wait")
	if raw == "" {
		return 0, true
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		badParam(w, "wait", fmt.Sprintf("must be a duration such as 30s (at most 1m), got %q", raw))
		return 0, false
	}
	return min(d, time.Minute), true
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openapiDoc)
}

// caPEM is served without a token so notebooks and SDKs can fetch what
// to trust.
func (s *Server) caPEM(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(s.opts.CAPEM)
}
