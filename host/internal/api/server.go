// Package api serves the REST API under /vcp/v1/occtr/: httprouter
// handlers that decode, authenticate, call the controller and encode. It
// knows nothing of gRPC or plugins beyond their listing.
package api

import (
	"context"
	_ "embed"
	"net/http"
	"regexp"
	"strconv"
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

	r.GET("/vcp/v1/openapi.yaml", func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openapiDoc)
	})
	r.GET(Prefix+"/health", s.health)
	r.GET(Prefix+"/ca.pem", func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.opts.CAPEM)
	})
	r.GET(Prefix+"/credentials", s.authed(s.listCredentials))
	r.GET(Prefix+"/credentials/:provider/:key", s.authed(s.getCredential))
	r.PUT(Prefix+"/credentials/:provider/:key", s.authed(s.putCredential))
	r.DELETE(Prefix+"/credentials/:provider/:key", s.authed(s.deleteCredential))
	r.GET(Prefix+"/audit", s.authed(s.auditTail))
	r.GET(Prefix+"/version", s.authed(s.getVersion))
	r.GET(Prefix+"/accounts/authority", s.authed(s.authority))
	r.GET(Prefix+"/vpn_catalog", s.authed(s.vpnCatalog))
	r.GET(Prefix+"/ip_pools", s.authed(s.ipPools))
	r.GET(Prefix+"/publickey", s.authed(s.publicKey))
	r.GET(Prefix+"/onpremises/bootstrap", s.authed(s.onpremBootstrap))
	r.GET(Prefix+"/flavors", s.authed(s.flavors))
	r.GET(Prefix+"/plugins", s.authed(s.listPlugins))
	r.GET(Prefix+"/operations/:id", s.authed(s.getOperation))
	r.GET(Prefix+"/events", s.authed(s.events))
	r.GET(Prefix+"/reconcile", s.authed(s.lastReconcile))
	r.POST(Prefix+"/reconcile", s.authed(s.reconcile))

	r.GET(Prefix+"/vcs", s.authed(s.listVCs))
	r.POST(Prefix+"/vcs", s.authed(s.createVC))
	r.GET(Prefix+"/vcs/:vcid", s.authed(s.getVC))
	r.POST(Prefix+"/vcs/:vcid", s.authed(s.createUnit))
	r.PATCH(Prefix+"/vcs/:vcid", s.authed(s.changeOwner))
	r.DELETE(Prefix+"/vcs/:vcid", s.authed(s.deleteVC))
	r.GET(Prefix+"/vcs/:vcid/:unit", s.authed(s.getUnit))
	r.PUT(Prefix+"/vcs/:vcid/:unit", s.authed(s.addNodes))
	r.DELETE(Prefix+"/vcs/:vcid/:unit", s.authed(s.deleteUnit))
	// The third segment is an action on PATCH and a node id otherwise.
	r.PATCH(Prefix+"/vcs/:vcid/:unit/:sub", s.authed(s.unitAction))
	r.GET(Prefix+"/vcs/:vcid/:unit/:sub", s.authed(s.getNode))
	r.DELETE(Prefix+"/vcs/:vcid/:unit/:sub", s.authed(s.deleteNode))
	r.PATCH(Prefix+"/vcs/:vcid/:unit/:sub/:action", s.authed(s.nodeAction))
	return s
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

// Flush keeps server-sent events streaming through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type identityKey struct{}

func caller(r *http.Request) *auth.Identity {
	return r.Context().Value(identityKey{}).(*auth.Identity)
}

// authed checks the token; a readonly token may only read.
func (s *Server) authed(h httprouter.Handle) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
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
		if who.ReadOnly && r.Method != http.MethodGet {
			writeError(w, http.StatusForbidden, "this token is readonly: it may not "+r.Method+" "+r.URL.Path)
			return
		}
		if priv, _ := strconv.ParseBool(r.URL.Query().Get("privileged")); priv {
			if who.Role != "super" {
				writeError(w, http.StatusForbidden, "privileged access is for super users; "+who.User+" is "+who.Role)
				return
			}
			who.Privileged = true
		}
		if rec, ok := r.Context().Value(auditKey{}).(*auditInfo); ok {
			rec.who = who
		}
		ctx := auth.WithToken(context.WithValue(r.Context(), identityKey{}, who), tok)
		h(w, r.WithContext(ctx), ps)
	}
}

// waitParam reads ?wait=DURATION for long polls, capped at a minute.
func waitParam(r *http.Request) time.Duration {
	d, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if err != nil || d < 0 {
		return 0
	}
	return min(d, time.Minute)
}
