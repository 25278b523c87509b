// Command armemu runs the Azure Resource Manager emulator on its own: for
// a demo with a real vcc-host (it prints the catalog entry and
// credentials to use), or for tests that need it as a process (-json
// prints one line that says where it is, then it serves until stdin
// closes or a signal comes). It seeds a resource group with a network
// and an Ubuntu image.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vccproject/vcc/plugins/azure/armemu"
)

// Info is what -json prints.
type Info struct {
	URL          string `json:"url"`
	CAFile       string `json:"ca_file"`
	Tenant       string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Subscription string `json:"subscription_id"`
	Location     string `json:"location"`
	armemu.Network
}

func main() {
	addr := flag.String("listen", "127.0.0.1:8790", "address to serve HTTPS on")
	dir := flag.String("dir", os.TempDir(), "directory for the emulator's CA (ca.pem)")
	delay := flag.Duration("delay", 2*time.Second, "how long a VM's create, start, deallocate or delete takes")
	secret := flag.String("client-secret", "demo-secret", "the service principal's secret")
	quota := flag.Int("quota", 0, "total regional cores of the subscription (0: no limit)")
	asJSON := flag.Bool("json", false, "print where it serves as one JSON line and stop when stdin closes")
	cidr := flag.String("cidr", "10.1.0.0/24", "the subnet's address range")
	serverImage := flag.String("docker-image", "", "run every VM as a container of this server image (sshd and dockerd inside) on a Docker network of the subnet, running its custom data")
	baseImage := flag.String("base-image", "", "with -docker-image: load this image into every VM's dockerd")
	flag.Parse()
	c := armemu.Config{Tenant: "00000000-0000-0000-0000-00000000000e", ClientID: "00000000-0000-0000-0000-00000000000c",
		ClientSecret: *secret, Subscription: "00000000-0000-0000-0000-0000000000a5", Delay: *delay, Addr: *addr, Dir: *dir}
	s, err := armemu.Start(c)
	if err != nil {
		log.Fatal(err)
	}
	s.SetQuota(*quota)
	n := armemu.Network{Group: "vcc-rg", VNet: "vcc-vnet", Subnet: "default", NSG: "vcc-nsg", CIDR: *cidr}
	if *serverImage != "" {
		d, err := armemu.NewDocker(*serverImage, *baseImage, fmt.Sprintf("armemu-%d", os.Getpid()), *cidr)
		if err != nil {
			log.Fatal(err)
		}
		defer d.Close()
		s.SetRunner(d)
	}
	if err := s.Seed(n); err != nil {
		log.Fatal(err)
	}
	if err := s.AddImage("Canonical:ubuntu-24_04-lts:server:24.04.202501010"); err != nil {
		log.Fatal(err)
	}
	info := Info{URL: s.URL, CAFile: s.CAFile, Tenant: c.Tenant, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Subscription: c.Subscription, Location: s.Location, Network: n}
	done := make(chan os.Signal, 1)
	signal.Notify(done, os.Interrupt, syscall.SIGTERM)
	if *asJSON {
		if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
			log.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); done <- syscall.SIGTERM }()
	} else {
		fmt.Printf(`armemu serves %s (TLS: export SSL_CERT_FILE=%s for vcc-host, whose plugins inherit it)
vpn_catalog.yml:
  azure:
    default:
      azure_resource_group_name: %s
      azure_vnet_name: %s
      azure_subnet_name: %s
      azure_security_group_name: %s
      azure_location: %s
      private_network_ipmask: %s
      azure_resource_manager_endpoint: %s
      azure_authority_host: %s/
credentials (PUT /vcp/v1/occtr/credentials/azure/KEY {"value": ...}):
  subscription_id=%s tenant_id=%s client_id=%s client_secret=%s
`, s.URL, s.CAFile, n.Group, n.VNet, n.Subnet, n.NSG, s.Location, n.CIDR, s.URL, s.URL, c.Subscription, c.Tenant, c.ClientID, c.ClientSecret)
	}
	<-done
	_ = s.Close()
}
