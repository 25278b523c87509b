// Package api serves the REST API under /vcp/v1/occtr/: httprouter
// handlers that decode, authenticate, call the controller and encode. It
// knows nothing of gRPC or plugins beyond their listing.
package api

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/events"
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
	r.GET(Prefix+"/version", s.authed(s.getVersion))
	r.GET(Prefix+"/accounts/authority", s.authed(s.authority))
	r.GET(Prefix+"/vpn_catalog", s.authed(s.vpnCatalog))
	r.GET(Prefix+"/publickey", s.authed(s.publicKey))
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

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

type identityKey struct{}

func identity(r *http.Request) *auth.Identity {
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
		h(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, who)), ps)
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
