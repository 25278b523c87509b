package cli

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestListenHint(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	addr := busy.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	cases := map[string]struct {
		err  error
		want string
	}{
		"in_use": {fmt.Errorf("bind: %w", syscall.EADDRINUSE), "uses port " + port + ": stop it, or use a free port, e.g. --listen 127.0.0.1:"},
		"denied": {fmt.Errorf("bind: %w", syscall.EACCES), "ports below 1024 need root"},
		"other":  {fmt.Errorf("no such host"), "set another address"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := listenHint(addr, tc.err)
			if !strings.Contains(got, tc.want) || strings.HasSuffix(got, ":"+port+" (or VCC_LISTEN)") {
				t.Errorf("hint %q, want %q and not the busy port", got, tc.want)
			}
		})
	}
}

func TestEverywhere(t *testing.T) {
	for addr, want := range map[string]bool{":443": true, "0.0.0.0:7947": true, "[::]:443": true, "127.0.0.1:8443": false, "[fd00::2]:7947": false, "vcc.example.org:443": false} {
		if got := everywhere(addr, "x") != ""; got != want {
			t.Errorf("everywhere(%q) = %v, want %v", addr, got, want)
		}
	}
}
