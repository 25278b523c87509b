package sakura

import (
	"sync"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"
)

// bootGrace is how long a boot this process asked for may take before a
// repeated create asks again.
const bootGrace = 2 * time.Minute

// boots remembers the servers this process booted or reset lately, a
// cache like the clients: a repeated create (the host lost the answer)
// finds the server still down while it boots, and a second boot would
// restart the boot (the fake even flips the server back down); a delete
// must let a boot or reset end before it shuts the server down (the fake
// would finish the boot after the delete, bringing the server back). After a restart of
// the plugin the cache is empty and a down server is booted again, as it
// must be when the create was cut before its boot.
type boots struct {
	mu sync.Mutex
	at map[types.ID]time.Time
}

// recent reports whether id was booted less than bootGrace ago.
func (b *boots) recent(id types.ID) bool {
	_, ok := b.since(id)
	return ok
}

// since is when id's boot (or reset) was asked, if less than bootGrace
// ago.
func (b *boots) since(id types.ID) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.at[id]
	return t, ok && time.Since(t) < bootGrace
}

// over reports whether the server shows the end of a boot asked at t:
// up or down, its status changed since (down since then: it came up and
// stopped again, as DescribeNodes tells too). Up alone is not enough: a
// reset leaves the server up until the restart begins.
func over(s *iaas.Server, t time.Time) bool {
	settled := s.InstanceStatus.IsUp() || s.InstanceStatus == types.ServerInstanceStatuses.Down
	return settled && !s.InstanceStatusChangedAt.Before(t)
}

// done records a boot of id asked now.
func (b *boots) done(id types.ID) { b.doneAt(id, time.Now()) }

// doneAt records a boot of id asked at t and forgets the old ones.
func (b *boots) doneAt(id types.ID, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at == nil {
		b.at = map[types.ID]time.Time{}
	}
	for k, t := range b.at {
		if time.Since(t) >= bootGrace {
			delete(b.at, k)
		}
	}
	b.at[id] = t
}

// forget drops id: its boot is over.
func (b *boots) forget(id types.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.at, id)
}
