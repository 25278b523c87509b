package ec2x

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/proto/providertest/moto"
)

// BenchmarkDirectSDK100 is the baseline of the controller's AWS
// benchmark: the same RunInstances (same parameters: tags on instance and
// volume, root volume, user data) and TerminateInstances calls the plugin
// makes, made directly with the SDK against moto, 32 at a time (the
// controller's default per-provider limit). With waits it also describes
// each instance until running and until terminated, as the provider
// contract requires.
func BenchmarkDirectSDK100(b *testing.B) {
	m := moto.Start(b)
	if os.Getenv("VCC_BENCH_TALLY") != "" {
		m.Count(b)
	}
	c := New(Target{Region: "us-east-1", AccessKey: "testing", SecretKey: "testing", Endpoint: m.URL})
	for _, waits := range []bool{false, true} {
		b.Run(fmt.Sprintf("waits=%v", waits), func(b *testing.B) { direct(b, m, c, waits) })
	}
}

func direct(b *testing.B, m *moto.Server, c *Client, waits bool) {
	ctx := context.Background()
	parallel := func(n int, fn func(i int)) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := 0; i < n; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				fn(i)
			}()
		}
		wg.Wait()
	}
	until := func(id string, want types.InstanceStateName) {
		for {
			out, err := c.API().DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			if err != nil {
				b.Error(err)
				return
			}
			if out.Reservations[0].Instances[0].State.Name == want {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	var total, create time.Duration
	round := 0
	cpu0 := m.CPU(b)
	for b.Loop() {
		ids := make([]string, 100)
		start := time.Now()
		parallel(100, func(i int) {
			in, err := c.Run(ctx, Launch{NodeID: fmt.Sprintf("bench-%v-%d-%d", waits, round, i), ControllerID: "bench", Name: "VCP-bench",
				Image: m.Image, InstanceType: "m4.large", SubnetID: m.Subnet, SecurityGroupID: m.SecurityGroup,
				VolumeSize: 16, VolumeType: "gp2", UserData: "#!/bin/sh\necho bench\n"})
			if err != nil {
				b.Error(err)
				return
			}
			ids[i] = aws.ToString(in.InstanceId)
			if waits {
				until(ids[i], types.InstanceStateNameRunning)
			}
		})
		create += time.Since(start)
		parallel(100, func(i int) {
			if _, err := c.API().TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{ids[i]}}); err != nil {
				b.Error(err)
			}
			if waits {
				until(ids[i], types.InstanceStateNameTerminated)
			}
		})
		total += time.Since(start)
		round++
	}
	b.ReportMetric(create.Seconds()/float64(b.N), "s-create")
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric((m.CPU(b)-cpu0).Seconds()/float64(b.N), "moto-cpu-s")
	for _, st := range m.Stats() {
		b.Logf("%-28s %5d calls %8.3f s", st.Action, st.Calls, st.Time.Seconds())
	}
}
