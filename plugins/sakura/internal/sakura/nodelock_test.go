package sakura

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestNodeLocks(t *testing.T) {
	var l nodeLocks
	c := context.Background()
	unlockA, err := l.lock(c, "a")
	if err != nil {
		t.Fatal(err)
	}
	if unlockB, err := l.lock(c, "b"); err != nil { // another node is not held up
		t.Fatal(err)
	} else {
		unlockB()
	}
	short, cancel := context.WithTimeout(c, 50*time.Millisecond)
	defer cancel()
	if _, err := l.lock(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second lock of a held node: %v, want the context's end", err)
	}
	got := make(chan error, 1)
	go func() {
		unlock, err := l.lock(c, "a")
		if err == nil {
			unlock()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	unlockA()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if len(l.locks) != 0 {
		t.Errorf("locks left: %v", l.locks)
	}
}
