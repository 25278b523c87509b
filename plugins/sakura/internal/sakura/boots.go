package sakura

import (
	"sync"
	"time"

	"github.com/sacloud/iaas-api-go/types"
)

// bootGrace is how long a boot this process asked for may take before a
// repeated create asks again.
const bootGrace = 2 * time.Minute

// boots remembers the servers this process booted lately, a cache like
// the clients: a repeated create (the host lost the answer) finds the
// server still down while it boots, and a second boot would restart the
// boot (the fake even flips the server back down). After a restart of
// the plugin the cache is empty and a down server is booted again, as it
// must be when the create was cut before its boot.
type boots struct {
	mu sync.Mutex
	at map[types.ID]time.Time
}

// recent reports whether id was booted less than bootGrace ago.
func (b *boots) recent(id types.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.at[id]
	return ok && time.Since(t) < bootGrace
}

// done records a boot of id and forgets the old ones.
func (b *boots) done(id types.ID) {
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
	b.at[id] = time.Now()
}
