package bootstrap

import (
	"strings"
	"testing"
)

func TestScript(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3Nza vcc-controller"
	cases := []struct {
		name    string
		o       Options
		want    []string
		wantErr string
	}{
		{"ok", Options{User: "vcp", SSHPort: 20022, PublicKey: key}, []string{"USER_NAME='vcp'", "SSH_PORT=20022", "KEY='" + key + "'", "usermod -aG docker"}, ""},
		{"bad user", Options{User: "x; rm -rf /", SSHPort: 20022, PublicKey: key}, nil, "not a Linux user name"},
		{"bad port", Options{User: "vcp", SSHPort: 0, PublicKey: key}, nil, "not a TCP port"},
		{"bad key", Options{User: "vcp", SSHPort: 22, PublicKey: "ssh-ed25519 A'B"}, nil, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Script(c.o)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want error %q, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("script lacks %q", w)
				}
			}
		})
	}
}
