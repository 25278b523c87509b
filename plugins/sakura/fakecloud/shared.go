package fakecloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"syscall"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// A shared store has several writers: the test builds of the sakura and
// sakura_disk plugins, whose processes both drive one fake cloud (a disk
// made by one is connected by the other). Each process keeps the store in
// memory as before; under a lock on the file, it takes in at the start of
// every call what the others changed since it last looked (Sync) and
// writes its own changes back after it (flush), record by record: a
// record the file holds as this process last saw it is this process's to
// keep; one that differs was changed by another writer and is taken.
// Ids come from each process's own counter, so the test build of
// sakura_disk draws them from a range of its own (OpenShared's offset).

// valuePoolKey is the fake's record of its counters (ids, addresses),
// which stays each process's own.
const valuePoolKey = "meta"

// OpenShared is Open for one of several writers of the store at path;
// idOffset moves this process's ids away from the other writers'.
func OpenShared(path string, idOffset int64) error {
	if err := Open(path); err != nil {
		return err
	}
	store.shared = true
	if idOffset != 0 {
		// The fake keeps its counter in an unexported type; its fields
		// are exported.
		v := fake.DataStore.Get(valuePoolKey, iaas.APIDefaultZone, types.ID(math.MaxInt64))
		if f := reflect.ValueOf(v); f.Kind() == reflect.Pointer && f.Elem().FieldByName("CurrentID").CanSet() {
			cur := f.Elem().FieldByName("CurrentID")
			cur.SetInt(cur.Int() + idOffset)
		} else {
			return fmt.Errorf("the fake's id counter is not where this iaas-api-go keeps it (%T)", v)
		}
	}
	return store.sync()
}

// Sync takes in what other writers of a shared store changed; a no-op
// for a store with one writer.
func Sync() error {
	if store == nil || !store.shared {
		return nil
	}
	return store.sync()
}

func (s *mapStore) sync() error {
	unlock, err := lockFile(s.path)
	if err != nil {
		return err
	}
	defer unlock()
	return s.merge()
}

// lockFile takes an exclusive lock beside path.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the fake store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock the fake store: %w", err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
}

// merge takes in the records of the file that another writer changed or
// deleted since this process last saw them. The caller holds the lock.
func (s *mapStore) merge() error {
	raw, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("read the fake store: %w", err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		return fmt.Errorf("read the fake store %s: %w", s.path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.synced == nil {
		s.synced = map[string][]byte{}
	}
	seen := map[string]bool{}
	var changed []json.RawMessage
	var heads []head
	for _, r := range recs {
		var h head
		if err := json.Unmarshal(r, &h); err != nil {
			return fmt.Errorf("read the fake store %s: %w", s.path, err)
		}
		if h.ResourceType == valuePoolKey {
			continue
		}
		rk := recordKey(key(h.ResourceType, h.ZoneName), h.ID)
		seen[rk] = true
		if !bytes.Equal(s.synced[rk], r) {
			changed, heads = append(changed, r), append(heads, h)
		}
	}
	if len(changed) > 0 {
		typed, err := typedRecords(s.path, changed)
		if err != nil {
			return err
		}
		for i, h := range heads {
			k := key(h.ResourceType, h.ZoneName)
			if s.data[k] == nil {
				s.data[k] = map[string]any{}
			}
			s.data[k][h.ID] = typed.Get(h.ResourceType, h.ZoneName, types.StringID(h.ID))
			rk := recordKey(k, h.ID)
			s.enc[rk], s.synced[rk] = changed[i], changed[i]
		}
	}
	for rk := range s.synced {
		if !seen[rk] { // another writer deleted it
			k, id, _ := bytes.Cut([]byte(rk), []byte{0})
			delete(s.data[string(k)], string(id))
			delete(s.enc, rk)
			delete(s.synced, rk)
		}
	}
	return nil
}

// head is what names a record of the file.
type head struct{ ID, ZoneName, ResourceType string }

// typedRecords has the fake's own file store type records (as load does).
func typedRecords(path string, recs []json.RawMessage) (*fake.JSONFileStore, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".merge-*")
	if err != nil {
		return nil, fmt.Errorf("merge the fake store: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	doc, _ := json.Marshal(recs)
	if _, err := tmp.Write(doc); err != nil {
		_ = tmp.Close()
		return nil, fmt.Errorf("merge the fake store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("merge the fake store: %w", err)
	}
	typed := fake.NewJSONFileStore(tmp.Name())
	if err := typed.Init(); err != nil {
		return nil, fmt.Errorf("merge the fake store: %w", err)
	}
	return typed, nil
}
