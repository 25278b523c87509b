package ociemu_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/vccproject/vcc/proto/providertest"
)

// BenchmarkDirectSDK100 is the baseline of the controller's OCI benchmark
// (host's BenchmarkOracle100): the SDK calls the plugin makes for 100
// nodes, made directly, 32 at a time (the controller's per-provider limit
// in that benchmark), against the emulator in its own process with the
// same delays (200 ms boot and stop): once per round the image by name;
// per node LaunchInstance, GetInstance every 50 ms until RUNNING, the
// VNIC's address (ListVnicAttachments, GetVnic); then TerminateInstance
// and GetInstance until TERMINATED. scripts/bench-compare.sh oracle
// runs both in alternation and prints the ratio.
func BenchmarkDirectSDK100(b *testing.B) {
	w := startProcess(b)
	cp := common.NewRawConfigurationProvider(w.Tenancy, w.UserOCID, w.Region, w.Fingerprint, w.key, nil)
	compute, err := core.NewComputeClientWithConfigurationProvider(cp)
	if err != nil {
		b.Fatal(err)
	}
	network, err := core.NewVirtualNetworkClientWithConfigurationProvider(cp)
	if err != nil {
		b.Fatal(err)
	}
	compute.Host, network.Host = w.URL, w.URL
	ctx := context.Background()
	userData := strings.Repeat("I2Nsb3VkLWNvbmZpZwo=", 200)
	var total, creating time.Duration
	round := 0
	for b.Loop() {
		start := time.Now()
		imgs, err := compute.ListImages(ctx, core.ListImagesRequest{CompartmentId: &w.Tenancy, DisplayName: common.String("Canonical-Ubuntu-24.04"),
			SortBy: core.ListImagesSortByTimecreated, SortOrder: core.ListImagesSortOrderDesc, Limit: common.Int(1)})
		if err != nil || len(imgs.Items) == 0 {
			b.Fatal(err)
		}
		ids := make([]string, 100)
		providertest.Parallel(b, 100, func(i int) error {
			name := fmt.Sprintf("bench-%d-%d", round, i)
			res, err := compute.LaunchInstance(ctx, core.LaunchInstanceRequest{OpcRetryToken: &name, LaunchInstanceDetails: core.LaunchInstanceDetails{
				AvailabilityDomain: &w.AD, CompartmentId: &w.Tenancy, Shape: common.String("VM.Standard.E2.1"), DisplayName: &name,
				FreeformTags:      map[string]string{"vcc.controller_id": "bench", "vcc.node_id": name},
				SourceDetails:     core.InstanceSourceViaImageDetails{ImageId: imgs.Items[0].Id, BootVolumeSizeInGBs: common.Int64(50)},
				CreateVnicDetails: &core.CreateVnicDetails{SubnetId: &w.SubnetID, DisplayName: &name, AssignPublicIp: common.Bool(false)},
				Metadata:          map[string]string{"user_data": userData},
			}})
			if err != nil {
				return err
			}
			ids[i] = *res.Id
			if err := until(ctx, compute, ids[i], core.InstanceLifecycleStateRunning); err != nil {
				return err
			}
			att, err := compute.ListVnicAttachments(ctx, core.ListVnicAttachmentsRequest{CompartmentId: &w.Tenancy, InstanceId: res.Id})
			if err != nil || len(att.Items) == 0 {
				return fmt.Errorf("vnic attachments: %v", err)
			}
			_, err = network.GetVnic(ctx, core.GetVnicRequest{VnicId: att.Items[0].VnicId})
			return err
		})
		creating += time.Since(start)
		providertest.Parallel(b, 100, func(i int) error {
			if _, err := compute.TerminateInstance(ctx, core.TerminateInstanceRequest{InstanceId: &ids[i], PreserveBootVolume: common.Bool(false)}); err != nil {
				return err
			}
			return until(ctx, compute, ids[i], core.InstanceLifecycleStateTerminated)
		})
		total += time.Since(start)
		round++
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}

func until(ctx context.Context, c core.ComputeClient, id string, want core.InstanceLifecycleStateEnum) error {
	for {
		res, err := c.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &id})
		if err != nil || res.LifecycleState == want {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type procWorld struct {
	URL         string `json:"url"`
	Tenancy     string `json:"tenancy"`
	Region      string `json:"region"`
	AD          string `json:"availability_domain"`
	SubnetID    string `json:"subnet_id"`
	UserOCID    string `json:"user_ocid"`
	Fingerprint string `json:"fingerprint"`
	KeyFile     string `json:"private_key_file"`
	key         string
}

// startProcess runs the emulator's command in its own process, as the
// host's benchmark does (testenv.StartOracleEmulator), with its delays.
func startProcess(b *testing.B) procWorld {
	dir := b.TempDir()
	bin := filepath.Join(dir, "ociemu")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ociemu").CombinedOutput(); err != nil {
		b.Fatalf("build ociemu: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-json", "-listen", "127.0.0.1:0", "-key-out", filepath.Join(dir, "key.pem"), "-boot", "200ms", "-stop", "200ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadBytes('\n')
	var w procWorld
	if err != nil || json.Unmarshal(line, &w) != nil {
		b.Fatalf("ociemu printed %q: %v", line, err)
	}
	raw, err := os.ReadFile(w.KeyFile)
	if err != nil {
		b.Fatal(err)
	}
	w.key = string(raw)
	return w
}
