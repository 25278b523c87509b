package osemu_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
	"github.com/vccproject/vcc/proto/providertest"
)

// BenchmarkDirectSDK100 is the baseline of the controller's OpenStack
// benchmark (host's BenchmarkOpenStack100): the calls the plugin makes
// for 100 nodes, made directly with gophercloud on a fresh emulator with
// the same delays, 32 at a time (the controller's default per-provider
// limit): authentication, Nova's version document, the flavor and image
// look-ups and the network the preflight reads (once, as the plugin's
// client cache does); a server per node with its network, user data,
// metadata and tags; the controller's servers listed by tag every 50 ms
// until all are ACTIVE; then per node its delete and the look-ups of its
// own floating IPs and ports; the list again until none is left.
func BenchmarkDirectSDK100(b *testing.B) {
	var total, creating time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		c := osemu.New(benchOptions(b))
		url, stop, err := c.Listen("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		ctl := fmt.Sprintf("ctl%d", round)
		b.StartTimer()
		start := time.Now()
		compute, network, flavor, image := benchSetUp(b, url)
		ids := make([]string, 100)
		providertest.Parallel(b, 100, func(i int) error {
			var err error
			ids[i], err = directCreate(compute, ctl, fmt.Sprintf("bench-%d-%d", round, i), flavor, image)
			return err
		})
		if err := waitList(compute, ctl, func(active, all int) bool { return active == 100 }); err != nil {
			b.Fatal(err)
		}
		creating += time.Since(start)
		providertest.Parallel(b, 100, func(i int) error { return directDelete(compute, network, ctl, ids[i]) })
		if err := waitList(compute, ctl, func(active, all int) bool { return all == 0 }); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		round++
		_ = stop()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}

// benchOptions are the emulator's defaults, or the boot delay of
// OSEMU_BOOT_DELAY (make bench-openstack BOOT_DELAY=2s): both sides of
// the comparison read it.
func benchOptions(b *testing.B) osemu.Options {
	var o osemu.Options
	if d := os.Getenv("OSEMU_BOOT_DELAY"); d != "" {
		var err error
		if o.BootDelay, err = time.ParseDuration(d); err != nil {
			b.Fatalf("OSEMU_BOOT_DELAY: %v", err)
		}
	}
	return o
}

// benchSetUp makes the calls the plugin makes once per client:
// authentication, Nova's versions, the flavor and image look-ups, the
// network's read.
func benchSetUp(b *testing.B, url string) (compute, network *gophercloud.ServiceClient, flavor, image string) {
	opts := gophercloud.AuthOptions{IdentityEndpoint: url + "/identity/v3", Username: osemu.UserName, Password: osemu.UserPassword,
		DomainName: osemu.DomainName, TenantName: osemu.ProjectName, AllowReauth: true}
	compute, network, img, _ := clients(b, opts, "")
	ctx := context.Background()
	if _, err := utils.GetSupportedMicroversions(ctx, compute); err != nil {
		b.Fatal(err)
	}
	compute.Microversion = "2.52"
	pages, err := flavors.ListDetail(compute, nil).AllPages(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fl, _ := flavors.ExtractFlavors(pages)
	for _, f := range fl {
		if f.Name == "m1.small" {
			flavor = f.ID
		}
	}
	pages, err = images.List(img, images.ListOpts{Name: osemu.ImageName}).AllPages(ctx)
	if err != nil {
		b.Fatal(err)
	}
	il, _ := images.ExtractImages(pages)
	if _, err := networks.Get(ctx, network, osemu.NetworkID).Extract(); err != nil || len(il) != 1 || flavor == "" {
		b.Fatalf("set up: %v %+v %q", err, il, flavor)
	}
	return compute, network, flavor, il[0].ID
}

func directCreate(compute *gophercloud.ServiceClient, ctl, name, flavor, image string) (string, error) {
	s, err := servers.Create(context.Background(), compute, servers.CreateOpts{Name: name, FlavorRef: flavor, ImageRef: image,
		Networks: []servers.Network{{UUID: osemu.NetworkID}}, UserData: []byte("#!/bin/sh\ndocker run vcc/base\n"),
		Metadata: map[string]string{"vcc:controller_id": ctl, "vcc:node_id": name}, Tags: []string{"vcc.controller_id=" + ctl, "vcc.node_id=" + name}}, nil).Extract()
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

func directDelete(compute, network *gophercloud.ServiceClient, ctl, id string) error {
	ctx := context.Background()
	if err := servers.Delete(ctx, compute, id).ExtractErr(); err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		return err
	}
	nodeTags := "vcc.controller_id=" + ctl + ",vcc.node_id=" + id
	if _, err := floatingips.List(network, floatingips.ListOpts{Tags: nodeTags}).AllPages(ctx); err != nil {
		return err
	}
	_, err := ports.List(network, ports.ListOpts{Tags: nodeTags}).AllPages(ctx)
	return err
}

// waitList lists the controller's servers by tag every 50 ms until done.
func waitList(compute *gophercloud.ServiceClient, ctl string, done func(active, all int) bool) error {
	return until(func() (bool, error) {
		pages, err := servers.List(compute, servers.ListOpts{Tags: "vcc.controller_id=" + ctl}).AllPages(context.Background())
		if err != nil {
			return false, err
		}
		list, err := servers.ExtractServers(pages)
		active := 0
		for _, s := range list {
			if s.Status == "ACTIVE" {
				active++
			}
		}
		return done(active, len(list)), err
	})
}

// until reads every 50 ms until ok.
func until(read func() (bool, error)) error {
	for {
		ok, err := read()
		if err != nil || ok {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
