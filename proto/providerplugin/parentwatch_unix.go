//go:build unix

package providerplugin

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// watchParent makes the plugin (and any process it started) exit when the
// host dies, even by kill -9: the host asks the kernel for SIGTERM on its
// death (Pdeathsig) and we also poll our parent pid, because Pdeathsig fires
// when the forking *thread* exits, which a Go runtime may do.
func watchParent(logger hclog.Logger) {
	ppid := os.Getppid()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sigs:
				logger.Info("terminated; stopping the plugin and its children")
				exitGroup()
			case <-tick.C:
				if ppid > 1 && os.Getppid() != ppid {
					logger.Warn("host process is gone; stopping the plugin and its children")
					exitGroup()
				}
			}
		}
	}()
}

// exitGroup kills our process group when we lead it (the host starts each
// plugin as a group leader), taking any children along; else just exits.
func exitGroup() {
	if pid := os.Getpid(); syscall.Getpgrp() == pid {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	os.Exit(3)
}
