package pluginmgr_test

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// TestReattachDebugPlugin: a plugin run by hand with -debug (as under a
// debugger) prints the line to export; a host given it attaches to that
// process instead of starting the installed binary, and leaves it running
// when it stops.
func TestReattachDebugPlugin(t *testing.T) {
	cmd := exec.Command(testenv.Sim(t), "-debug")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var value string
	for value == "" {
		select {
		case l := <-lines:
			if _, v, ok := strings.Cut(l, "export "+providerplugin.EnvReattach+"="); ok {
				value = strings.Trim(v, "'")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the plugin printed no reattach line in debug mode")
		}
	}
	t.Setenv(providerplugin.EnvReattach, value)
	// An empty plugin dir: the only sim is the one in debug mode.
	m := start(t, t.TempDir(), nil)
	st := status(t, m, "sim")
	if st.State != pluginmgr.StateRunning || !strings.HasPrefix(st.Path, "reattach:") {
		t.Fatalf("status %+v: want running, attached", st)
	}
	p, err := m.Provider("sim")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := p.GetInfo(context.Background()); err != nil || info.Name != "sim" {
		t.Fatalf("GetInfo: %+v %v", info, err)
	}
	m.Close()
	time.Sleep(200 * time.Millisecond)
	if cmd.ProcessState != nil {
		t.Fatal("the host killed a plugin it attached to")
	}
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the plugin in debug mode is gone after the host stopped: %v", err)
	}
}
