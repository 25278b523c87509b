package ec2x

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/proto/providertest/moto"
)

// BenchmarkDirectSDK100 is the baseline of the controller's AWS
// benchmark: 100 RunInstances then 100 TerminateInstances made directly
// with the SDK against moto, 32 at a time (the controller's default
// per-provider limit).
func BenchmarkDirectSDK100(b *testing.B) {
	m := moto.Start(b)
	c := New(Target{Region: "us-east-1", AccessKey: "testing", SecretKey: "testing", Endpoint: m.URL}).API()
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
	for _, waits := range []bool{false, true} {
		b.Run(fmt.Sprintf("waits=%v", waits), func(b *testing.B) { direct(b, m, c, parallel, waits) })
	}
}

// direct makes the calls; with waits it also describes each instance
// until running and until terminated, as the provider contract requires
// (create reports a usable instance, delete waits for it to be gone).
func direct(b *testing.B, m *moto.Server, c *ec2.Client, parallel func(int, func(int)), waits bool) {
	ctx := context.Background()
	until := func(id string, want types.InstanceStateName) {
		for {
			out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
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
	var total time.Duration
	for b.Loop() {
		ids := make([]string, 100)
		start := time.Now()
		parallel(100, func(i int) {
			out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(m.Image), InstanceType: types.InstanceTypeM4Large,
				MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(m.Subnet), SecurityGroupIds: []string{m.SecurityGroup},
				ClientToken: aws.String(fmt.Sprint(time.Now().UnixNano(), i))})
			if err != nil {
				b.Error(err)
				return
			}
			ids[i] = aws.ToString(out.Instances[0].InstanceId)
			if waits {
				until(ids[i], types.InstanceStateNameRunning)
			}
		})
		parallel(100, func(i int) {
			if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{ids[i]}}); err != nil {
				b.Error(err)
			}
			if waits {
				until(ids[i], types.InstanceStateNameTerminated)
			}
		})
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
}
