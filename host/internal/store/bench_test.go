package store_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// BenchmarkUpdate is the latency of a write alone (an API request's, an
// operation's start and end) and the cost per write of 32 at once (a
// unit's nodes moving together).
func BenchmarkUpdate(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			n := 0
			for b.Loop() {
				var wg sync.WaitGroup
				for range writers {
					n++
					id := fmt.Sprintf("n%d", n)
					wg.Go(func() {
						if err := s.Update(func(tx store.Tx) error { return tx.PutNode(&model.Node{NodeID: id, VCID: "v", Unit: "u"}) }); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}
