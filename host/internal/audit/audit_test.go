package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestRotateAndTail(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, 300, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if err := l.Write(Entry{Kind: "api", Status: 200 + i}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"audit.log", "audit.log.1", "audit.log.2"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() > 300 {
			t.Errorf("%s: %v (size must stay under 300)", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.log.3")); err == nil {
		t.Error("keeps more than 2 rotated files")
	}
	tail, err := l.Tail(3)
	if err != nil || len(tail) != 3 {
		t.Fatalf("tail: %d lines, %v", len(tail), err)
	}
	var last Entry
	_ = json.Unmarshal(tail[2], &last)
	if last.Status != 211 {
		t.Errorf("newest line has status %d, want 211", last.Status)
	}
}
