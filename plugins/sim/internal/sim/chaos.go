package sim

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vccproject/vcc/proto/provider"
)

// Chaos runs the simulator's fault-injection commands, for tests and
// demos of what the controller does when a cloud misbehaves:
//
//	vcc-provider-sim reclaim --dir D NODE_ID   the cloud takes the instance back (as a spot reclaim)
//	vcc-provider-sim restore --dir D NODE_ID   the instance runs again
//	vcc-provider-sim vanish  --dir D NODE_ID   the instance is deleted behind the controller's back
//	vcc-provider-sim protect --dir D NODE_ID   deleting the instance is refused (as EC2's termination protection)
//	vcc-provider-sim unprotect --dir D NODE_ID the instance can be deleted again
//
// It returns the exit code.
func Chaos(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vcc-provider-sim reclaim|restore|vanish|protect|unprotect --dir STATE_DIR NODE_ID")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", os.Getenv(EnvStateDir), "the simulated cloud's state dir (env "+EnvStateDir+")")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 || *dir == "" {
		fmt.Fprintln(stderr, "usage: vcc-provider-sim reclaim|restore|vanish|protect|unprotect --dir STATE_DIR NODE_ID")
		return 2
	}
	st, err := openStore(filepath.Clean(*dir))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	node := fs.Arg(0)
	err = st.tx(func() ([]event, error) {
		id, ok := st.byNode[node]
		if !ok {
			return nil, fmt.Errorf("the simulated cloud has no instance of node %s", node)
		}
		cp := *st.insts[id]
		switch args[0] {
		case "reclaim":
			cp.State, cp.Reason = string(provider.InstanceError), "spot instance reclaimed by the (simulated) cloud"
		case "restore":
			cp.State, cp.Reason = string(provider.InstanceRunning), ""
		case "vanish":
			return []event{{Op: "del", ID: id}}, nil
		case "protect", "unprotect":
			cp.Protected = args[0] == "protect"
		default:
			return nil, fmt.Errorf("unknown command %q (reclaim, restore, vanish, protect, unprotect)", args[0])
		}
		return []event{{Op: "put", Inst: &cp}}, nil
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: node %s\n", args[0], node)
	return 0
}
