// Command armemu runs the Azure Resource Manager emulator on its own, for
// a demo with a real vcc-host: it seeds a resource group with a network
// and an Ubuntu image and prints the catalog entry and credentials to
// use.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vccproject/vcc/plugins/azure/armemu"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:8790", "address to serve HTTPS on")
	dir := flag.String("dir", os.TempDir(), "directory for the emulator's CA (ca.pem)")
	delay := flag.Duration("delay", 2*time.Second, "how long a VM's create, start, deallocate or delete takes")
	secret := flag.String("client-secret", "demo-secret", "the service principal's secret")
	flag.Parse()
	c := armemu.Config{Tenant: "00000000-0000-0000-0000-00000000000t", ClientID: "00000000-0000-0000-0000-00000000000c",
		ClientSecret: *secret, Subscription: "00000000-0000-0000-0000-00000000000s", Delay: *delay, Addr: *addr, Dir: *dir}
	s, err := armemu.Start(c)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Seed(armemu.Network{Group: "vcc-rg", VNet: "vcc-vnet", Subnet: "default", NSG: "vcc-nsg", CIDR: "10.1.0.0/24"}); err != nil {
		log.Fatal(err)
	}
	if err := s.AddImage("Canonical:ubuntu-24_04-lts:server:24.04.202501010"); err != nil {
		log.Fatal(err)
	}
	fmt.Printf(`armemu serves %s (TLS: export SSL_CERT_FILE=%s for vcc-host, whose plugins inherit it)
vpn_catalog.yml:
  azure:
    default:
      azure_resource_group_name: vcc-rg
      azure_vnet_name: vcc-vnet
      azure_subnet_name: default
      azure_security_group_name: vcc-nsg
      azure_location: %s
      private_network_ipmask: 10.1.0.0/24
      azure_resource_manager_endpoint: %s
      azure_authority_host: %s/
credentials (PUT /vcp/v1/occtr/credentials/azure/KEY {"value": ...}):
  subscription_id=%s client_id=%s client_secret=%s tenant_id=%s
`, s.URL, s.CAFile, c.Location, s.URL, s.URL, c.Subscription, c.ClientID, c.ClientSecret, c.Tenant)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = s.Close()
}
