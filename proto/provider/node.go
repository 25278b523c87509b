package provider

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// CallEnv says where and as whom a call runs.
type CallEnv struct {
	ControllerID string
	// ControllerAddress is where nodes reach the controller (its private
	// IP), for the Base container; empty when not configured.
	ControllerAddress string
	CatalogEntryName  string
	CatalogEntry      json.RawMessage
	Credentials       Credentials
	// ControllerSerfPort is the controller's Serf port the Base
	// container's agent joins; 0 means DefaultSerfPort.
	ControllerSerfPort int
	// KnownHosts are the SSH host keys the host has pinned,
	// "address:port" -> authorized_keys line.
	KnownHosts map[string]string
	// SerfKey is the controller's gossip key, which the Base container's
	// agent needs to join; nil when the gossip is plaintext.
	SerfKey Secret
	// ControllerSSHKey is the controller's SSH private key (PEM), sent
	// only to plugins with CapSSHLogin.
	ControllerSSHKey Secret
}

// Secret is a secret byte string that never prints.
type Secret []byte

// Format prints whether it is set, never its value.
func (s Secret) Format(f fmt.State, _ rune) {
	if len(s) == 0 {
		fmt.Fprint(f, "Secret{}")
		return
	}
	fmt.Fprint(f, "Secret{<redacted>}")
}

// MarshalJSON writes it redacted.
func (s Secret) MarshalJSON() ([]byte, error) {
	if len(s) == 0 {
		return []byte(`""`), nil
	}
	return []byte(`"<redacted>"`), nil
}

// DefaultSerfPort is where the controller's and the nodes' Serf listen
// unless told otherwise (upstream's 7947).
const DefaultSerfPort = 7947

// Credentials holds resolved secret values by key. It never prints or
// marshals its values, so a stray log line cannot leak them.
type Credentials map[string]string

// Format prints the keys only.
func (c Credentials) Format(f fmt.State, _ rune) {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k+":<redacted>")
	}
	sort.Strings(keys)
	fmt.Fprintf(f, "Credentials{%s}", strings.Join(keys, " "))
}

// MarshalJSON writes the keys with redacted values.
func (c Credentials) MarshalJSON() ([]byte, error) {
	out := make(map[string]string, len(c))
	for k := range c {
		out[k] = "<redacted>"
	}
	return json.Marshal(out)
}

// NodeRef names one node. Cloud fields are empty before the first create.
type NodeRef struct {
	NodeID            string `json:"node_id"`
	NodeNo            int    `json:"node_no"`
	VCID              string `json:"vcid,omitempty"`
	UnitName          string `json:"unit_name,omitempty"`
	CloudInstanceID   string `json:"cloud_instance_id,omitempty"`
	CloudInstanceName string `json:"cloud_instance_name,omitempty"`
	FixedIP           string `json:"fixed_ip,omitempty"`
}

// InstanceState is the cloud's view of an instance. The host maps it onto
// node states (BOOTING, RUNNING, POWER_OFF, ...), which also depend on the
// Base container and liveness.
type InstanceState string

const (
	InstancePending     InstanceState = "pending"
	InstanceRunning     InstanceState = "running"
	InstanceStopping    InstanceState = "stopping"
	InstanceStopped     InstanceState = "stopped"
	InstanceTerminating InstanceState = "terminating"
	InstanceNotFound    InstanceState = "not_found"
	InstanceError       InstanceState = "error"
)

// NodeStatus is what a plugin knows about one instance.
type NodeStatus struct {
	NodeID               string            `json:"node_id"`
	CloudInstanceID      string            `json:"cloud_instance_id,omitempty"`
	CloudInstanceName    string            `json:"cloud_instance_name,omitempty"`
	CloudInstanceAddress string            `json:"cloud_instance_address,omitempty"`
	State                InstanceState     `json:"state"`
	StateReason          string            `json:"state_reason,omitempty"`
	Tags                 map[string]string `json:"tags,omitempty"`
	// BaseContainer is the Base container's state where the plugin can
	// see it (ContainerRunning, ContainerExited, ContainerMissing); empty
	// when it cannot, as for a cloud VM.
	BaseContainer string `json:"base_container,omitempty"`
	// Disk is a disk provider's volume (CapDisks): size, zone, holder.
	// Nil for instances.
	Disk *DiskStatus `json:"disk,omitempty"`
	// AttachedDisks are the volumes attached to an instance besides its
	// boot disk (spec.disks), with the device each is seen as.
	AttachedDisks []DiskAttachment `json:"attached_disks,omitempty"`
}

// DiskStatus is what a disk provider knows of one volume.
type DiskStatus struct {
	SizeGB int64 `json:"size_gb"`
	// Zone is the zone or availability domain the volume lives in; an
	// instance must be in it to attach the volume.
	Zone string `json:"zone,omitempty"`
	// AttachedTo is the cloud instance id holding the volume; empty when
	// it is available.
	AttachedTo string `json:"attached_to,omitempty"`
	// Device is the device the volume is attached as (/dev/sdf), where
	// the cloud says.
	Device string `json:"device,omitempty"`
	// Type is the cloud's volume type or plan (gp2, ssd, ...).
	Type string `json:"type,omitempty"`
}

// DiskAttachment is one volume attached to an instance.
type DiskAttachment struct {
	CloudDiskID string `json:"cloud_disk_id"`
	// Device is the device path the cloud attached it as, if known.
	Device string `json:"device,omitempty"`
	// Serial is the name the volume appears under inside the node
	// (/dev/disk/by-id/...), if the cloud exposes one.
	Serial string `json:"serial,omitempty"`
}

// Base container states a plugin may report in NodeStatus.BaseContainer.
const (
	ContainerRunning = "running"
	ContainerExited  = "exited"
	ContainerMissing = "missing"
	// ContainerRestarting: it crashed and its restart policy is bringing
	// it back (a crash loop shows as this most of the time).
	ContainerRestarting = "restarting"
)

// Tag keys every provider puts on what it creates, so the host can find its
// instances (and orphans) again.
const (
	TagControllerID = "vcc:controller_id"
	TagNodeID       = "vcc:node_id"
)
