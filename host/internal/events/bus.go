// Package events fans state changes out to whoever follows them (the
// server-sent events endpoint, long-polling waiters). Slow subscribers
// lose events rather than slow the controller down.
package events

import (
	"sync"
	"time"
)

// Event is one state change.
type Event struct {
	Type   string    `json:"type"` // vc, unit, node, operation
	VCID   string    `json:"vcid,omitempty"`
	Unit   string    `json:"unit,omitempty"`
	NodeID string    `json:"node_id,omitempty"`
	OpID   string    `json:"operation_id,omitempty"`
	State  string    `json:"state"`
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
}

// Bus broadcasts events.
type Bus struct {
	mu   sync.Mutex
	subs map[chan Event]func(Event) bool
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[chan Event]func(Event) bool{}} }

// Publish sends e to every subscriber whose filter accepts it, without
// blocking.
func (b *Bus) Publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, keep := range b.subs {
		if keep != nil && !keep(e) {
			continue
		}
		select {
		case ch <- e:
		default: // subscriber too slow: drop
		}
	}
}

// Subscribe returns a channel of events accepted by filter (nil: all) and
// a function that ends the subscription.
func (b *Bus) Subscribe(filter func(Event) bool) (<-chan Event, func()) {
	ch := make(chan Event, 256)
	b.mu.Lock()
	b.subs[ch] = filter
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}
}
