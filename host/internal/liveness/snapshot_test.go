package liveness

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPruneSnapshot(t *testing.T) {
	known := func(name string) bool { return name == "node-a" }
	cases := map[string]struct{ in, want string }{
		"self_and_deleted_dropped": {
			in:   "clock: 3\nalive: vcc-controller-x 10.0.0.1:7947\nalive: node-a 10.0.0.2:7947\nalive: node-b 10.0.0.3:7947\nnot-alive: node-b\n",
			want: "clock: 3\nalive: node-a 10.0.0.2:7947\nnot-alive: node-b\n",
		},
		"nothing_to_drop": {
			in:   "alive: node-a 10.0.0.2:7947\nclock: 9\n",
			want: "alive: node-a 10.0.0.2:7947\nclock: 9\n",
		},
		"no_trailing_newline": {
			in:   "clock: 1\nalive: gone 10.0.0.9:7947",
			want: "clock: 1\n",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "serf.snapshot")
			if err := os.WriteFile(path, []byte(tc.in), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := pruneSnapshot(path, known); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := pruneSnapshot(filepath.Join(t.TempDir(), "missing"), known); err != nil {
		t.Errorf("a missing snapshot: %v", err)
	}
}
