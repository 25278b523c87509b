package main_test

import (
	"strconv"
	"testing"
)

// BenchmarkSakura100 creates a unit of 100 sakura nodes through the API
// against iaas-api-go's fake, waits, deletes it and waits; compare with
// the plugin module's BenchmarkDirectSDK100 (the same calls made directly
// with the SDK on the same fake); scripts/bench-compare.sh sakura
// runs both in alternation and prints the ratio.
func BenchmarkSakura100(b *testing.B) {
	h, _, _ := sakuraHost(b, 100, "--provider-limit", strconv.Itoa(benchLimit))
	benchUnits(b, h.Client, "sakura", "small", nil)
}
