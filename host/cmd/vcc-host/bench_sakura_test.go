package main_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/vccproject/vcc/sdk"
)

// BenchmarkSakura100 creates a unit of 100 sakura nodes through the API
// against iaas-api-go's fake, waits, deletes it and waits; compare with
// the plugin module's BenchmarkDirectSDK100 (the same calls made directly
// with the SDK on the same fake); scripts/bench-compare.sh sakura
// runs both in alternation and prints the ratio.
func BenchmarkSakura100(b *testing.B) {
	h, _, _ := sakuraHost(b, 100, "--provider-limit", strconv.Itoa(benchLimit))
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
		acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: "sakura", Flavor: "small",
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
