// Package model holds the VC object model (UnitGroup, Unit, Node, and the
// durable Operation that changes them) and the rules of their states.
package model

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// VC is a UnitGroup.
type VC struct {
	VCID    string    `json:"vcid"`
	VCNo    int       `json:"vcno"`
	Name    string    `json:"name"`
	Type    string    `json:"type"` // compute or storage
	Owner   string    `json:"owner"`
	State   VCState   `json:"state"`
	Created time.Time `json:"created"`
	// Deleting is set once a cleanup of the whole VC is under way.
	Deleting bool `json:"deleting,omitempty"`
}

// Unit is a homogeneous set of nodes on one provider.
type Unit struct {
	VCID     string `json:"vcid"`
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Flavor   string `json:"flavor,omitempty"`
	// CatalogEntry is the VPN catalog entry (spec.private_network).
	CatalogEntry string `json:"catalog_entry"`
	// Spec is the resolved spec: schema defaults, then flavor, then the
	// request.
	Spec    json.RawMessage `json:"spec"`
	State   UnitState       `json:"state"`
	Created time.Time       `json:"created"`
	// LastError is the failure of the unit's last operation, if it failed.
	LastError  string `json:"last_error,omitempty"`
	NextNodeNo int    `json:"next_node_no"`
	// CredentialUser is whose stored cloud credentials the unit's cloud
	// calls use: the user who created it.
	CredentialUser string `json:"credential_user"`
	// CredentialRefs maps credential keys to vault:// references: the
	// references are kept, never the values.
	CredentialRefs map[string]string `json:"credential_refs,omitempty"`
	Deleting       bool              `json:"deleting,omitempty"`
	// Disks are the volumes spec.disks asked for, resolved when the
	// unit was made (storage nodes to their cloud volume ids, which the
	// recorded spec then carries): every node of the unit holds them.
	Disks []DiskRef `json:"disks,omitempty"`
}

// DiskRef is one volume of a compute unit's spec.disks: a disk node of a
// storage unit, or a raw cloud volume id (NodeID empty).
type DiskRef struct {
	NodeID      string `json:"node_id,omitempty"`
	VCID        string `json:"vcid,omitempty"`
	Unit        string `json:"unit,omitempty"`
	CloudDiskID string `json:"cloud_disk_id"`
}

// Disk is what a storage node (a disk provider's node) is besides a node.
type Disk struct {
	SizeGB int64  `json:"size_gb,omitempty"`
	Zone   string `json:"zone,omitempty"`
	Type   string `json:"type,omitempty"`
	// AttachedTo is the cloud instance holding the volume as the cloud
	// last said; Device what it is attached as there.
	AttachedTo string `json:"attached_to,omitempty"`
	Device     string `json:"device,omitempty"`
}

// Attachment is a volume attached to a compute node, as its plugin said.
type Attachment struct {
	CloudDiskID string `json:"cloud_disk_id"`
	Device      string `json:"device,omitempty"`
	Serial      string `json:"serial,omitempty"`
}

// Node is one cloud instance of a unit.
type Node struct {
	NodeID  string    `json:"node_id"`
	VCID    string    `json:"vcid"`
	Unit    string    `json:"unit"`
	NodeNo  int       `json:"node_no"`
	State   NodeState `json:"state"`
	FixedIP string    `json:"fixed_ip,omitempty"`
	// IPPool is the key of the host-managed pool FixedIP was allocated
	// from; the address goes back to it with the node (store.DeleteNode).
	IPPool               string `json:"ip_pool,omitempty"`
	CloudInstanceID      string `json:"cloud_instance_id,omitempty"`
	CloudInstanceAddress string `json:"cloud_instance_address,omitempty"`
	CloudInstanceName    string `json:"cloud_instance_name,omitempty"`
	StateReason          string `json:"state_reason,omitempty"`
	// ErrorSource says what set StateReason (and the error state, if
	// any); see SetError.
	ErrorSource ErrorSource `json:"error_source,omitempty"`
	Unwatched   bool        `json:"unwatched,omitempty"`
	// CreateAttempted is set, durably, before the first CreateNode call.
	CreateAttempted bool `json:"create_attempted,omitempty"`
	// Disk is set on the nodes of storage units (a volume).
	Disk *Disk `json:"disk,omitempty"`
	// Attached are the volumes a compute node's plugin attached.
	Attached []Attachment `json:"attached,omitempty"`
	Created  time.Time    `json:"created"`
	Updated  time.Time    `json:"updated"`
}

// OpKind names what an operation does.
type OpKind string

const (
	OpCreateNodes OpKind = "create_nodes"
	OpDeleteNodes OpKind = "delete_nodes"
	OpDeleteUnit  OpKind = "delete_unit"
	OpDeleteVC    OpKind = "delete_vc"
	OpPowerOn     OpKind = "power_on"
	OpPowerOff    OpKind = "power_off"
	OpReboot      OpKind = "reboot"
)

// OpState is the life of an operation.
type OpState string

const (
	OpPending   OpState = "pending"
	OpRunning   OpState = "running"
	OpSucceeded OpState = "succeeded"
	OpFailed    OpState = "failed"
)

// Operation is a durable record of one requested change. The engine runs
// it; after a crash, the next start runs every open one again (each step
// is idempotent).
type Operation struct {
	ID      string    `json:"id"`
	Seq     int       `json:"seq"`
	Kind    OpKind    `json:"kind"`
	VCID    string    `json:"vcid"`
	Unit    string    `json:"unit,omitempty"`
	NodeIDs []string  `json:"node_ids,omitempty"`
	State   OpState   `json:"state"`
	Error   string    `json:"error,omitempty"`
	User    string    `json:"user,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Deadline is when the engine gives up on it and frees the unit.
	Deadline time.Time `json:"deadline"`
	// Forget (delete operations): a node whose instance cannot be deleted
	// (its server is gone for good, its account closed, its plugin
	// removed) is dropped from the controller anyway and listed in
	// Forgotten, for the user to clean up in the cloud by hand.
	Forget    bool            `json:"forget,omitempty"`
	Forgotten []ForgottenNode `json:"forgotten,omitempty"`
}

// ForgottenNode is a node a delete with Forget dropped although its
// instance may still exist.
type ForgottenNode struct {
	NodeID               string `json:"node_id"`
	NodeNo               int    `json:"node_no"`
	Unit                 string `json:"unit"`
	Provider             string `json:"provider"`
	CloudInstanceID      string `json:"cloud_instance_id,omitempty"`
	CloudInstanceAddress string `json:"cloud_instance_address,omitempty"`
	Reason               string `json:"reason"`
}

// Open reports whether the operation has not finished.
func (o *Operation) Open() bool { return o.State == OpPending || o.State == OpRunning }

// NewID returns 32 random hex digits, the form of vcid and node_id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
