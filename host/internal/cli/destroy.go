package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// destroy stops the controller of a data dir and removes its data. While
// any node exists it refuses and lists them, since their cloud instances
// would be left running with nobody to delete them; --force destroys
// anyway and says what it leaks.
func (e env) destroy(args []string) error {
	fs := flag.NewFlagSet("destroy", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var d dirs
	d.register(fs)
	force := fs.Bool("force", false, "destroy even while nodes exist, leaking their cloud instances")
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(d.data, "state.db")); err != nil {
		return fmt.Errorf("%s holds no controller state; nothing to destroy", d.data)
	}
	sock := filepath.Join(d.data, admin.SocketFile)
	resp, err := admin.Call(e.ctx, sock, admin.Request{Op: "nodes"})
	running := err == nil
	nodes := resp.Nodes
	switch {
	case errors.Is(err, admin.ErrNotRunning):
		if nodes, err = listNodes(d.data); err != nil {
			return err
		}
	case err != nil:
		return err
	case resp.Err() != nil:
		return resp.Err()
	}
	if len(nodes) > 0 && !*force {
		return fmt.Errorf("%d node(s) still exist; delete them first (DELETE each VC), "+
			"or destroy with --force to leak their instances:\n  %s", len(nodes), strings.Join(nodes, "\n  "))
	}
	if len(nodes) > 0 {
		fmt.Fprintf(e.stdout, "--force: these %d cloud instance(s) are left running and must be deleted by hand:\n  %s\n", len(nodes), strings.Join(nodes, "\n  "))
	}
	if running {
		// The host empties its data dir as it stops (this command may be
		// running in its container and end with it).
		fmt.Fprintln(e.stdout, "the running vcc-host stops and removes its data")
		if _, err := admin.Call(e.ctx, sock, admin.Request{Op: "destroy"}); err != nil {
			return err
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := admin.Call(e.ctx, sock, admin.Request{Op: "status"})
			if _, serr := os.Stat(filepath.Join(d.data, "state.db")); errors.Is(err, admin.ErrNotRunning) && os.IsNotExist(serr) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the running vcc-host did not stop within 30s")
			}
			time.Sleep(100 * time.Millisecond)
		}
	} else if err := emptyDir(d.data); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "destroyed the controller's data in %s\n", d.data)
	return nil
}

// emptyDir removes what a dir holds but keeps the dir, which may be a
// mount point.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if err := os.RemoveAll(filepath.Join(dir, en.Name())); err != nil {
			return err
		}
	}
	return nil
}

// listNodes describes every node of a stopped host's store.
func listNodes(dataDir string) ([]string, error) {
	st, err := store.OpenBolt(filepath.Join(dataDir, "state.db"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = st.Close() }() // bbolt syncs at each commit: Close loses nothing
	return describeNodes(st)
}

// describeNodes lists every node, one line each.
func describeNodes(st store.Store) ([]string, error) {
	var out []string
	err := st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(vc *model.VC, u *model.Unit, nodes []*model.Node) error {
			for _, n := range nodes {
				out = append(out, describeNode(vc, u, n))
			}
			return nil
		})
	})
	return out, err
}

func describeNode(vc *model.VC, u *model.Unit, n *model.Node) string {
	inst := n.CloudInstanceID
	if inst == "" {
		inst = "(no instance yet)"
	}
	return fmt.Sprintf("VC %s (%s) unit %s node %d: %s instance %s %s", vc.Name, vc.VCID, u.Name, n.NodeNo, u.Provider, inst, n.CloudInstanceAddress)
}
