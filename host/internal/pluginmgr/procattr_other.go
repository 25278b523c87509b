//go:build !linux

package pluginmgr

import "syscall"

// procAttr: without Pdeathsig the plugin kit's parent-pid watch alone
// notices a dead host.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
