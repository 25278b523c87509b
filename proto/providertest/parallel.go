package providertest

import (
	"sync"
	"testing"
)

// BenchLimit is the controller's default limit of concurrent calls per
// provider: the direct-SDK baselines of make bench-<provider> make their
// calls at it, as the controller does.
const BenchLimit = 32

// Parallel runs fn(0) … fn(n-1), BenchLimit at a time, and reports each
// error on tb.
func Parallel(tb testing.TB, n int, fn func(i int) error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, BenchLimit)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				tb.Error(err)
			}
		}()
	}
	wg.Wait()
}
