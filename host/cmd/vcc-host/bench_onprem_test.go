package main_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/providertest/servers"
	"github.com/vccproject/vcc/sdk"
)

// BenchmarkOnPremUp brings up a unit of 1 and of 10 onpremises nodes
// through the API: Base containers started over SSH on that many servers
// at once, the operation done when every node is RUNNING (its agent
// joined). Delete is outside the timing.
func BenchmarkOnPremUp(b *testing.B) {
	h, key := onpremHost(b)
	srvs := make([]*servers.Server, 10)
	ips := make([]string, len(srvs))
	for i := range srvs {
		srvs[i] = servers.Start(b, servers.Options{AuthorizedKey: key, Sudo: true, BaseImage: baseTag})
		ips[i] = srvs[i].IP
	}
	c, cl := context.Background(), h.Client
	vc, err := cl.CreateUnitGroup(c, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				acc, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(ips[:n]...)})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cl.Wait(c, acc.OperationID); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				b.StopTimer()
				acc, err = cl.DeleteUnit(c, vc.VCID, "u", true)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cl.Wait(c, acc.OperationID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/unit")
		})
	}
}

// BenchmarkOnPremKillDetect times `docker kill` of a Base container to
// the node leaving RUNNING, and `docker start` to RUNNING again.
func BenchmarkOnPremKillDetect(b *testing.B) {
	h, key := onpremHost(b)
	srv := servers.Start(b, servers.Options{AuthorizedKey: key, DockerGroup: true, BaseImage: baseTag})
	c, cl := context.Background(), h.Client
	vc, err := cl.CreateUnitGroup(c, "kill", "")
	if err != nil {
		b.Fatal(err)
	}
	acc, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "onpremises", Spec: onpremSpec(srv.IP)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cl.Wait(c, acc.OperationID); err != nil {
		b.Fatal(err)
	}
	u, _ := cl.GetUnit(c, vc.VCID, "u")
	name := "vcc-base-" + u.Nodes[0].NodeID
	var down, up time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		srv.Docker("kill", name)
		waitNode(b, cl, vc.VCID, "u", 1, "CONTAINER_ERROR", 20*time.Second)
		t1 := time.Now()
		srv.Docker("start", name)
		waitNode(b, cl, vc.VCID, "u", 1, "RUNNING", 20*time.Second)
		d, r := t1.Sub(t0), time.Since(t1)
		b.Logf("kill -> CONTAINER_ERROR %v, start -> RUNNING %v", d.Round(time.Millisecond), r.Round(time.Millisecond))
		down, up = down+d, up+r
	}
	b.ReportMetric(down.Seconds()/float64(b.N), "s-to-detect")
	b.ReportMetric(up.Seconds()/float64(b.N), "s-to-recover")
}
