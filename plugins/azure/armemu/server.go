// Package armemu is a small stateful emulator of Azure Resource Manager
// and of the Microsoft Entra ID sign-in endpoints, over HTTPS, so that
// the official Azure SDK for Go runs against it unchanged, from a plugin
// subprocess as well as in-process (the SDK's own fakes route on a
// context value and cannot serve another process). It speaks ARM's wire
// API: resource ids, api-version, bearer tokens, Azure-AsyncOperation
// long-running operations that answer InProgress before Succeeded, and
// Azure's error JSON. State lives in memory.
package armemu

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Config says who may sign in and how slow the cloud is.
type Config struct {
	Tenant, ClientID, ClientSecret, Subscription string
	// Location of the seeded resource group.
	Location string
	// Delay is how long a long-running operation (a VM's create, start,
	// deallocate, delete) stays InProgress.
	Delay time.Duration
	// Addr to listen on; default 127.0.0.1:0.
	Addr string
	// Dir receives ca.pem.
	Dir string
}

// Server is a running emulator.
type Server struct {
	Config
	// URL is the base of both ARM and the sign-in endpoints.
	URL string
	// CAFile is the PEM of the CA that signed the server's certificate:
	// set SSL_CERT_FILE to it in a client process.
	CAFile string
	// CAs trusts the emulator, for in-process clients.
	CAs *x509.CertPool

	mu         sync.Mutex
	now        func() time.Time
	tokens     map[string]time.Time
	groups     map[string]*group
	ops        map[string]*op
	market     map[string][]string // publisher:offer:sku (lower case) -> versions
	sizes      map[string]size     // vm size (lower case) -> what it is
	quota      int                 // cores of the subscription; 0: unlimited
	allocFails int
	faults     faults
	stats      Stats
	runner     Runner

	ln  net.Listener
	srv *http.Server
}

// Stats counts what the emulator served.
type Stats struct {
	Tokens   int // tokens issued
	Requests int // ARM requests
}

// Start serves a new emulator until Close.
func Start(c Config) (*Server, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Location == "" {
		c.Location = "japaneast"
	}
	s := &Server{Config: c, now: time.Now, tokens: map[string]time.Time{}, groups: map[string]*group{},
		ops: map[string]*op{}, market: map[string][]string{}, sizes: defaultSizes()}
	s.CAFile = filepath.Join(c.Dir, "ca.pem")
	cfg, pool, err := newTLS(s.CAFile)
	if err != nil {
		return nil, err
	}
	s.CAs = pool
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	s.ln = tls.NewListener(ln, cfg)
	s.URL = "https://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(s.ln) }()
	return s, nil
}

// Close stops serving.
func (s *Server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Stats reports what was served so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ServeHTTP routes sign-in paths (/{tenant}/...) and ARM paths
// (/subscriptions/...).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
		return
	}
	if parts[0] == "_emu" {
		s.admin(w, r, parts)
		return
	}
	if !strings.EqualFold(parts[0], "subscriptions") {
		s.login(w, r, parts)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.settle()
	if e := s.authorized(r); e != nil {
		writeErr(w, e)
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		writeErr(w, fail(http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
		return
	}
	if e := s.faults.take(r); e != nil {
		writeErr(w, e)
		return
	}
	if len(parts) < 2 || parts[1] != s.Subscription {
		writeErr(w, fail(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", at(parts, 1)))
		return
	}
	s.arm(w, r, parts[2:])
}

// at is parts[i], or "" past the end.
func at(parts []string, i int) string {
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

// key is how ARM compares names: without case.
func key(name string) string { return strings.ToLower(name) }
