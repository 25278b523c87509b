// Package sdk is the typed Go client of the vcc REST API
// (/vcp/v1/occtr/...), and the home of the API's wire types, which the
// controller itself serves.
package sdk

import (
	"encoding/json"
	"time"
)

// VC is a UnitGroup.
type VC struct {
	VCID    string    `json:"vcid"`
	VCNo    int       `json:"vcno"`
	Name    string    `json:"name"`
	Type    string    `json:"type"`
	Owner   string    `json:"owner"`
	State   string    `json:"state"`
	Created time.Time `json:"created"`
	Units   []Unit    `json:"units,omitempty"`
}

// Unit is a set of nodes on one provider.
type Unit struct {
	VCID         string          `json:"vcid"`
	Name         string          `json:"name"`
	Provider     string          `json:"provider"`
	Flavor       string          `json:"flavor,omitempty"`
	CatalogEntry string          `json:"catalog_entry"`
	State        string          `json:"state"`
	LastError    string          `json:"last_error,omitempty"`
	Spec         json.RawMessage `json:"spec,omitempty"`
	Created      time.Time       `json:"created"`
	Nodes        []Node          `json:"nodes"`
	// Operations are the ids of the operations still changing the unit
	// (its own and its VC's), oldest first: wait on them to see the unit
	// settle, e.g. after losing the id a change answered.
	Operations []string `json:"operations,omitempty"`
}

// Node is one instance of a unit.
type Node struct {
	NodeID               string `json:"node_id"`
	NodeNo               int    `json:"node_no"`
	State                string `json:"state"`
	CloudInstanceID      string `json:"cloud_instance_id"`
	CloudInstanceAddress string `json:"cloud_instance_address"`
	CloudInstanceName    string `json:"cloud_instance_name"`
	// FixedIP is the address the node was given: asked for, or from its
	// provider's IP pool.
	FixedIP     string `json:"fixed_ip,omitempty"`
	StateReason string `json:"state_reason,omitempty"`
	// ErrorSource says what set the node's error state and reason:
	// liveness, reconcile, reclaim or operation (empty: no error).
	ErrorSource string `json:"error_source,omitempty"`
	Watched     bool   `json:"watched"`
	// Disk is set on the nodes of storage units: the volume (whose id
	// is CloudInstanceID), and the node holding it, if any.
	Disk *NodeDisk `json:"disk,omitempty"`
	// Disks are the volumes a compute node holds (its unit's spec.disks).
	Disks []HeldDisk `json:"disks,omitempty"`
}

// NodeDisk is a storage node's volume.
type NodeDisk struct {
	SizeGB int64  `json:"size_gb"`
	Zone   string `json:"zone,omitempty"`
	Type   string `json:"type,omitempty"`
	// Device is what the volume is attached as, where the cloud says.
	Device string `json:"device,omitempty"`
	// AttachedTo is the node holding it; nil when it is available.
	AttachedTo *DiskHolder `json:"attached_to,omitempty"`
}

// DiskHolder is the compute node a disk is attached to.
type DiskHolder struct {
	VCID            string `json:"vcid"`
	Unit            string `json:"unit"`
	NodeID          string `json:"node_id"`
	NodeNo          int    `json:"node_no"`
	CloudInstanceID string `json:"cloud_instance_id,omitempty"`
}

// HeldDisk is a volume attached to a compute node: a storage node
// (NodeID set) or a raw cloud volume id.
type HeldDisk struct {
	NodeID      string `json:"node_id,omitempty"`
	VCID        string `json:"vcid,omitempty"`
	Unit        string `json:"unit,omitempty"`
	CloudDiskID string `json:"cloud_disk_id"`
	// Device is the device path inside the node (e.g. /dev/sdf), as the
	// plugin attached it; Serial the name under /dev/disk/by-id, if any.
	Device string `json:"device,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// Operation is an asynchronous change.
type Operation struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	State   string    `json:"state"` // pending, running, succeeded, failed
	Error   string    `json:"error,omitempty"`
	VCID    string    `json:"vcid"`
	Unit    string    `json:"unit,omitempty"`
	NodeIDs []string  `json:"node_ids,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Forget is set on deletes asked to forget nodes that cannot be
	// deleted; Forgotten lists those, whose instances may still exist.
	Forget    bool            `json:"forget,omitempty"`
	Forgotten []ForgottenNode `json:"forgotten,omitempty"`
}

// ForgottenNode is a node a delete dropped although its instance could not
// be deleted: find it in the cloud by provider, id and address.
type ForgottenNode struct {
	NodeID               string `json:"node_id"`
	NodeNo               int    `json:"node_no"`
	Unit                 string `json:"unit"`
	Provider             string `json:"provider"`
	CloudInstanceID      string `json:"cloud_instance_id,omitempty"`
	CloudInstanceAddress string `json:"cloud_instance_address,omitempty"`
	Reason               string `json:"reason"`
}

// Done reports whether the operation has finished.
func (o *Operation) Done() bool { return o.State == "succeeded" || o.State == "failed" }

// CreateVCRequest is the body of POST /vcs.
type CreateVCRequest struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"` // compute (default) or storage
}

// CreateUnitRequest is the body of POST /vcs/{vcid}.
type CreateUnitRequest struct {
	UnitName string         `json:"unit_name"`
	Provider string         `json:"provider"`
	Flavor   string         `json:"flavor,omitempty"`
	Spec     map[string]any `json:"spec,omitempty"`
	// Credentials maps credential keys to vault:// references
	// (vault://cubbyhole/aws/access_key, vault://secret/team/aws_key).
	Credentials map[string]string `json:"credentials,omitempty"`
}

// Accepted answers a request that started an operation.
type Accepted struct {
	OperationID string `json:"operation_id"`
	Unit        *Unit  `json:"unit,omitempty"`
	Nodes       []Node `json:"nodes,omitempty"`
}

// AddNodesRequest is the body of PUT /vcs/{vcid}/{unit}: a count, or fixed
// IPs (which set the count).
type AddNodesRequest struct {
	NumAddNodes int      `json:"num_add_nodes,omitempty"`
	IPAddresses []string `json:"ip_addresses,omitempty"`
}

// Selector picks nodes of a unit for a batch action. Empty means every
// node (but delete_nodes requires a selector).
type Selector struct {
	NodeIDs     []string `json:"node_ids,omitempty"`
	NodeNos     []int    `json:"node_nos,omitempty"`
	IPAddresses []string `json:"ip_addresses,omitempty"`
	// Num picks that many nodes, highest node_no first.
	Num int `json:"num,omitempty"`
}

// ChangeOwnerRequest is the body of PATCH /vcs/{vcid}.
type ChangeOwnerRequest struct {
	Owner string `json:"owner"`
}

// Error is the body of every error response.
type Error struct {
	Message string       `json:"error"`
	Details []FieldError `json:"details,omitempty"`
}

// FieldError blames one field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Version answers GET /version.
type Version struct {
	Version string `json:"version"`
	// Commit is the source commit the controller was built from.
	Commit string `json:"commit,omitempty"`
	// UpstreamVersion is the release of NII's Portable VC Controller
	// whose REST API and SDK behaviour this controller implements
	// (e.g. "25.04.0"): notebooks that require a minimum controller
	// release compare against it.
	UpstreamVersion string            `json:"upstream_version"`
	ProtocolVersion int               `json:"provider_protocol"`
	ControllerID    string            `json:"controller_id"`
	Plugins         map[string]string `json:"plugins"`
}

// Authority answers GET /accounts/authority.
type Authority struct {
	Role     string `json:"role"`
	UserName string `json:"user_name"`
	UserRole string `json:"user_role"`
}

// Flavor is a named preset of spec values.
type Flavor struct {
	Provider string          `json:"provider"`
	Name     string          `json:"name"`
	Values   json.RawMessage `json:"values"`
}

// Plugin is one row of GET /plugins.
type Plugin struct {
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	Protocol     int      `json:"protocol"`
	State        string   `json:"state"`
	Simulator    bool     `json:"simulator"`
	Capabilities []string `json:"capabilities"`
	Reason       string   `json:"reason,omitempty"`
}

// Event is one state change from GET /events.
type Event struct {
	Type   string    `json:"type"`
	VCID   string    `json:"vcid,omitempty"`
	Unit   string    `json:"unit,omitempty"`
	NodeID string    `json:"node_id,omitempty"`
	OpID   string    `json:"operation_id,omitempty"`
	State  string    `json:"state"`
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
}

// ReconcileReport is what one comparison of the store with the clouds
// found.
type ReconcileReport struct {
	Time     time.Time `json:"time"`
	Adopted  []string  `json:"adopted"`
	Vanished []string  `json:"vanished"`
	Drifted  []string  `json:"drifted"`
	// Replaced are lost nodes replaced by new ones (units with auto_replace).
	Replaced []string `json:"replaced"`
	Orphans  []Orphan `json:"orphans"`
	Errors   []string `json:"errors"`
}

// Orphan is an instance tagged with this controller that no node owns.
type Orphan struct {
	Provider        string `json:"provider"`
	CatalogEntry    string `json:"catalog_entry"`
	NodeID          string `json:"node_id"`
	CloudInstanceID string `json:"cloud_instance_id"`
	Address         string `json:"cloud_instance_address,omitempty"`
	Deleted         bool   `json:"deleted"`
}

// IPPool is one host-managed pool of fixed IPs (GET /ip_pools): the
// addresses a catalog entry's network without DHCP hands out, declared in
// its provider's pool file.
type IPPool struct {
	// Provider lists the providers drawing from the pool (comma-separated).
	Provider  string `json:"provider"`
	Entry     string `json:"entry"`
	File      string `json:"file"`
	PrefixLen int    `json:"prefix_len,omitempty"`
	Size      int    `json:"size"`
	Used      int    `json:"used"`
	Free      int    `json:"free"`
	// Outside counts addresses nodes still hold that the pool file no
	// longer lists (it shrank); they return to nobody when their nodes go.
	Outside int `json:"outside"`
	// Allocations are the addresses held by nodes the caller may see.
	Allocations []IPAllocation `json:"allocations"`
}

// IPAllocation is one pool address and the node holding it.
type IPAllocation struct {
	Address string `json:"address"`
	NodeID  string `json:"node_id"`
	VCID    string `json:"vcid,omitempty"`
	Unit    string `json:"unit,omitempty"`
	NodeNo  int    `json:"node_no,omitempty"`
	// InPool is false for an address the pool file no longer lists.
	InPool bool `json:"in_pool"`
}

// Credential is one stored cloud credential. Listings carry no value.
type Credential struct {
	Provider string `json:"provider"`
	Key      string `json:"key"`
	Value    string `json:"value,omitempty"`
}

// ProviderInfo describes one provider to clients that build specs
// (GET /providers/{provider}): the spec fields it accepts, with their
// types and defaults, its credential keys, flavors and catalog entries.
type ProviderInfo struct {
	Name           string            `json:"name"`
	Version        string            `json:"version"`
	Description    string            `json:"description,omitempty"`
	Simulator      bool              `json:"simulator"`
	Capabilities   []string          `json:"capabilities"`
	SpecSchema     []SchemaAttribute `json:"spec_schema"`
	CredentialKeys []CredentialKey   `json:"credential_keys"`
	// Flavors are the names GET /flavors?provider= describes.
	Flavors []string `json:"flavors"`
	// CatalogEntries are the names a spec's private_network may take.
	CatalogEntries []string `json:"catalog_entries"`
}

// SchemaAttribute is one field of a provider's spec.
type SchemaAttribute struct {
	Name string `json:"name"`
	// Type is string, int, number, bool, list(string) or map(string).
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Description string `json:"description,omitempty"`
	// Default is the value used when the field is absent (none: null).
	Default       any      `json:"default"`
	AllowedValues []string `json:"allowed_values,omitempty"`
}

// CredentialKey is one secret a provider needs, stored with
// PUT /credentials/{provider}/{key}.
type CredentialKey struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required"`
	// Aliases are other names the key may be stored under.
	Aliases []string `json:"aliases,omitempty"`
}

// UpdateVCRequest is the body of PUT /vcs/{vcid}: the VC's new name.
// Type (or upstream's ugroup_type), when given, must be the VC's own.
type UpdateVCRequest struct {
	Name       string `json:"name"`
	Type       string `json:"type,omitempty"`
	UGroupType string `json:"ugroup_type,omitempty"`
}

// FailReport is the body of POST /vcs/fail, as upstream's Serf event
// handler sends it: the Serf node names (node ids) of failed members.
type FailReport struct {
	EventType string   `json:"eventtype"`
	Tag       []string `json:"tag"`
}

// NodeBackup is a node's backup: enough to re-create it. A node holds no
// data the controller could copy (its disks are the cloud's), so its
// backup is its record: the VC and unit it belongs to, the unit's
// resolved spec, the node as shown, and the request that adds an
// equivalent node (same fixed IP, if it had one) to the unit.
type NodeBackup struct {
	Format  string    `json:"format"` // vcc-node-backup/1
	Created time.Time `json:"created"`
	VC      VC        `json:"vc"`
	Unit    Unit      `json:"unit"` // without its other nodes
	Node    Node      `json:"node"`
	Restore Restore   `json:"restore"`
}

// Restore is the API call that re-creates a backed-up node.
type Restore struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   AddNodesRequest `json:"body"`
}
