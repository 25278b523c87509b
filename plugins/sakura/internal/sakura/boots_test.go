package sakura

import (
	"testing"
	"time"

	"github.com/sacloud/iaas-api-go/types"
)

func TestBoots(t *testing.T) {
	var b boots
	if b.recent(1) {
		t.Error("a server never booted is recent")
	}
	b.done(1)
	b.at[2] = time.Now().Add(-bootGrace - time.Second) // booted long ago
	if !b.recent(1) || b.recent(2) {
		t.Errorf("recent(1)=%v recent(2)=%v, want true, false", b.recent(1), b.recent(2))
	}
	b.done(types.ID(3))
	if _, kept := b.at[2]; kept {
		t.Error("an old boot is kept")
	}
}
