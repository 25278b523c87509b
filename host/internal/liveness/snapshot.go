package liveness

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// pruneSnapshot drops from Serf's snapshot the "alive" members that are
// not known nodes (deleted since, or the controller itself): Serf tries
// to rejoin every member alive at the last stop and warns "Failed to
// re-join any previously known node" at each start when none answers,
// as on every restart of a controller that has no nodes.
func pruneSnapshot(path string, known func(name string) bool) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the Serf snapshot: %w", err)
	}
	var out bytes.Buffer
	dropped := false
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "alive: "); ok {
			name, _, _ := strings.Cut(rest, " ")
			if !known(name) {
				dropped = true
				continue
			}
		}
		out.WriteString(line)
	}
	if !dropped {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("prune the Serf snapshot: %w", err)
	}
	return os.Rename(tmp, path)
}
