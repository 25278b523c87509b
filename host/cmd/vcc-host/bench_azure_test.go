package main_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/vccproject/vcc/sdk"
)

// BenchmarkAzure100 creates a unit of 100 azure nodes through the API
// against the ARM emulator (operations taking 500 ms), waits, deletes it
// and waits; compare with the plugin module's BenchmarkDirectSDK100 (the
// same SDK calls made directly); scripts/bench-compare.sh azure runs
// both in alternation and prints the ratio.
func BenchmarkAzure100(b *testing.B) {
	h, a := azureHostWith(b, 500*time.Millisecond, 0, "--provider-limit", strconv.Itoa(benchLimit))
	c := context.Background()
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
		acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: "azure", Flavor: "small",
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
	if left := a.Resources(b); len(left) != 0 {
		b.Fatalf("left in the emulator: %d resources", len(left))
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}
