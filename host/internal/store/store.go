// Package store keeps the controller's state durably. The Store interface
// is small so that another backend (etcd, Consul) can replace the
// embedded bbolt one.
package store

import (
	"errors"

	"github.com/vccproject/vcc/host/internal/model"
)

// ErrNotFound is returned for a missing record.
var ErrNotFound = errors.New("not found")

// ErrTaken is an IP pool address another node holds.
var ErrTaken = errors.New("address already allocated")

// Store runs transactions over the state.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction; all its writes happen
	// or none. fn may run more than once (concurrent updates are batched
	// into one commit), so it must have no effects outside tx.
	Update(fn func(Tx) error) error
	Close() error
}

// Tx reads and writes records. Lists come sorted: VCs by vcno, units by
// name, nodes by node_no, operations by seq.
type Tx interface {
	VC(vcid string) (*model.VC, error)
	VCs() ([]*model.VC, error)
	PutVC(*model.VC) error
	// DeleteVC removes a VC; DeletedVC returns it as it was then, for
	// the records that outlive it (operations) and whose access follows
	// its owner. ErrNotFound for a VC never deleted (or deleted before
	// deleted VCs were kept).
	DeleteVC(vcid string) error
	DeletedVC(vcid string) (*model.VC, error)

	Unit(vcid, name string) (*model.Unit, error)
	Units(vcid string) ([]*model.Unit, error)
	PutUnit(*model.Unit) error
	DeleteUnit(vcid, name string) error

	Node(nodeID string) (*model.Node, error)
	Nodes(vcid, unit string) ([]*model.Node, error)
	// EachNode visits every node of every unit.
	EachNode(fn func(*model.Node) error) error
	PutNode(*model.Node) error
	// DeleteNode also releases the node's pool address (Node.IPPool), so
	// an address is never lost with its node.
	DeleteNode(nodeID string) error

	// LeaseIP records that node holds address addr of the host-managed
	// IP pool pool; an address another node holds is ErrTaken. Record the
	// node in the same transaction (with IPPool and FixedIP set), so the
	// lease never outlives it.
	LeaseIP(pool, addr, nodeID string) error
	// IPLeases returns who holds the addresses of pool: addr -> node id.
	IPLeases(pool string) (map[string]string, error)
	// EachIPLease visits every lease of every pool, in pool order.
	EachIPLease(fn func(pool, addr, nodeID string) error) error

	Op(id string) (*model.Operation, error)
	PutOp(*model.Operation) error
	// OpenOps lists operations still pending or running.
	OpenOps() ([]*model.Operation, error)

	// KV is a named bucket of raw records, for state that is not part of
	// the VC model (users, tokens, secrets).
	KV(bucket string) (KV, error)

	// NextSeq returns the next value of a named counter, starting at 1.
	NextSeq(name string) (int, error)
	Meta(key string) (string, error)
	PutMeta(key, value string) error
}

// KV is a bucket of raw records. Values must be copied to outlive the
// transaction.
type KV interface {
	Get(key string) []byte
	Put(key string, value []byte) error
	Delete(key string) error
	// Scan visits the records whose key starts with prefix, in key order.
	Scan(prefix string, fn func(key string, value []byte) error) error
}
