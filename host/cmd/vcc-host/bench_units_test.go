package main_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/sdk"
)

// benchUnits is the controller's side of every make bench-<provider>: per
// iteration, a unit of 100 nodes of provider (flavor and spec as given)
// created through the API and waited for, then deleted and waited for.
// It reports s/100nodes (the whole round) and s-create, which
// scripts/bench-compare.sh reads beside the plugin's direct-SDK figures.
func benchUnits(b *testing.B, cl *sdk.Client, provider, flavor string, spec map[string]any) {
	b.Helper()
	c := context.Background()
	vc, err := cl.CreateUnitGroup(c, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	if spec == nil {
		spec = map[string]any{}
	}
	spec["num_nodes"] = 100
	var total, creating time.Duration
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("u%d", i)
		i++
		start := time.Now()
		acc, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: name, Provider: provider, Flavor: flavor, Spec: spec})
		if err != nil {
			b.Fatal(err)
		}
		if op, err := cl.Wait(c, acc.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("create: %+v %v", op, err)
		}
		creating += time.Since(start)
		del, err := cl.DeleteUnit(c, vc.VCID, name, true)
		if err != nil {
			b.Fatal(err)
		}
		if op, err := cl.Wait(c, del.OperationID); err != nil || op.State != "succeeded" {
			b.Fatalf("delete: %+v %v", op, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}
