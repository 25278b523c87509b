package store

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// commits is group commit for Update: a write that finds no commit under
// way is committed at once, and the writes that arrive while a commit is
// written share the next one (one fsync for all). bbolt's own Batch
// waits MaxBatchDelay for company instead, which every request and
// operation step that writes alone paid in full.
type commits struct {
	mu    sync.Mutex
	queue []*update
	busy  bool // a caller is committing: the others queue
}

type update struct {
	fn   func(Tx) error
	done chan error    // the update's result
	lead chan struct{} // or: this caller commits the queue now
}

func (c *commits) update(db *bolt.DB, fn func(Tx) error) error {
	u := &update{fn: fn, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, u)
	if !c.busy {
		c.busy = true
		u.lead <- struct{}{}
	}
	c.mu.Unlock()
	select {
	case err := <-u.done: // another caller's commit held it
		return err
	case <-u.lead:
	}
	c.mu.Lock()
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()
	commit(db, batch)
	// Hand over to the first caller that queued meanwhile, so that no
	// caller commits for others for long.
	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].lead <- struct{}{}
	} else {
		c.busy = false
	}
	c.mu.Unlock()
	return <-u.done
}

// commit runs the batch's updates in one transaction. One that fails (or
// panics) gets its error from a run of its own, on a state the others
// did not touch; the others are committed without it.
func commit(db *bolt.DB, batch []*update) {
	for len(batch) > 0 {
		failed := -1
		err := db.Update(func(tx *bolt.Tx) error {
			for i, u := range batch {
				if err := run(u.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, u := range batch {
				u.done <- err // nil, or the commit's own failure (disk) for all
			}
			return
		}
		u := batch[failed]
		batch = append(batch[:failed:failed], batch[failed+1:]...)
		u.done <- db.Update(func(tx *bolt.Tx) error { return run(u.fn, tx) })
	}
}

// run calls fn, a panic being its error: it must not take down the
// caller committing for it.
func run(fn func(Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store update panicked: %v", r)
		}
	}()
	return fn(&boltTx{tx})
}
