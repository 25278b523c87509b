package osemu

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func (c *Cloud) routes() {
	c.keystoneRoutes()
	c.novaRoutes()
	c.neutronRoutes()
	c.storageRoutes()
	c.floatingRoutes()
	// Test and demo hooks, outside every OpenStack path.
	c.mux.HandleFunc("GET /_emu/state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, c.State()) })
	c.mux.HandleFunc("POST /_emu/expire-tokens", func(w http.ResponseWriter, r *http.Request) { c.ExpireTokens(); w.WriteHeader(http.StatusNoContent) })
	c.mux.HandleFunc("DELETE /_emu/servers/{id}", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if s := c.servers[r.PathValue("id")]; s != nil {
			c.remove(s)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// State is what the cloud holds, for tests and demos (GET /_emu/state).
type State struct {
	Servers      []ServerState     `json:"servers"`
	Ports        []PortState       `json:"ports"`
	Volumes      []VolumeState     `json:"volumes"`
	FloatingIPs  []FloatingIPState `json:"floating_ips"`
	TokensIssued int               `json:"tokens_issued"`
}

// ServerState is one server.
type ServerState struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Status         string            `json:"status"`
	TaskState      string            `json:"task_state"`
	Flavor         string            `json:"flavor"`
	ImageID        string            `json:"image_id"`
	Metadata       map[string]string `json:"metadata"`
	Tags           []string          `json:"tags"`
	UserData       string            `json:"user_data"` // base64, as sent
	AZ             string            `json:"availability_zone"`
	SecurityGroups []string          `json:"security_groups"`
	Ports          []string          `json:"ports"`
	Volumes        []string          `json:"volumes"`
	Hints          map[string]any    `json:"scheduler_hints"`
}

// PortState is one port.
type PortState struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	NetworkID      string   `json:"network_id"`
	DeviceID       string   `json:"device_id"`
	IP             string   `json:"ip"`
	SecurityGroups []string `json:"security_groups"`
	Tags           []string `json:"tags"`
}

// FloatingIPState is one floating IP.
type FloatingIPState struct {
	ID      string   `json:"id"`
	Address string   `json:"address"`
	PortID  string   `json:"port_id"`
	Tags    []string `json:"tags"`
}

// VolumeState is one volume.
type VolumeState struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Size     int    `json:"size"`
	ServerID string `json:"server_id"`
}

// State reads the whole cloud.
func (c *Cloud) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := State{Servers: []ServerState{}, Ports: []PortState{}, Volumes: []VolumeState{}, FloatingIPs: []FloatingIPState{}, TokensIssued: c.issued}
	for _, f := range sortedValues(c.fips) {
		st.FloatingIPs = append(st.FloatingIPs, FloatingIPState{ID: f.ID, Address: f.Address, PortID: f.PortID, Tags: f.Tags})
	}
	for _, s := range sortedValues(c.servers) {
		ss := ServerState{ID: s.ID, Name: s.Name, Status: s.Status, TaskState: s.TaskState, Flavor: c.flavors[s.FlavorID].Name, ImageID: s.ImageID,
			Metadata: s.Metadata, Tags: s.Tags, UserData: s.UserData, AZ: s.AZ, SecurityGroups: s.SecurityGroups, Ports: s.Ports, Hints: s.Hints}
		for _, a := range s.Volumes {
			ss.Volumes = append(ss.Volumes, a.VolumeID)
		}
		st.Servers = append(st.Servers, ss)
	}
	for _, p := range sortedValues(c.ports) {
		st.Ports = append(st.Ports, PortState{ID: p.ID, Name: p.Name, NetworkID: p.NetworkID, DeviceID: p.DeviceID, IP: p.FixedIPs[0].IP,
			SecurityGroups: p.SecurityGroups, Tags: p.Tags})
	}
	for _, v := range sortedValues(c.volumes) {
		st.Volumes = append(st.Volumes, VolumeState{ID: v.ID, Status: v.Status, Size: v.Size, ServerID: v.ServerID})
	}
	return st
}

// MarshalJSON lets a State print as the /_emu/state answer.
func (s State) String() string {
	b, _ := json.MarshalIndent(s, "", "  ")
	return string(b)
}

// Listen serves the cloud on addr ("127.0.0.1:0") and returns its URL
// and a function that stops it.
func (c *Cloud) Listen(addr string) (string, func() error, error) {
	if c.vmErr != nil {
		return "", nil, fmt.Errorf("set up the VMs' network: %w", c.vmErr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	url := "http://" + l.Addr().String()
	c.SetBase(url)
	srv := &http.Server{Handler: c}
	go func() { _ = srv.Serve(l) }()
	return url, func() error { err := srv.Close(); c.Close(); return err }, nil
}

// Start runs a cloud with opts for the test, stopped at its end.
func Start(t testing.TB, opts Options) *Cloud {
	t.Helper()
	c := New(opts)
	srv := httptest.NewServer(c)
	c.SetBase(srv.URL)
	t.Cleanup(srv.Close)
	return c
}

// URL is where the cloud is served.
func (c *Cloud) URL() string { return c.base }
