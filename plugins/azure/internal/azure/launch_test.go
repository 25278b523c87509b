package azure

import (
	"testing"

	"github.com/vccproject/vcc/proto/providertest"
)

// TestLaunch runs the suite on both binaries, started as vcc-host starts
// them, against the emulator over HTTPS (the subprocess trusts its CA
// through SSL_CERT_FILE); the emulator holds nothing afterwards.
func TestLaunch(t *testing.T) {
	for _, c := range []struct {
		pkg  string
		spot bool
	}{{"../../cmd/vcc-provider-azure", false}, {"../../cmd/vcc-provider-azure-spot", true}} {
		t.Run(c.pkg[len("../../cmd/"):], func(t *testing.T) {
			s := emulator(t)
			bin := providertest.Build(t, c.pkg)
			// go-plugin appends this process's environment after the
			// command's: a machine-wide SSL_CERT_FILE would win.
			t.Setenv("SSL_CERT_FILE", s.CAFile)
			providertest.Run(t, fixture(providertest.Launch(t, bin), envOf(s)))
			if left := s.Left(); len(left) != 0 {
				t.Errorf("left in the emulator: %v", left)
			}
		})
	}
}
