// Package knownhosts keeps the SSH host keys of existing servers, pinned
// on first contact (trust on first use): a server presenting another key
// later is refused until an administrator forgets the old one.
package knownhosts

import (
	"sort"

	"github.com/vccproject/vcc/host/internal/store"
)

const bucket = "known_hosts"

// Entry is one pinned key.
type Entry struct {
	Address string `json:"address"` // host:port
	Key     string `json:"key"`     // authorized_keys line
}

// All returns the pinned keys by address.
func All(st store.Store) (map[string]string, error) {
	out := map[string]string{}
	err := st.View(func(tx store.Tx) error {
		kv, err := tx.KV(bucket)
		if err != nil {
			return err
		}
		return kv.Scan("", func(k string, v []byte) error {
			out[k] = string(v)
			return nil
		})
	})
	return out, err
}

// List returns the pinned keys sorted by address.
func List(st store.Store) ([]Entry, error) {
	all, err := All(st)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(all))
	for a, k := range all {
		out = append(out, Entry{Address: a, Key: k})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// Pin records keys seen on first contact; an address already pinned
// keeps its key.
func Pin(st store.Store, keys map[string]string) error {
	if len(keys) == 0 {
		return nil
	}
	return st.Update(func(tx store.Tx) error {
		kv, err := tx.KV(bucket)
		if err != nil {
			return err
		}
		for a, k := range keys {
			if kv.Get(a) == nil {
				if err := kv.Put(a, []byte(k)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Forget drops the key of address; it reports whether one was pinned.
func Forget(st store.Store, address string) (bool, error) {
	found := false
	err := st.Update(func(tx store.Tx) error {
		kv, err := tx.KV(bucket)
		if err != nil {
			return err
		}
		found = kv.Get(address) != nil
		return kv.Delete(address)
	})
	return found, err
}
