package store

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/model"
)

func open(t *testing.T) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // tests that reopen have closed it already
	return s, path
}

func TestRoundTripAndIndexes(t *testing.T) {
	s, path := open(t)
	err := s.Update(func(tx Tx) error {
		for _, vc := range []*model.VC{{VCID: "b", VCNo: 2}, {VCID: "a", VCNo: 1}} {
			if err := tx.PutVC(vc); err != nil {
				return err
			}
		}
		if err := tx.PutUnit(&model.Unit{VCID: "a", Name: "web"}); err != nil {
			return err
		}
		if err := tx.PutUnit(&model.Unit{VCID: "ab", Name: "x"}); err != nil { // prefix trap
			return err
		}
		for _, no := range []int{10, 2, 1} {
			if err := tx.PutNode(&model.Node{NodeID: string(rune('m' + no)), VCID: "a", Unit: "web", NodeNo: no}); err != nil {
				return err
			}
		}
		return tx.PutNode(&model.Node{NodeID: "other", VCID: "a", Unit: "web2", NodeNo: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenBolt(path) // durable across reopen
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	err = s.View(func(tx Tx) error {
		vcs, _ := tx.VCs()
		units, _ := tx.Units("a")
		nodes, _ := tx.Nodes("a", "web")
		var nos []int
		for _, n := range nodes {
			nos = append(nos, n.NodeNo)
		}
		if diff := cmp.Diff([]int{1, 2}, []int{vcs[0].VCNo, vcs[1].VCNo}); diff != "" {
			t.Errorf("vcs order: %s", diff)
		}
		if len(units) != 1 || units[0].Name != "web" {
			t.Errorf("units of a: %+v", units)
		}
		if diff := cmp.Diff([]int{1, 2, 10}, nos); diff != "" {
			t.Errorf("node order (-want +got): %s", diff)
		}
		if _, err := tx.VC("zz"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing VC: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteNodeRemovesIndex(t *testing.T) {
	s, _ := open(t)
	_ = s.Update(func(tx Tx) error { return tx.PutNode(&model.Node{NodeID: "n1", VCID: "a", Unit: "u", NodeNo: 1}) })
	_ = s.Update(func(tx Tx) error { return tx.DeleteNode("n1") })
	_ = s.Update(func(tx Tx) error { return tx.DeleteNode("n1") }) // idempotent
	_ = s.View(func(tx Tx) error {
		if nodes, _ := tx.Nodes("a", "u"); len(nodes) != 0 {
			t.Errorf("index still lists %d nodes", len(nodes))
		}
		return nil
	})
}

func TestOpenOpsAndSeq(t *testing.T) {
	s, _ := open(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Update(func(tx Tx) error {
				seq, err := tx.NextSeq("op")
				if err != nil {
					return err
				}
				st := model.OpPending
				if seq%2 == 0 {
					st = model.OpSucceeded
				}
				return tx.PutOp(&model.Operation{ID: model.NewID(), Seq: seq, State: st})
			})
		}()
	}
	wg.Wait()
	_ = s.View(func(tx Tx) error {
		open, _ := tx.OpenOps()
		var seqs []int
		for _, o := range open {
			seqs = append(seqs, o.Seq)
		}
		if diff := cmp.Diff([]int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}, seqs); diff != "" {
			t.Errorf("open ops (-want +got): %s", diff)
		}
		return nil
	})
}

func TestSecondOpenFailsClearly(t *testing.T) {
	_, path := open(t)
	if _, err := OpenBolt(path); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second open: %v", err)
	}
}

// A deleted VC is kept as it was, so what outlives it still knows its
// owner; deleting it again keeps the first record.
func TestDeletedVCKeepsItsOwner(t *testing.T) {
	s, _ := open(t)
	_ = s.Update(func(tx Tx) error { return tx.PutVC(&model.VC{VCID: "a", Owner: "alice"}) })
	_ = s.Update(func(tx Tx) error { return tx.DeleteVC("a") })
	_ = s.Update(func(tx Tx) error { return tx.DeleteVC("a") })
	_ = s.View(func(tx Tx) error {
		if _, err := tx.VC("a"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted VC still live: %v", err)
		}
		gone, err := tx.DeletedVC("a")
		if err != nil || gone.Owner != "alice" {
			t.Errorf("deleted VC: %+v, %v; want alice's", gone, err)
		}
		if _, err := tx.DeletedVC("never"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a VC never deleted: %v", err)
		}
		return nil
	})
}
