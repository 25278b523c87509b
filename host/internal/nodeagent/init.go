package nodeagent

import (
	"context"
	"os"
	"os/exec"

	"github.com/hashicorp/go-hclog"
)

// runInit runs the user's init command once. The default image is FROM
// scratch and has no shell: the command then needs an image that has one.
func runInit(ctx context.Context, log hclog.Logger, command string) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		log.Error("user_init_command needs /bin/sh, which this Base image lacks; use an image with a shell (see images/base-full)")
		return
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Error("user_init_command failed", "error", err, "output", string(out))
		return
	}
	log.Info("user_init_command done", "output", string(out))
}
