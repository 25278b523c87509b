// Command ociemu serves the OCI emulator on its own, for demos with a real
// vcc-host and for tests in another process: it seeds a user with a fresh
// API key, a subnet and images, writes the key to a file and prints the
// catalog entry and credentials that reach it (with -json, one JSON line
// for a program to read). It also serves the emulator's control API under
// /_emu/ (instances, preempt, fail): a test peer, never OCI.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/providertest/servers"
)

// World is what -json prints.
type World struct {
	URL     string `json:"url"`
	Tenancy string `json:"tenancy"`
	Region  string `json:"region"`
	AD      string `json:"availability_domain"`
	// ADs are all the availability domains (-ads), AD first.
	ADs         []string `json:"availability_domains"`
	SubnetID    string   `json:"subnet_id"`
	SubnetCIDR  string   `json:"subnet_cidr"`
	UserOCID    string   `json:"user_ocid"`
	Fingerprint string   `json:"fingerprint"`
	KeyFile     string   `json:"private_key_file"`
	ImageID     string   `json:"image_id"`
	CAFile      string   `json:"ca_file,omitempty"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8790", "address to serve on")
	region := flag.String("region", "ap-tokyo-1", "region the emulator plays")
	numADs := flag.Int("ads", 1, "availability domains of the region (AD-1, AD-2, ...); the subnet is in AD-1")
	cidr := flag.String("subnet", "10.0.1.0/24", "CIDR of the seeded subnet")
	keyOut := flag.String("key-out", "ociemu-key.pem", "file to write the seeded user's private key to")
	boot := flag.Duration("boot", 3*time.Second, "how long instances stay PROVISIONING/STARTING")
	stop := flag.Duration("stop", 2*time.Second, "how long instances stay STOPPING/TERMINATING")
	latency := flag.Duration("latency", 0, "delay every answer by this much")
	asJSON := flag.Bool("json", false, "print the world as one JSON line (for tests)")
	network := flag.String("machines-network", "", "run instances as containers on this Docker network (its subnet must be -subnet)")
	image := flag.String("machines-image", "", "with -machines-network: the server image the containers run")
	base := flag.String("machines-base-image", "", "with -machines-network: an image to load into each machine's dockerd")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a throwaway CA written to -ca-out (trust it with SSL_CERT_FILE)")
	caOut := flag.String("ca-out", "ociemu-ca.pem", "with -tls: file to write the CA certificate to")
	flag.Parse()
	opt := ociemu.Options{Region: *region, BootDelay: *boot, StopDelay: *stop, Latency: *latency, Log: log.Printf}
	for i := 1; i <= *numADs; i++ {
		opt.ADs = append(opt.ADs, fmt.Sprintf("Uocm:%s-AD-%d", strings.ToUpper(*region), i))
	}
	if *network != "" {
		m := &servers.Machines{Network: *network, Image: *image, Prefix: "ociemu", Log: log.Printf}
		if *base != "" {
			m.Load = []string{*base}
		}
		opt.Machines = machines{m}
	}
	w, err := ociemu.Seed(ociemu.New(opt), *cidr)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*keyOut, []byte(w.PrivateKey), 0o600); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	scheme, caFile := "http", ""
	if *useTLS {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		conf, caPEM, err := ociemu.TestTLS(host)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*caOut, caPEM, 0o644); err != nil {
			log.Fatal(err)
		}
		ln, scheme, caFile = tls.NewListener(ln, conf), "https", *caOut
	}
	world := World{URL: scheme + "://" + ln.Addr().String(), CAFile: caFile, Tenancy: w.Tenancy(), Region: w.Region(), AD: w.ADs()[0], ADs: w.ADs(), SubnetID: w.SubnetID,
		SubnetCIDR: w.SubnetCIDR, UserOCID: w.UserOCID, Fingerprint: w.Fingerprint, KeyFile: *keyOut, ImageID: w.ImageID}
	if *asJSON {
		out, _ := json.Marshal(world)
		fmt.Println(string(out))
	} else {
		fmt.Printf("OCI emulator on %s (not OCI: for tests and demos)\n\nconfig/vpn_catalog.yml:\n", world.URL)
		fmt.Printf("oracle:\n  default:\n    oracle_tenancy_ocid: %s\n    oracle_compartment_id: %s\n    oracle_subnet_id: %s\n"+
			"    oracle_region: %s\n    oracle_availability_domain: %q\n    private_network_ipmask: %s\n    oracle_endpoint_url: %s\n\n",
			world.Tenancy, world.Tenancy, world.SubnetID, world.Region, world.AD, world.SubnetCIDR, world.URL)
		fmt.Printf("credentials (PUT /vcp/v1/occtr/credentials/oracle/KEY): user_ocid=%s fingerprint=%s private_key=<contents of %s>\n",
			world.UserOCID, world.Fingerprint, world.KeyFile)
	}
	log.Fatal(http.Serve(ln, w.WithControl()))
}

// machines runs instances as servers.Machines: the container's host name
// is its own name, a stop is a power cut, a terminate removes it.
type machines struct{ *servers.Machines }

func (m machines) Boot(id, ip, userData string) error {
	return m.Machines.Boot(id, m.Container(id), ip, userData)
}

func (m machines) Stop(id string, remove bool) error {
	if remove {
		return m.Remove(id)
	}
	return m.Kill(id)
}
