package sakura

import (
	"testing"
	"time"

	"github.com/sacloud/iaas-api-go"
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
	up := &iaas.Server{InstanceStatus: types.ServerInstanceStatuses.Up, InstanceStatusChangedAt: time.Now()}
	if at, _ := b.since(3); !over(up, at) || over(up, time.Now().Add(time.Second)) {
		t.Error("over: a server up since the boot was asked must be over, one up before not")
	}
	b.forget(3)
	if b.recent(3) {
		t.Error("a forgotten boot is recent")
	}
}
