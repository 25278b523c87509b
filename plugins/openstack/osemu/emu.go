// Package osemu is a small stateful OpenStack emulator for vcc's tests
// and demos: Keystone v3 (version discovery, password and
// application-credential tokens with a service catalog, expiry), Nova
// (servers with tags, metadata, faults, power actions and microversions,
// asynchronous like the real one), Neutron (networks, subnets, ports,
// security groups, tags), Glance (images) and Cinder (volumes). It
// speaks OpenStack's wire API and error bodies, so gophercloud runs
// against it unchanged. It is not OpenStack: it keeps what the vcc
// provider reads and writes, and checks requests as the real services do
// where the provider depends on it.
package osemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Well-known ids of the seeded cloud (Default), so tests and demos can
// name them without a look-up.
const (
	ProjectID      = "0c4e939acacf4376bdcd1129f1a054ad"
	ProjectName    = "vcc-project"
	DomainID       = "default"
	DomainName     = "Default"
	UserName       = "vcc"
	UserPassword   = "vcc-secret"
	AppCredID      = "a8f2c1e0b3d94f6e8a7b5c4d3e2f1a0b"
	AppCredSecret  = "app-cred-secret"
	NetworkID      = "4d6c2a7e-3b1f-4c8e-9a5d-0e1f2a3b4c5d"
	NetworkName    = "vcc-net"
	SubnetID       = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
	SubnetCIDR     = "10.56.0.0/24"
	OtherNetworkID = "5e7d3b8f-4c2a-4d9f-8b6e-1f2a3b4c5d6e"
	SecGroupID     = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
	SecGroupName   = "vcc-sg"
	ImageID        = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	ImageName      = "ubuntu-24.04"
	Region         = "RegionOne"
	PublicNetID    = "6f8e4c9a-5d3b-4e0a-9c7f-2a3b4c5d6e7f"
	PublicNetName  = "public"
	DataVolumeID   = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
	DataVolume2ID  = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a"
	SnapshotID     = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
)

// Options shape the emulated cloud. Zero values take the defaults.
type Options struct {
	// TokenTTL is how long a token lives (1 hour): short in a test of
	// token renewal.
	TokenTTL time.Duration
	// BootDelay is how long a server stays BUILD; StopDelay how long a
	// stop, start or reboot takes; DeleteDelay how long a deleted server
	// is still listed (deleting).
	BootDelay, StopDelay, DeleteDelay time.Duration
	// MaxMicroversion is Nova's highest microversion ("2.96"); below
	// 2.26 tag filters are ignored, below 2.52 tags cannot be set at
	// create, as in the real Nova.
	MaxMicroversion string
	// QuotaInstances is the project's instance quota (0: none).
	QuotaInstances int
	// Capacity is how many servers the hosts have room for (0: no
	// limit): beyond it a new server goes ERROR with NoValidHost.
	Capacity int
	// SubnetCIDR is the range of the seeded network (SubnetCIDR).
	SubnetCIDR string
	// VMs, when set, runs every server as a container (see VMs).
	VMs *VMs
}

func (o *Options) defaults() {
	if o.TokenTTL == 0 {
		o.TokenTTL = time.Hour
	}
	if o.BootDelay == 0 {
		o.BootDelay = 200 * time.Millisecond
	}
	if o.StopDelay == 0 {
		o.StopDelay = 100 * time.Millisecond
	}
	if o.DeleteDelay == 0 {
		o.DeleteDelay = 100 * time.Millisecond
	}
	if o.SubnetCIDR == "" {
		o.SubnetCIDR = SubnetCIDR
	}
	if o.MaxMicroversion == "" {
		o.MaxMicroversion = "2.96"
	}
}

// Cloud is the emulator's state and its HTTP handler.
type Cloud struct {
	opts Options
	mux  *http.ServeMux
	base string // the URL clients reach it at, for the service catalog

	mu        sync.Mutex
	tokens    map[string]*token
	issued    int // tokens issued, for tests of renewal
	users     []*user
	appCreds  []*appCred
	projects  []*project
	servers   map[string]*server
	ports     map[string]*port
	networks  map[string]*network
	subnets   map[string]*subnet
	groups    map[string]*secGroup
	images    map[string]*image
	flavors   map[string]*flavor
	volumes   map[string]*volume
	fips      map[string]*floatingIP
	snapshots map[string]*snapshot
	azs       []string
	vmErr     error // setting up the VMs' network failed
	stopVMs   chan struct{}
}

// New returns a cloud seeded with one domain, project, user,
// application credential, two networks, a security group, images and
// flavors (see the constants). SetBase must be called with the URL the
// handler is served at before any token is issued (Start does).
func New(opts Options) *Cloud {
	opts.defaults()
	c := &Cloud{opts: opts, mux: http.NewServeMux(), tokens: map[string]*token{}, servers: map[string]*server{},
		ports: map[string]*port{}, networks: map[string]*network{}, subnets: map[string]*subnet{}, groups: map[string]*secGroup{},
		images: map[string]*image{}, flavors: map[string]*flavor{}, volumes: map[string]*volume{}, fips: map[string]*floatingIP{}, snapshots: map[string]*snapshot{}, azs: []string{"nova", "zone-b"}}
	c.seed()
	c.routes()
	if opts.VMs != nil {
		if c.vmErr = opts.VMs.setUp(c.opts.SubnetCIDR); c.vmErr == nil {
			c.stopVMs = make(chan struct{})
			go c.powerSync()
		}
	}
	return c
}

// Close removes what the cloud made outside itself (the VMs).
func (c *Cloud) Close() {
	if c.stopVMs != nil {
		close(c.stopVMs)
		c.opts.VMs.tearDown()
		c.stopVMs = nil
	}
}

// SetBase tells the cloud its URL (no trailing slash).
func (c *Cloud) SetBase(url string) { c.base = strings.TrimSuffix(url, "/") }

// ServeHTTP serves every API.
func (c *Cloud) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// AuthURL is Keystone's v3 URL, for a catalog entry's auth_url.
func (c *Cloud) AuthURL() string { return c.base + "/identity/v3" }

func (c *Cloud) seed() {
	c.projects = []*project{{ID: ProjectID, Name: ProjectName, DomainID: DomainID}}
	c.users = []*user{{ID: "u-" + UserName, Name: UserName, Password: UserPassword, DomainID: DomainID, Projects: []string{ProjectID}}}
	c.appCreds = []*appCred{{ID: AppCredID, Secret: AppCredSecret, UserID: "u-" + UserName, ProjectID: ProjectID}}
	c.networks[NetworkID] = &network{ID: NetworkID, Name: NetworkName, ProjectID: ProjectID, Subnets: []string{SubnetID}}
	c.subnets[SubnetID] = mustSubnet(SubnetID, "vcc-subnet", NetworkID, c.opts.SubnetCIDR)
	c.networks[OtherNetworkID] = &network{ID: OtherNetworkID, Name: "other-net", ProjectID: ProjectID, Subnets: []string{"other-subnet"}}
	c.subnets["other-subnet"] = mustSubnet("other-subnet", "other-subnet", OtherNetworkID, "10.57.0.0/24")
	c.networks[PublicNetID] = &network{ID: PublicNetID, Name: PublicNetName, ProjectID: "admin-project", Subnets: []string{"public-subnet"}, External: true}
	c.subnets["public-subnet"] = mustSubnet("public-subnet", "public-subnet", PublicNetID, "203.0.113.0/24")
	c.groups[SecGroupID] = &secGroup{ID: SecGroupID, Name: SecGroupName, ProjectID: ProjectID}
	c.groups["default-sg"] = &secGroup{ID: "default-sg", Name: "default", ProjectID: ProjectID}
	c.images[ImageID] = &image{ID: ImageID, Name: ImageName, Visibility: "public", Owner: "admin-project", MinDisk: 10}
	c.images["7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"] = &image{ID: "7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", Name: "vcp-base", Visibility: "public", Owner: "admin-project", MinDisk: 10}
	c.images["8c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"] = &image{ID: "8c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", Name: "someone-elses", Visibility: "private", Owner: "other-project", MinDisk: 10}
	for i, f := range []flavor{{Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20}, {Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40},
		{Name: "m1.large", VCPUs: 4, RAM: 8192, Disk: 80}, {Name: "m1.xlarge", VCPUs: 8, RAM: 16384, Disk: 160}} {
		f.ID = fmt.Sprint(i + 1)
		c.flavors[f.ID] = &f
	}
	c.volumes[DataVolumeID] = &volume{ID: DataVolumeID, Name: "data-1", Size: 10, Status: "available", ProjectID: ProjectID, Created: time.Now().UTC()}
	c.snapshots[SnapshotID] = &snapshot{ID: SnapshotID, Name: "golden", VolumeID: DataVolumeID, ProjectID: ProjectID, Size: 10}
	c.volumes[DataVolume2ID] = &volume{ID: DataVolume2ID, Name: "data-2", Size: 10, Status: "available", ProjectID: ProjectID, Created: time.Now().UTC()}
}

// newID is a random UUID (version 4 layout).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// writeJSON answers status with v.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// novaError is Nova's and Cinder's error body: {"itemNotFound": {"code":
// 404, "message": "..."}}.
func novaError(w http.ResponseWriter, status int, format string, a ...any) {
	kind := map[int]string{400: "badRequest", 403: "forbidden", 404: "itemNotFound", 406: "notAcceptable", 409: "conflictingRequest", 413: "overLimit"}[status]
	if kind == "" {
		kind = "computeFault"
	}
	writeJSON(w, status, map[string]any{kind: map[string]any{"code": status, "message": fmt.Sprintf(format, a...)}})
}

// neutronError is Neutron's: {"NeutronError": {"type", "message", "detail"}}.
func neutronError(w http.ResponseWriter, status int, typ, format string, a ...any) {
	writeJSON(w, status, map[string]any{"NeutronError": map[string]any{"type": typ, "message": fmt.Sprintf(format, a...), "detail": ""}})
}

// keystoneError is Keystone's (and keystonemiddleware's):
// {"error": {"code", "title", "message"}}.
func keystoneError(w http.ResponseWriter, status int, message string) {
	title := map[int]string{400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Keystone uri=\"identity\"")
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "title": title, "message": message}})
}

// decodeBody reads a JSON request body into v; false (answered 400) when
// it is not JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, fail func(http.ResponseWriter, string)) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		fail(w, "Malformed request body: "+err.Error())
		return false
	}
	return true
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
