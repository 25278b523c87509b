package main_test

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkAzure100 creates a unit of 100 azure nodes through the API
// against the ARM emulator (operations taking 500 ms), waits, deletes it
// and waits; compare with the plugin module's BenchmarkDirectSDK100 (the
// same SDK calls made directly); scripts/bench-compare.sh azure runs
// both in alternation and prints the ratio.
func BenchmarkAzure100(b *testing.B) {
	h, a := azureHostWith(b, 500*time.Millisecond, 0, "--provider-limit", strconv.Itoa(benchLimit))
	benchUnits(b, h.Client, "azure", "small", nil)
	if left := a.Resources(b); len(left) != 0 {
		b.Fatalf("left in the emulator: %d resources", len(left))
	}
}
