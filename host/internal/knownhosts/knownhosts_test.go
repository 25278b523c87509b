package knownhosts

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/store"
)

func TestPinKeepsFirstKey(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	steps := []struct {
		pin  map[string]string
		want []Entry
	}{
		{map[string]string{"10.0.0.5:20022": "ssh-ed25519 AAA1"}, []Entry{{"10.0.0.5:20022", "ssh-ed25519 AAA1"}}},
		{map[string]string{"10.0.0.5:20022": "ssh-ed25519 BBB2", "10.0.0.6:20022": "ssh-ed25519 CCC3"},
			[]Entry{{"10.0.0.5:20022", "ssh-ed25519 AAA1"}, {"10.0.0.6:20022", "ssh-ed25519 CCC3"}}},
	}
	for i, s := range steps {
		if err := Pin(st, s.pin); err != nil {
			t.Fatal(err)
		}
		got, err := List(st)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", i, diff)
		}
	}
	if found, err := Forget(st, "10.0.0.5:20022"); err != nil || !found {
		t.Fatalf("forget: %v %v", found, err)
	}
	if found, _ := Forget(st, "10.0.0.5:20022"); found {
		t.Error("forgot twice")
	}
	all, _ := All(st)
	if len(all) != 1 {
		t.Errorf("left %v", all)
	}
}
