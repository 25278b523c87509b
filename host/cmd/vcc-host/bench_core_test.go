package main_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// benchLimit is the --provider-limit of the benchmarks: the concurrency
// of the direct-SDK baselines they are compared with.
const benchLimit = providertest.BenchLimit

// BenchmarkCreate1000Nodes creates a unit of 1,000 nodes through the API
// and waits for all of them, with the simulated cloud answering each call
// at once and after 200 ms. ideal = calls × latency / concurrency.
func BenchmarkCreate1000Nodes(b *testing.B) {
	for _, latency := range []int{0, 200} {
		b.Run(fmt.Sprintf("latency=%dms", latency), func(b *testing.B) {
			h := testenv.StartHost(b, fmt.Sprintf("sim:\n  default:\n    latency_ms: %d\n    private_network_ipmask: 10.64.0.0/12\n", latency),
				"--provider-limit", strconv.Itoa(benchLimit))
			c := context.Background()
			var total time.Duration
			i := 0
			for b.Loop() {
				vc, err := h.Client.CreateUnitGroup(c, fmt.Sprintf("bench%d", i), "")
				if err != nil {
					b.Fatal(err)
				}
				i++
				start := time.Now()
				acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 1000}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := h.Client.Wait(c, acc.OperationID); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			per := total / time.Duration(b.N)
			b.ReportMetric(per.Seconds(), "s/1000nodes")
			if latency > 0 {
				ideal := time.Duration(1000*latency/benchLimit) * time.Millisecond
				b.ReportMetric(float64(per)/float64(ideal), "x-ideal")
			}
		})
	}
}

// BenchmarkList10000Nodes lists one VC of 10 units × 1,000 nodes through
// the API, and reports the host's resident memory holding them.
func BenchmarkList10000Nodes(b *testing.B) {
	h := testenv.StartHost(b, "sim:\n  default:\n    private_network_ipmask: 10.64.0.0/12\n", "--provider-limit", "64")
	c := context.Background()
	vc, err := h.Client.CreateUnitGroup(c, "big", "")
	if err != nil {
		b.Fatal(err)
	}
	for u := 0; u < 10; u++ {
		acc, err := h.Client.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: fmt.Sprintf("u%d", u), Provider: "sim", Spec: map[string]any{"num_nodes": 1000}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.Client.Wait(c, acc.OperationID); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := h.Client.GetUnitGroup(c, vc.VCID)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, u := range got.Units {
			n += len(u.Nodes)
		}
		if n != 10000 {
			b.Fatalf("listed %d nodes", n)
		}
	}
	b.StopTimer()
	b.ReportMetric(rssMB(b, h.PID()), "host-RSS-MB")
}

// rssMB reads a process's resident set size.
func rssMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// BenchmarkAWS100 creates a unit of 100 aws nodes through the API against
// moto, waits, deletes it and waits; compare with the plugin module's
// BenchmarkDirectSDK100 (the same calls made directly with the SDK);
// scripts/bench-compare.sh aws runs both in alternation and prints
// the ratio. It also reports moto's CPU time (the work the controller
// asked of the emulator); VCC_BENCH_TALLY=1 logs the EC2 calls by action.
func BenchmarkAWS100(b *testing.B) {
	m := moto.Start(b)
	if os.Getenv("VCC_BENCH_TALLY") != "" {
		m.Count(b)
	}
	catalog := fmt.Sprintf("aws:\n  default:\n    aws_region: us-east-1\n    aws_vpc_subnet_id: %s\n    aws_vpc_security_group_id: %s\n    aws_endpoint_url: %s\n",
		m.Subnet, m.SecurityGroup, m.URL)
	h := testenv.StartHostWith(b, catalog, testenv.AWSPlugins(b), "--reconcile-interval", "0", "--serf-listen", "off", "--provider-limit", strconv.Itoa(benchLimit))
	c := context.Background()
	for k, v := range map[string]string{"access_key": "testing", "secret_key": "testing"} {
		if err := h.Client.PutCredential(c, "aws", k, v); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := m.CPU(b)
	benchUnits(b, h.Client, "aws", "", map[string]any{"cloud_image": m.Image, "instance_type": "m4.large"})
	b.ReportMetric((m.CPU(b)-cpu0).Seconds()/float64(b.N), "moto-cpu-s")
	for _, st := range m.Stats() {
		b.Logf("%-28s %5d calls %8.3f s", st.Action, st.Calls, st.Time.Seconds())
	}
}
