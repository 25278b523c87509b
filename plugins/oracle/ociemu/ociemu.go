// Package ociemu is a small stateful emulator of the OCI Core (compute,
// virtual network, block storage) and Identity APIs, as much of them as
// the oracle plugin uses, speaking OCI's wire format so that the official
// oci-go-sdk runs against it unchanged. Like OCI it verifies every
// request's signature (draft-cavage HTTP signatures, RSA-SHA256) against
// the public key registered for the caller and answers 401
// NotAuthenticated otherwise; instances, VNICs and volumes go through
// OCI's lifecycle states asynchronously; LaunchInstance honours
// opc-retry-token; errors are OCI's JSON ({"code","message"}) with an
// opc-request-id header. It is the plugin's test peer, not OCI: the
// plugin is tested against this emulator, never against the real cloud.
package ociemu

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base32"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// apiVersion is the path prefix of OCI's Core and Identity APIs.
const apiVersion = "/20160918"

// Options shape an emulator.
type Options struct {
	// Region is the region the emulator plays, like "ap-tokyo-1".
	Region string
	// Tenancy is the tenancy OCID every registered user belongs to.
	Tenancy string
	// ADs are the availability domains' names, like "Uocm:AP-TOKYO-1-AD-1".
	ADs []string
	// BootDelay is how long an instance stays PROVISIONING or STARTING,
	// and a VNIC or volume PROVISIONING; StopDelay how long STOPPING and
	// TERMINATING last.
	BootDelay, StopDelay time.Duration
	// Retain is how long a TERMINATED instance stays listed (OCI keeps
	// them visible for a while too).
	Retain time.Duration
	// InstanceLimit is the tenancy's service limit on live instances
	// (LimitExceeded beyond it); 0 is no limit.
	InstanceLimit int
	// ClockSkew is how far a request's Date may be from now; default 5 min.
	ClockSkew time.Duration
	// Latency delays every answer, as a far region would.
	Latency time.Duration
	// Log, when set, gets why a request was not authenticated.
	Log func(format string, args ...any)
	// Machines, when set, run real machines for instances (see Machines).
	Machines Machines
}

// Machines runs a real machine for each instance, for tests where nodes
// really boot. The emulator calls it without holding its lock.
type Machines interface {
	// Boot starts a machine with the instance's private IP and user data
	// (base64 cloud-init, as OCI's metadata user_data is).
	Boot(instanceID, privateIP, userData string) error
	// Stop stops (or for terminate, removes) the machine.
	Stop(instanceID string, remove bool) error
}

// AnswerLost, appended to an operation's name in Fail, makes the fault
// strike after the operation is done: the caller hears an error although
// OCI did it (a lost answer, a gateway timing out).
const AnswerLost = "!after"

// Server is one emulated OCI region of one tenancy.
type Server struct {
	opt Options

	mu          sync.Mutex
	users       map[string]*rsa.PublicKey // keyId "tenancy/user/fingerprint" → key
	compartment map[string]bool
	instances   map[string]*instance
	order       []string // instance ids in creation order, for stable lists
	vnics       map[string]*vnic
	attachments map[string]*vnicAttachment
	subnets     map[string]*subnet
	images      map[string]*image
	volumes     map[string]*volume
	volAttach   map[string]*volumeAttachment
	tokens      map[string]retryToken // LaunchInstance's
	volTokens   map[string]retryToken // CreateVolume's
	faults      []*fault
	calls       map[string]int // operation → requests that passed authentication
}

// New makes an emulator with no users, subnets or images: add them with
// AddUser, AddSubnet, AddImage (or use Start, which seeds a test world).
func New(o Options) *Server {
	if o.Region == "" {
		o.Region = "ap-tokyo-1"
	}
	if o.Tenancy == "" {
		o.Tenancy = "ocid1.tenancy.oc1.." + randomID()
	}
	if len(o.ADs) == 0 {
		o.ADs = []string{"Uocm:" + strings.ToUpper(o.Region) + "-AD-1"}
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = 5 * time.Minute
	}
	if o.Retain == 0 {
		o.Retain = time.Minute
	}
	return &Server{
		opt: o, users: map[string]*rsa.PublicKey{}, compartment: map[string]bool{o.Tenancy: true},
		instances: map[string]*instance{}, vnics: map[string]*vnic{}, attachments: map[string]*vnicAttachment{},
		subnets: map[string]*subnet{}, images: map[string]*image{}, volumes: map[string]*volume{},
		volAttach: map[string]*volumeAttachment{}, tokens: map[string]retryToken{}, volTokens: map[string]retryToken{}, calls: map[string]int{},
	}
}

// Tenancy is the tenancy's OCID.
func (s *Server) Tenancy() string { return s.opt.Tenancy }

// Region is the region the emulator plays.
func (s *Server) Region() string { return s.opt.Region }

// ADs are the availability domains.
func (s *Server) ADs() []string { return append([]string(nil), s.opt.ADs...) }

// AddCompartment makes a compartment of the tenancy and returns its OCID.
func (s *Server) AddCompartment() string {
	id := "ocid1.compartment.oc1.." + randomID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compartment[id] = true
	return id
}

// Calls is how many authenticated requests an operation (like
// "LaunchInstance") has had, for tests that count retries.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		r := r
		mux.HandleFunc(r.method+" "+apiVersion+r.path, func(w http.ResponseWriter, req *http.Request) {
			s.serve(w, req, r)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		writeErr(w, req, apiError{http.StatusNotFound, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found."})
	})
	return mux
}

type route struct {
	method, path, op string
	fn               func(*http.Request, []byte) (int, any, error)
}

func (s *Server) routes() []route {
	return []route{
		{"POST", "/instances", "LaunchInstance", s.launchInstance},
		{"GET", "/instances", "ListInstances", s.listInstances},
		{"GET", "/instances/{id}", "GetInstance", s.getInstance},
		{"POST", "/instances/{id}", "InstanceAction", s.instanceAction},
		{"PUT", "/instances/{id}", "UpdateInstance", s.updateInstance},
		{"DELETE", "/instances/{id}", "TerminateInstance", s.terminateInstance},
		{"GET", "/vnicAttachments", "ListVnicAttachments", s.listVnicAttachments},
		{"GET", "/vnics/{id}", "GetVnic", s.getVnic},
		{"GET", "/subnets/{id}", "GetSubnet", s.getSubnet},
		{"GET", "/privateIps", "ListPrivateIps", s.listPrivateIps},
		{"GET", "/images", "ListImages", s.listImages},
		{"GET", "/images/{id}", "GetImage", s.getImage},
		{"GET", "/shapes", "ListShapes", s.listShapes},
		{"POST", "/volumes", "CreateVolume", s.createVolume},
		{"GET", "/volumes", "ListVolumes", s.listVolumes},
		{"GET", "/volumes/{id}", "GetVolume", s.getVolume},
		{"DELETE", "/volumes/{id}", "DeleteVolume", s.deleteVolume},
		{"POST", "/volumeAttachments", "AttachVolume", s.attachVolume},
		{"GET", "/volumeAttachments", "ListVolumeAttachments", s.listVolumeAttachments},
		{"GET", "/volumeAttachments/{id}", "GetVolumeAttachment", s.getVolumeAttachment},
		{"DELETE", "/volumeAttachments/{id}", "DetachVolume", s.detachVolume},
		{"GET", "/availabilityDomains", "ListAvailabilityDomains", s.listADs},
	}
}

// serve authenticates a request, applies injected faults, runs the
// operation and writes its answer as OCI does.
func (s *Server) serve(w http.ResponseWriter, req *http.Request, r route) {
	if s.opt.Latency > 0 {
		time.Sleep(s.opt.Latency)
	}
	body, err := s.authenticate(req)
	if err != nil {
		writeErr(w, req, err)
		return
	}
	s.mu.Lock()
	s.calls[r.op]++
	f := s.takeFault(r.op)
	s.mu.Unlock()
	if f != nil {
		writeErr(w, req, f.err)
		return
	}
	status, out, err := r.fn(req, body)
	if err != nil {
		writeErr(w, req, err)
		return
	}
	s.mu.Lock()
	lost := s.takeFault(r.op + AnswerLost)
	s.mu.Unlock()
	if lost != nil { // done, but the caller hears an error
		writeErr(w, req, lost.err)
		return
	}
	writeJSON(w, req, status, out)
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomID is the unique part of an OCID: 60 lower-case base32 letters
// like OCI's.
func randomID() string {
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToLower(idEncoding.EncodeToString(b))[:60]
}

// ocid makes a regional OCID of kind.
func (s *Server) ocid(kind string) string {
	return fmt.Sprintf("ocid1.%s.oc1.%s.%s", kind, s.opt.Region, randomID())
}
