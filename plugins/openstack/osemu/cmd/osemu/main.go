// Command osemu runs vcc's OpenStack emulator on its own, for demos and
// for tests that drive a plugin process against it. It prints one line,
// "osemu listening on URL", then serves until interrupted. Keystone is at
// URL/identity/v3; GET URL/_emu/state shows what the cloud holds. With
// -vm-image every server runs as a container of that image (removed when
// osemu stops). On stderr it prints a catalog entry and the seeded
// credentials for a demo with vcc-host.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:8774", "address to serve on")
	var o osemu.Options
	flag.DurationVar(&o.TokenTTL, "token-ttl", 0, "token lifetime (default 1h)")
	flag.DurationVar(&o.BootDelay, "boot-delay", 0, "how long a server stays BUILD (default 200ms)")
	flag.DurationVar(&o.StopDelay, "stop-delay", 0, "how long a power action takes (default 100ms)")
	flag.DurationVar(&o.DeleteDelay, "delete-delay", 0, "how long a deleted server is still listed (default 100ms)")
	flag.StringVar(&o.MaxMicroversion, "max-microversion", "", "Nova's highest microversion (default 2.96)")
	flag.IntVar(&o.QuotaInstances, "quota-instances", 0, "instance quota of the project (0: none)")
	flag.IntVar(&o.Capacity, "capacity", 0, "servers the hosts have room for (0: no limit)")
	flag.StringVar(&o.SubnetCIDR, "subnet", "", "range of the seeded network (default "+osemu.SubnetCIDR+")")
	vmImage := flag.String("vm-image", "", "run every server as a container of this image (sshd and dockerd inside), on a Docker network of -subnet")
	vmLoad := flag.String("vm-load", "", "comma-separated images copied into every VM's dockerd")
	flag.Parse()
	if *vmImage != "" {
		o.VMs = &osemu.VMs{Image: *vmImage}
		if *vmLoad != "" {
			o.VMs.Load = strings.Split(*vmLoad, ",")
		}
	}
	url, stop, err := osemu.New(o).Listen(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "osemu:", err)
		os.Exit(1)
	}
	fmt.Printf("osemu listening on %s\n", url)
	// For a demo: what to give vcc (stderr, so stdout stays one line).
	fmt.Fprintf(os.Stderr, `# config/vpn_catalog.yml
openstack:
  default:
    auth_url: %s/identity/v3
    network_uuid: %s
    tenant_name: %s
    private_network_ipmask: %s
    default_image: %s
    flavors: {small: m1.small, medium: m1.medium, large: m1.large}
# credentials: user_name=%s password=%s
#   or application_credential_id=%s application_credential_secret=%s
`, url, osemu.NetworkID, osemu.ProjectName, subnetOr(o.SubnetCIDR), osemu.ImageName, osemu.UserName, osemu.UserPassword, osemu.AppCredID, osemu.AppCredSecret)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = stop()
}

func subnetOr(s string) string {
	if s == "" {
		return osemu.SubnetCIDR
	}
	return s
}
