package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/vccproject/vcc/host/internal/model"
)

var (
	bVCs       = []byte("vcs")
	bGoneVCs   = []byte("gonevcs")   // vcid -> the VC as it was when deleted
	bUnits     = []byte("units")     // vcid 0 name -> unit
	bNodes     = []byte("nodes")     // node id -> node
	bUnitNodes = []byte("unitnodes") // vcid 0 unit 0 node_no(be32) -> node id
	bOps       = []byte("ops")       // op id -> op
	bOpenOps   = []byte("openops")   // seq(be64) -> op id
	bMeta      = []byte("meta")
	bSeq       = []byte("seq")
	bIPLeases  = []byte("ipleases") // pool 0 addr -> node id
)

// Bolt is the embedded store: one bbolt file.
type Bolt struct {
	db *bolt.DB
	commits
}

// OpenBolt opens (creating) the store file at path. A second process
// opening the same file waits up to a few seconds, then fails clearly.
func OpenBolt(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("store %s is locked by another process (is another vcc-host running on this data dir?)", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bVCs, bGoneVCs, bUnits, bNodes, bUnitNodes, bOps, bOpenOps, bMeta, bSeq, bIPLeases} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("init store %s: %w", path, errors.Join(err, db.Close()))
	}
	return &Bolt{db: db}, nil
}

func (s *Bolt) View(fn func(Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&boltTx{tx}) })
}

func (s *Bolt) Update(fn func(Tx) error) error { return s.update(s.db, fn) }

func (s *Bolt) Close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func get[T any](b *bolt.Bucket, key []byte) (*T, error) {
	raw := b.Get(key)
	if raw == nil {
		return nil, ErrNotFound
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

func put(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

func unitKey(vcid, name string) []byte { return []byte(vcid + "\x00" + name) }

func unitNodeKey(vcid, unit string, no int) []byte {
	k := []byte(vcid + "\x00" + unit + "\x00")
	return binary.BigEndian.AppendUint32(k, uint32(no))
}

func (t *boltTx) VC(vcid string) (*model.VC, error) {
	return get[model.VC](t.tx.Bucket(bVCs), []byte(vcid))
}

func (t *boltTx) VCs() ([]*model.VC, error) {
	var out []*model.VC
	err := t.tx.Bucket(bVCs).ForEach(func(_, v []byte) error {
		vc := new(model.VC)
		if err := json.Unmarshal(v, vc); err != nil {
			return err
		}
		out = append(out, vc)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].VCNo < out[j].VCNo })
	return out, err
}

func (t *boltTx) PutVC(vc *model.VC) error { return put(t.tx.Bucket(bVCs), []byte(vc.VCID), vc) }

// DeleteVC keeps the VC's last record among the deleted ones, so what
// outlives it (its operations, its last events) keeps its owner.
func (t *boltTx) DeleteVC(vcid string) error {
	if raw := t.tx.Bucket(bVCs).Get([]byte(vcid)); raw != nil {
		if err := t.tx.Bucket(bGoneVCs).Put([]byte(vcid), bytes.Clone(raw)); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bVCs).Delete([]byte(vcid))
}

func (t *boltTx) DeletedVC(vcid string) (*model.VC, error) {
	return get[model.VC](t.tx.Bucket(bGoneVCs), []byte(vcid))
}

func (t *boltTx) Unit(vcid, name string) (*model.Unit, error) {
	return get[model.Unit](t.tx.Bucket(bUnits), unitKey(vcid, name))
}

func (t *boltTx) Units(vcid string) ([]*model.Unit, error) {
	var out []*model.Unit
	c := t.tx.Bucket(bUnits).Cursor()
	prefix := []byte(vcid + "\x00")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		u := new(model.Unit)
		if err := json.Unmarshal(v, u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func (t *boltTx) PutUnit(u *model.Unit) error {
	return put(t.tx.Bucket(bUnits), unitKey(u.VCID, u.Name), u)
}

func (t *boltTx) DeleteUnit(vcid, name string) error {
	return t.tx.Bucket(bUnits).Delete(unitKey(vcid, name))
}

func (t *boltTx) Node(id string) (*model.Node, error) {
	return get[model.Node](t.tx.Bucket(bNodes), []byte(id))
}

func (t *boltTx) Nodes(vcid, unit string) ([]*model.Node, error) {
	var out []*model.Node
	nodes := t.tx.Bucket(bNodes)
	c := t.tx.Bucket(bUnitNodes).Cursor()
	prefix := []byte(vcid + "\x00" + unit + "\x00")
	for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
		n, err := get[model.Node](nodes, id)
		if err != nil {
			return nil, fmt.Errorf("node index %x: %w", id, err)
		}
		out = append(out, n)
	}
	return out, nil
}

func (t *boltTx) EachNode(fn func(*model.Node) error) error {
	return t.tx.Bucket(bNodes).ForEach(func(_, v []byte) error {
		n := new(model.Node)
		if err := json.Unmarshal(v, n); err != nil {
			return err
		}
		return fn(n)
	})
}

func (t *boltTx) PutNode(n *model.Node) error {
	if err := put(t.tx.Bucket(bNodes), []byte(n.NodeID), n); err != nil {
		return err
	}
	return t.tx.Bucket(bUnitNodes).Put(unitNodeKey(n.VCID, n.Unit, n.NodeNo), []byte(n.NodeID))
}

func (t *boltTx) DeleteNode(id string) error {
	n, err := t.Node(id)
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := t.tx.Bucket(bUnitNodes).Delete(unitNodeKey(n.VCID, n.Unit, n.NodeNo)); err != nil {
		return err
	}
	if err := t.releaseIP(n); err != nil {
		return err
	}
	return t.tx.Bucket(bNodes).Delete([]byte(id))
}

func seqKey(seq int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(seq)) }

func (t *boltTx) Op(id string) (*model.Operation, error) {
	return get[model.Operation](t.tx.Bucket(bOps), []byte(id))
}

func (t *boltTx) PutOp(op *model.Operation) error {
	if err := put(t.tx.Bucket(bOps), []byte(op.ID), op); err != nil {
		return err
	}
	open := t.tx.Bucket(bOpenOps)
	if op.Open() {
		return open.Put(seqKey(op.Seq), []byte(op.ID))
	}
	return open.Delete(seqKey(op.Seq))
}

func (t *boltTx) OpenOps() ([]*model.Operation, error) {
	var out []*model.Operation
	ops := t.tx.Bucket(bOps)
	err := t.tx.Bucket(bOpenOps).ForEach(func(_, id []byte) error {
		op, err := get[model.Operation](ops, id)
		if err != nil {
			return err
		}
		out = append(out, op)
		return nil
	})
	return out, err
}

func (t *boltTx) NextSeq(name string) (int, error) {
	b := t.tx.Bucket(bSeq)
	n := 0
	if raw := b.Get([]byte(name)); raw != nil {
		n = int(binary.BigEndian.Uint64(raw))
	}
	n++
	return n, b.Put([]byte(name), seqKey(n))
}

func (t *boltTx) Meta(key string) (string, error) {
	raw := t.tx.Bucket(bMeta).Get([]byte(key))
	if raw == nil {
		return "", ErrNotFound
	}
	return string(raw), nil
}

func (t *boltTx) PutMeta(key, value string) error {
	return t.tx.Bucket(bMeta).Put([]byte(key), []byte(value))
}

func (t *boltTx) KV(bucket string) (KV, error) {
	name := []byte("kv/" + bucket)
	b := t.tx.Bucket(name)
	if b == nil {
		if !t.tx.Writable() {
			return emptyKV{}, nil
		}
		var err error
		if b, err = t.tx.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	return boltKV{b}, nil
}

type boltKV struct{ b *bolt.Bucket }

func (k boltKV) Get(key string) []byte {
	v := k.b.Get([]byte(key))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

func (k boltKV) Put(key string, value []byte) error { return k.b.Put([]byte(key), value) }
func (k boltKV) Delete(key string) error            { return k.b.Delete([]byte(key)) }

func (k boltKV) Scan(prefix string, fn func(string, []byte) error) error {
	c := k.b.Cursor()
	p := []byte(prefix)
	for key, v := c.Seek(p); key != nil && bytes.HasPrefix(key, p); key, v = c.Next() {
		if err := fn(string(key), append([]byte(nil), v...)); err != nil {
			return err
		}
	}
	return nil
}

// emptyKV stands for a bucket not created yet, in a read-only transaction.
type emptyKV struct{}

func (emptyKV) Get(string) []byte                             { return nil }
func (emptyKV) Put(string, []byte) error                      { return fmt.Errorf("read-only transaction") }
func (emptyKV) Delete(string) error                           { return fmt.Errorf("read-only transaction") }
func (emptyKV) Scan(string, func(string, []byte) error) error { return nil }
