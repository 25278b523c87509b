package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vccproject/vcc/host/internal/model"
)

// Many writers at once, some failing or panicking: each gets its own
// result, the failing ones write nothing, every other write lands.
func TestGroupCommit(t *testing.T) {
	s, _ := open(t)
	refused := errors.New("refused")
	type outcome struct {
		kind string // ok, fail, panic
		err  error
	}
	const writers = 200
	got := make([]outcome, writers)
	var wg sync.WaitGroup
	for i := range writers {
		kind := []string{"ok", "ok", "ok", "fail", "ok", "panic"}[i%6]
		wg.Go(func() {
			err := s.Update(func(tx Tx) error {
				// Written before failing: must not survive the failure.
				if err := tx.PutNode(&model.Node{NodeID: fmt.Sprintf("n%d", i), VCID: "v", Unit: "u", NodeNo: i}); err != nil {
					return err
				}
				switch kind {
				case "fail":
					return refused
				case "panic":
					panic("boom")
				}
				return nil
			})
			got[i] = outcome{kind, err}
		})
	}
	wg.Wait()
	for i, o := range got {
		switch {
		case o.kind == "ok" && o.err != nil:
			t.Errorf("writer %d: %v", i, o.err)
		case o.kind == "fail" && !errors.Is(o.err, refused):
			t.Errorf("writer %d: got %v, want its own error", i, o.err)
		case o.kind == "panic" && (o.err == nil || !strings.Contains(o.err.Error(), "panicked: boom")):
			t.Errorf("writer %d: got %v, want the panic as its error", i, o.err)
		}
	}
	err := s.View(func(tx Tx) error {
		for i, o := range got {
			_, err := tx.Node(fmt.Sprintf("n%d", i))
			if kept := err == nil; kept != (o.kind == "ok") {
				t.Errorf("writer %d (%s): node kept=%v", i, o.kind, kept)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Updates that depend on what came before (a counter) see each other's
// writes: none is lost when they share commits.
func TestGroupCommitSerializes(t *testing.T) {
	s, _ := open(t)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if err := s.Update(func(tx Tx) error { _, err := tx.NextSeq("bench"); return err }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var n int
	err := s.Update(func(tx Tx) (err error) { n, err = tx.NextSeq("bench"); return err })
	if err != nil || n != 101 {
		t.Fatalf("after 100 increments the next is %d (%v), want 101", n, err)
	}
}
