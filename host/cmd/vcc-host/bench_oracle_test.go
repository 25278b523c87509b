package main_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkOracle100 creates a unit of 100 oracle nodes through the API
// against the OCI emulator (its own process, 200 ms boot and stop), waits,
// deletes it and waits; compare with the oracle module's
// BenchmarkDirectSDK100 (the plugin's SDK calls made directly on the same
// emulator); scripts/bench-compare.sh oracle runs both in
// alternation and prints the ratio.
func BenchmarkOracle100(b *testing.B) {
	e := testenv.StartOracleEmulator(b)
	h := testenv.StartHostWith(b, "oracle:\n  default:\n"+e.CatalogEntry(),
		map[string]string{"vcc-provider-oracle": testenv.OraclePlugin(b)}, "--reconcile-interval", "0", "--serf-listen", "off",
		"--provider-limit", fmt.Sprint(benchLimit))
	c := context.Background()
	for k, v := range map[string]string{"user_ocid": e.UserOCID, "fingerprint": e.Fingerprint, "private_key": e.PrivateKey} {
		if err := h.Client.PutCredential(c, "oracle", k, v); err != nil {
			b.Fatal(err)
		}
	}
	benchUnits(b, h.Client, "oracle", "small", nil)
}
