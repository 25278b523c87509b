package main_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
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
	vc, err := h.Client.CreateUnitGroup(c, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var total, creating time.Duration
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("u%d", i)
		i++
		start := time.Now()
		acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: "oracle", Flavor: "small",
			Spec: map[string]any{"num_nodes": 100}})
		if err != nil {
			b.Fatal(err)
		}
		if op, err := h.Client.Wait(c, acc.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("create: %+v %v", op, err)
		}
		creating += time.Since(start)
		del, err := h.Client.DeleteUnit(c, vc.VCID, name, true)
		if err != nil {
			b.Fatal(err)
		}
		if op, err := h.Client.Wait(c, del.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("delete: %+v %v", op, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}
