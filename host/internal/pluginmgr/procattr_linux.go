package pluginmgr

import "syscall"

// procAttr starts a plugin as the leader of its own process group (so the
// host can kill it with its children, and a terminal's Ctrl-C reaches the
// host first) and asks the kernel to send it SIGTERM when the host dies,
// even by kill -9. The plugin kit turns that SIGTERM into killing its
// group.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
