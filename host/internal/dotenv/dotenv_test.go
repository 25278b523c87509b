package dotenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	cases := map[string]struct {
		body    string
		require bool
		addr    string
		wantErr string
	}{
		"ok":             {"# vcc\nVCP_VCC_PRIVATE_IPMASK=10.0.2.15/24\nVCP_OFFICIAL_REGISTRY_ADDRESS=\"harbor.example.org:5000\"\n", true, "10.0.2.15", ""},
		"missing_ok":     {"", false, "", ""},
		"missing_req":    {"VCP_OFFICIAL_REGISTRY_ADDRESS=r.example.org\n", true, "", "VCP_VCC_PRIVATE_IPMASK is not set"},
		"malformed_mask": {"\nVCP_VCC_PRIVATE_IPMASK=10.0.2.15\n", false, "", ":2: VCP_VCC_PRIVATE_IPMASK=\"10.0.2.15\" is not an IPv4 address with its prefix length; write it like VCP_VCC_PRIVATE_IPMASK=10.0.2.15/24"},
		"bad_registry":   {"VCP_OFFICIAL_REGISTRY_ADDRESS=http://x y\n", false, "", "is not a registry address"},
		"not_key_value":  {"oops\n", false, "", ":1: \"oops\" is not KEY=VALUE"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			v, err := Load(path, tc.require)
			if tc.wantErr == "" && (err != nil || v.Addr() != tc.addr) {
				t.Fatalf("got %+v, %v", v, err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
	t.Run("environment_wins", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(path, []byte("VCP_VCC_PRIVATE_IPMASK=10.0.0.1/8\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("VCP_VCC_PRIVATE_IPMASK", "192.168.1.2/24")
		if v, err := Load(path, false); err != nil || v.Addr() != "192.168.1.2" {
			t.Fatalf("%+v %v", v, err)
		}
	})
}
